#pragma once
// In-memory TrainData from the generated classes of synthdata.h, fitted to canvases like the image cache does.
#include <cstring>

#include "core/train/split.h"
#include "core/train/traindata_torch.h"
#include "learn/synthdata.h"

namespace tessera::learn::test {

inline TrainData synthTrainData(int perClass, int canvas, uint32_t seed, int classes = 4, double valFraction = 0.25) {
    std::mt19937 rng(seed);
    TrainData d;
    const int64_t n = int64_t(perClass) * classes;
    d.pixels = torch::zeros({n, 3, canvas, canvas}, torch::kUInt8);
    std::vector<SplitItem> items;
    for (int64_t i = 0; i < n; ++i) {
        const int cls = int(i % classes);
        const int w = 36 + int(rng() % 20), h = 36 + int(rng() % 20);
        ContentBox box;
        cv::Mat c = Canvas::fit(synthImage(cls, w, h, rng), canvas, &box);
        std::vector<cv::Mat> planes;
        uint8_t* dst = d.pixels[i].data_ptr<uint8_t>();
        for (int ch = 0; ch < 3; ++ch) planes.emplace_back(canvas, canvas, CV_8UC1, dst + size_t(ch) * canvas * canvas);
        cv::split(c, planes);
        d.boxes.push_back(box);
        d.labels.push_back(cls);
        items.push_back({i, cls, {}});
    }
    for (int c = 0; c < classes; ++c) d.classNames.push_back(synthClassNames()[size_t(c)]);
    SplitOptions so;
    so.valFraction = valFraction;
    so.seed = seed;
    auto s = Split::stratified(items, so);
    d.trainIndex = s.train;
    d.valIndex = s.validation;
    return d;
}

}  // namespace tessera::learn::test
