// How long one frame of Map mode takes while the user pans and zooms: N dots (default 10,000) in 8 classes laid out
// like a real map (clusters of unequal size, some photos of one find joined), shown by the real MapView in a 1360 x 860
// window, then 60 pan steps and 60 zoom steps over the dots, each a full replot of the plot widget on the GUI thread. Prints the
// median and the worst frame in ms (JSON). Target: no frame over 50 ms.
//   bench_map_pan [N]
// Runs on the offscreen platform (software rendering) unless QT_QPA_PLATFORM says otherwise.
#include <QApplication>
#include <QElapsedTimer>
#include <QStandardPaths>

#include <qcustomplot.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "ui/map/mapview.h"
#include "ui/shared/projectdocument.h"
#include "ui/shared/thumbnailprovider.h"

using namespace tessera;

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QStandardPaths::setTestModeEnabled(true);
    QApplication app(argc, argv);
    const int n = argc > 1 ? std::atoi(argv[1]) : 10000;

    learn::CollectionMap map;
    constexpr int kClasses = 8;
    for (int c = 0; c < kClasses; ++c) {
        map.classIds.push_back(c + 1);
        map.classNames.push_back("class " + std::to_string(c + 1));
    }
    std::mt19937 rng(3);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<double> share;
    for (int c = 0; c < kClasses; ++c) share.push_back(1.0 / (1.0 + c));  // a long tail, like a collection's classes
    std::discrete_distribution<int> pick(share.begin(), share.end());
    for (int i = 0; i < n; ++i) {
        learn::MapPoint p;
        p.imageId = i + 1;
        p.relPath = "photo" + std::to_string(i) + ".jpg";
        const int c = pick(rng);
        p.x = float(c % 4) * 8.0f + normal(rng) * (1.0f + 0.2f * c);
        p.y = float(c / 4) * 8.0f + normal(rng) * (1.0f + 0.2f * c);
        p.label = i % 5 == 0 ? -1 : c;
        p.predicted = c;
        p.confidence = 0.8f;
        p.suggested = i % 23 == 0 ? (c + 1) % kClasses : -1;
        if (i % 3 == 0) p.find = "find " + std::to_string(i / 6);  // pairs of photos of one find
        map.points.push_back(std::move(p));
    }

    ui::ProjectDocument document;
    ui::ThumbnailProvider thumbnails;
    ui::MapView view(&document, &thumbnails);
    view.resize(1360, 860);
    view.show();
    QElapsedTimer clock;
    clock.start();
    view.setMap(map);
    const double firstMs = double(clock.nsecsElapsed()) / 1e6;
    QCustomPlot* plot = view.plot();

    std::vector<double> frames;
    const auto frame = [&] {
        QElapsedTimer t;
        t.start();
        plot->replot(QCustomPlot::rpImmediateRefresh);
        frames.push_back(double(t.nsecsElapsed()) / 1e6);
    };
    // Pan: a twentieth of the view a step, ten steps one way and ten back, across then up: the view stays on the
    // dots. Zoom: ten steps in, ten out, three times.
    for (int i = 0; i < 60; ++i) {
        QCPAxis* axis = (i / 20) % 2 == 0 ? plot->xAxis : plot->yAxis;
        const double direction = (i / 10) % 2 == 0 ? 1.0 : -1.0;
        axis->moveRange(direction * axis->range().size() / 20.0);
        frame();
    }
    for (int i = 0; i < 60; ++i) {
        const double factor = (i / 10) % 2 == 0 ? 0.93 : 1.0 / 0.93;
        for (QCPAxis* axis : {plot->xAxis, plot->yAxis}) axis->scaleRange(factor, axis->range().center());
        frame();
    }
    std::vector<double> sorted = frames;
    std::sort(sorted.begin(), sorted.end());
    std::printf("{\"dots\": %d, \"first_draw_ms\": %.1f, \"frames\": %zu, \"median_frame_ms\": %.1f, "
                "\"p95_frame_ms\": %.1f, \"worst_frame_ms\": %.1f}\n",
                n, firstMs, sorted.size(), sorted[sorted.size() / 2], sorted[sorted.size() * 95 / 100],
                sorted.back());
    return 0;
}
