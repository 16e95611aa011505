// Where one CPU training step spends its time (docs/BENCHMARKS.md, "Training (CPU)"): batched augmentation, forward,
// backward and the AdamW update of a ResNet-18, timed separately on random canvases, for the memory formats given.
// OPTIMIZER: adamw (LibTorch's, what the trainer uses on the CPU) or fused (FusedAdamW, what it uses on a GPU).
//   bench_train_step [STEPS=8] [SIZE=128] [BATCH=32] [THREADS=0] [FORMATS=contiguous,channels_last] [OPTIMIZER=adamw]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include <torch/torch.h>

#include "core/train/augment_torch.h"
#include "core/train/fusedadamw_torch.h"
#include "core/nn/resnet_torch.h"

using namespace tessera;
using Clock = std::chrono::steady_clock;

static double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

int main(int argc, char** argv) {
    const int steps = argc > 1 ? std::atoi(argv[1]) : 8;
    const int size = argc > 2 ? std::atoi(argv[2]) : 128;
    const int batch = argc > 3 ? std::atoi(argv[3]) : 32;
    const int threads = argc > 4 && std::atoi(argv[4]) > 0 ? std::atoi(argv[4])
                                                           : int(std::max(1u, std::thread::hardware_concurrency()));
    const std::string formats = argc > 5 ? argv[5] : "contiguous,channels_last";
    const bool fused = argc > 6 && std::string(argv[6]) == "fused";
    at::init_num_threads();
    at::set_num_threads(threads);
    const int canvas = size * 5 / 4;
    torch::manual_seed(1);
    auto pixels = torch::randint(0, 256, {batch * 4, 3, canvas, canvas}, torch::kLong).to(torch::kUInt8);
    std::vector<learn::ContentBox> boxes(size_t(batch), learn::Canvas::fullBox());
    learn::BatchAugmenter aug(learn::AugmentConfig::forPreset(learn::AugmentPreset::Strong), size);
    std::vector<int64_t> labels(static_cast<size_t>(batch), 0);
    for (int i = 0; i < batch; ++i) labels[size_t(i)] = i % 4;
    auto y = torch::tensor(labels, torch::kLong);

    for (const std::string fmt : {"contiguous", "channels_last"}) {
        if (formats.find(fmt) == std::string::npos) continue;
        const bool cl = fmt == "channels_last";
        torch::manual_seed(2);
        nn::ResNet model(nn::Architecture::ResNet18, 4);
        if (cl)
            for (auto& p : model->parameters())
                if (p.dim() == 4) p.set_data(p.data().contiguous(at::MemoryFormat::ChannelsLast));
        model->train();
        const auto adamw = torch::optim::AdamWOptions(1e-3).weight_decay(0.05);
        std::unique_ptr<torch::optim::Optimizer> opt;
        if (fused)
            opt = std::make_unique<learn::FusedAdamW>(model->parameters(), adamw);
        else
            opt = std::make_unique<torch::optim::AdamW>(model->parameters(), adamw);
        double tAug = 0, tFwd = 0, tBwd = 0, tOpt = 0;
        for (int s = -1; s < steps; ++s) {  // step -1 warms up (allocator, oneDNN primitives)
            auto t = Clock::now();
            auto imgs = pixels.narrow(0, (s + 1) % 4 * batch, batch);
            auto x = aug.apply(imgs, boxes, uint64_t(s + 10));
            if (cl) x = x.contiguous(at::MemoryFormat::ChannelsLast);
            const double a = since(t);
            t = Clock::now();
            for (auto& p : model->parameters()) p.mutable_grad() = torch::Tensor();
            auto loss = torch::nn::functional::cross_entropy(
                model->forward(x), y, torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(0.1));
            const double f = since(t);
            t = Clock::now();
            loss.backward();
            const double b = since(t);
            t = Clock::now();
            opt->step();
            const double o = since(t);
            if (s >= 0) tAug += a, tFwd += f, tBwd += b, tOpt += o;
        }
        const double total = tAug + tFwd + tBwd + tOpt;
        std::printf("{\"format\": \"%s\", \"optimizer\": \"%s\", \"threads\": %d, \"size\": %d, \"batch\": %d, \"images_per_second\": %.2f, "
                    "\"ms_per_step\": {\"augment\": %.1f, \"forward\": %.1f, \"backward\": %.1f, \"optimizer\": %.1f}}\n",
                    fmt.c_str(), fused ? "fused" : "adamw", threads, size, batch, double(steps) * batch / total, 1e3 * tAug / steps,
                    1e3 * tFwd / steps, 1e3 * tBwd / steps, 1e3 * tOpt / steps);
    }
    return 0;
}
