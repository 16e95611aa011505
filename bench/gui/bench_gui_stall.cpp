// How long the GUI thread stalls while Train mode trains: a generated demo project, the real MainWindow, a run
// started from Train mode, and a 5 ms heartbeat timer on the GUI thread whose lateness is recorded. The window is
// repainted 30 times a second meanwhile, so painting the live charts counts. Target: no stall over 50 ms.
//   bench_gui_stall [--per-class N] [--epochs N] [--image-size N] [--batch N] [--device auto|cpu|cuda]
// Runs on the offscreen platform unless QT_QPA_PLATFORM says otherwise.
#include <QApplication>
#include <QElapsedTimer>
#include <QStandardPaths>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "core/demo/demogenerator.h"
#include "core/device/deviceinfo.h"
#include "ui/shared/mainwindow.h"
#include "ui/shared/projectdocument.h"
#include "ui/train/trainview.h"

namespace fs = std::filesystem;
using namespace tessera;

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    int perClass = 24, epochs = 3, imageSize = 96, batch = 16;
    std::string device = "auto";
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--per-class") perClass = std::atoi(argv[i + 1]);
        else if (a == "--epochs") epochs = std::atoi(argv[i + 1]);
        else if (a == "--image-size") imageSize = std::atoi(argv[i + 1]);
        else if (a == "--batch") batch = std::atoi(argv[i + 1]);
        else if (a == "--device") device = argv[i + 1];
        else {
            std::fprintf(stderr, "unknown argument %s\n", a.c_str());
            return 1;
        }
    }
    QStandardPaths::setTestModeEnabled(true);  // keep the user's settings and recent projects untouched
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("tessera-bench"));

    const fs::path root = fs::temp_directory_path() / ("tessera-bench-gui-" + std::to_string(std::random_device{}()));
    demo::DemoOptions demoOptions;
    demoOptions.perClass = perClass;
    auto generated = demo::DemoGenerator::generate(root, demoOptions);
    if (!generated.ok()) {
        std::fprintf(stderr, "%s\n", generated.error().c_str());
        return 2;
    }
    std::printf("project: %zu photos in %s\ndevice: %s\n", generated->files.size(), root.string().c_str(),
                learn::deviceInfo().summary().c_str());

    int rc = 0;
    {
        ui::MainWindow window;
        window.resize(1360, 860);
        window.show();
        QString error;
        if (!window.openProject(QString::fromStdString(root.string()), &error)) {
            std::fprintf(stderr, "%s\n", qPrintable(error));
            return 2;
        }
        QEventLoop scanLoop;
        QObject::connect(window.document(), &ui::ProjectDocument::scanFinished, &scanLoop, &QEventLoop::quit);
        if (window.document()->isScanning()) scanLoop.exec();
        window.setMode(ui::MainWindow::Mode::Train);

        learn::TrainOptions o = learn::TrainOptions::defaults();
        o.arch = "resnet18";
        o.mode = learn::TrainMode::Full;
        o.epochs = epochs;
        o.imageSize = imageSize;
        o.batchSize = batch;
        o.device = device;
        o.augmentation = learn::AugmentPreset::Strong;

        // Heartbeat: a precise 5 ms timer; the gap between two ticks minus 5 ms is how long the GUI thread was busy.
        std::vector<double> lateMs;
        std::vector<std::pair<double, double>> stalls;  // (seconds since start, ms late) over 20 ms
        QElapsedTimer clock;
        QTimer beat;
        beat.setTimerType(Qt::PreciseTimer);
        beat.setInterval(5);
        qint64 lastNs = 0;
        QObject::connect(&beat, &QTimer::timeout, [&] {
            const qint64 now = clock.nsecsElapsed();
            if (lastNs) {
                const double late = std::max(0.0, (now - lastNs) / 1e6 - 5.0);
                lateMs.push_back(late);
                if (late > 20.0) stalls.emplace_back(now / 1e9, late);
            }
            lastNs = now;
        });
        QTimer repaint;
        repaint.setInterval(33);
        QObject::connect(&repaint, &QTimer::timeout, [&] { window.update(); window.trainView()->update(); });

        QEventLoop trainLoop;
        bool ok = false;
        QString message;
        QObject::connect(window.trainView(), &ui::TrainView::trainingFinished, &trainLoop,
                         [&](bool success, const QString& text) {
                             ok = success;
                             message = text;
                             trainLoop.quit();
                         });
        // Baseline: the same heartbeat for two seconds with nothing running, to tell the machine's own scheduling
        // noise (other processes on few cores) from stalls that Tessera causes.
        clock.start();
        beat.start();
        repaint.start();
        {
            QEventLoop idle;
            QTimer::singleShot(2000, &idle, &QEventLoop::quit);
            idle.exec();
        }
        std::vector<double> baseline = lateMs;
        lateMs.clear();
        stalls.clear();
        std::sort(baseline.begin(), baseline.end());
        std::printf("baseline (idle window, 2 s, %zu ticks): p99 %.2f ms, max %.2f ms\n", baseline.size(),
                    baseline.empty() ? 0.0 : baseline[std::min(baseline.size() - 1, size_t(0.99 * baseline.size()))],
                    baseline.empty() ? 0.0 : baseline.back());
        const double trainStart = clock.nsecsElapsed() / 1e9;
        QElapsedTimer wall;
        wall.start();
        if (!window.trainView()->startTraining(o)) {
            std::fprintf(stderr, "cannot start: %s\n", qPrintable(window.trainView()->statusText()));
            return 2;
        }
        trainLoop.exec();
        beat.stop();
        repaint.stop();
        const double seconds = wall.elapsed() / 1000.0;
        if (!ok) {
            std::fprintf(stderr, "training failed: %s\n", qPrintable(message));
            rc = 2;
        }
        std::sort(lateMs.begin(), lateMs.end());
        const auto pct = [&](double p) {
            return lateMs.empty() ? 0.0 : lateMs[std::min(lateMs.size() - 1, size_t(p * double(lateMs.size())))];
        };
        const auto over = std::count_if(lateMs.begin(), lateMs.end(), [](double v) { return v > 50.0; });
        std::printf("training: %d epochs, %d px, batch %d, %.1f s, %s\n", epochs, imageSize, batch, seconds,
                    qPrintable(message));
        std::printf("GUI heartbeat (5 ms timer), %zu ticks: lateness p50 %.2f ms, p99 %.2f ms, max %.2f ms, "
                    "%ld stalls over 50 ms\n",
                    lateMs.size(), pct(0.50), pct(0.99), lateMs.empty() ? 0.0 : lateMs.back(), long(over));
        for (const auto& [t, late] : stalls)
            std::printf("  stall of %.1f ms at %.2f s after the start\n", late, t - trainStart);
        std::printf("target (no stall over 50 ms): %s\n", over == 0 ? "met" : "NOT met");
        window.close();
    }
    std::error_code ec;
    fs::remove_all(root, ec);
    return rc;
}
