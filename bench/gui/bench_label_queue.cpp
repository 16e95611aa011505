// Review's "possibly mislabelled" queue and Dataset's filter on a real project with a stored label check (for
// example the 10,000-photo project of bench/scale/run_10k.sh): how long the GUI thread is busy opening the queue,
// answering it (Enter accepts, K keeps: each one undoable step that leaves the queue), and filtering Dataset to the
// flagged photos. Every action is undone before the program ends, so the project is left as it was. Each time is one
// synchronous call on the GUI thread plus the event processing (painting) that follows it: the stall a user feels.
//   bench_label_queue PROJECT [--answers N]
// Runs on the offscreen platform unless QT_QPA_PLATFORM says otherwise.
#include <QApplication>
#include <QComboBox>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>
#include <QUndoStack>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "ui/dataset/datasetview.h"
#include "ui/dataset/imagefilterproxymodel.h"
#include "ui/review/labelcheckview.h"
#include "ui/shared/mainwindow.h"
#include "ui/shared/projectdocument.h"
#include "ui/review/reviewview.h"

using namespace tessera;

namespace {

// Milliseconds of `action` and of the events it leaves behind.
double timed(const std::function<void()>& action) {
    QElapsedTimer clock;
    clock.start();
    action();
    QCoreApplication::processEvents();
    return double(clock.nsecsElapsed()) / 1e6;
}

double median(std::vector<double> v) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_label_queue PROJECT [--answers N]\n");
        return 2;
    }
    const QString project = QString::fromLocal8Bit(argv[1]);
    int answers = 20;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (std::string(argv[i]) == "--answers") answers = std::atoi(argv[i + 1]);
        else {
            std::fprintf(stderr, "unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    QApplication app(argc, argv);
    ui::MainWindow window;
    window.resize(1360, 860);
    window.show();
    QEventLoop scanned;
    bool scanDone = false;
    QObject::connect(window.document(), &ui::ProjectDocument::scanFinished, &scanned, [&] {
        scanDone = true;
        scanned.quit();
    });
    QTimer::singleShot(600000, &scanned, &QEventLoop::quit);
    QElapsedTimer clock;
    clock.start();
    QString error;
    if (!window.openProject(project, &error)) {
        std::fprintf(stderr, "cannot open %s: %s\n", argv[1], error.toLocal8Bit().constData());
        return 1;
    }
    if (!scanDone) scanned.exec();
    if (!scanDone) {
        std::fprintf(stderr, "the scan did not finish\n");
        return 1;
    }
    const double openMs = double(clock.nsecsElapsed()) / 1e6;

    ui::LabelCheckView* queue = window.reviewView()->labelCheckView();
    const double queueMs = timed([&] {
        window.setMode(ui::MainWindow::Mode::Review);
        window.reviewView()->setSource(ui::ReviewView::Source::PossiblyMislabelled);
        queue->reload();
    });
    const int flagged = queue->model()->rowCount();
    if (flagged < answers + 1) {
        std::fprintf(stderr, "%s has %d flagged photos; run tessera-cli check-labels on it first\n", argv[1], flagged);
        return 1;
    }

    std::vector<double> move;  // to the next photo without answering: the photo panel and the header
    for (int i = 0; i < answers; ++i) move.push_back(timed([&] { queue->setCurrentRow(i % 2); }));

    std::vector<double> accept, keep, undo;
    QUndoStack* stack = window.document()->undoStack();
    for (int i = 0; i < answers; ++i) {
        queue->setCurrentRow(0);
        if (i % 2 == 0) accept.push_back(timed([&] { queue->acceptSuggestion(); }));
        else keep.push_back(timed([&] { queue->keepLabel(); }));
    }
    const int afterAnswers = queue->model()->rowCount();

    ui::DatasetView* dataset = window.datasetView();
    const int filterIndex = dataset->filterCombo()->findText(QStringLiteral("Possibly mislabelled (label check)"));
    const double modeMs = timed([&] { window.setMode(ui::MainWindow::Mode::Dataset); });
    const double filterMs = timed([&] {
        dataset->filterCombo()->setCurrentIndex(filterIndex);
        emit dataset->filterCombo()->activated(filterIndex);
    });
    const int filtered = dataset->proxy()->rowCount();

    for (int i = 0; i < answers; ++i) undo.push_back(timed([&] { stack->undo(); }));
    window.setMode(ui::MainWindow::Mode::Review);
    queue->reload();
    const int restored = queue->model()->rowCount();

    std::vector<double> all = accept;
    all.insert(all.end(), keep.begin(), keep.end());
    std::printf("{\"project\": \"%s\", \"open_and_scan_ms\": %.0f, \"flagged\": %d, \"open_queue_ms\": %.1f, "
                "\"move_median_ms\": %.1f, \"answers\": %d, \"accept_median_ms\": %.1f, \"keep_median_ms\": %.1f, \"answer_worst_ms\": %.1f, "
                "\"left_in_queue\": %d, \"dataset_mode_ms\": %.1f, \"filter_ms\": %.1f, \"filtered\": %d, "
                "\"undo_median_ms\": %.1f, \"restored\": %d}\n",
                argv[1], openMs, flagged, queueMs, median(move), answers, median(accept), median(keep),
                all.empty() ? 0.0 : *std::max_element(all.begin(), all.end()), afterAnswers, modeMs, filterMs,
                filtered, median(undo), restored);
    return restored == flagged ? 0 : 1;
}
