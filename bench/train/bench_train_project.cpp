// The Tessera side of the CPU training benchmark through the Trainer API (exactly what `tessera-cli train` calls):
// imports FOLDER (one sub-folder per class) as a project if it is not one yet, trains, prints one JSON line.
//   bench_train_project FOLDER RUN_NAME [EPOCHS=2] [SIZE=128] [BATCH=32] [AUG=strong]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "core/train/trainer.h"
#include "core/project/projectstore.h"
#include "core/util/sha256.h"

namespace fs = std::filesystem;
using namespace tessera;

static int importFolder(const fs::path& root) {
    auto store = project::ProjectStore::open(root, true);
    if (!store) { std::fprintf(stderr, "%s\n", store.error().c_str()); return 1; }
    if (*store->imageCount() > 0) return 0;
    std::vector<fs::path> dirs;
    for (const auto& d : fs::directory_iterator(root))
        if (d.is_directory() && d.path().filename().string()[0] != '.') dirs.push_back(d.path());
    std::sort(dirs.begin(), dirs.end());
    for (const auto& d : dirs) {
        auto cls = store->ensureClass(d.filename().string());
        std::vector<fs::path> files;
        for (const auto& f : fs::directory_iterator(d)) files.push_back(f.path());
        std::sort(files.begin(), files.end());
        for (const auto& f : files) {
            project::ImageRecord rec;
            rec.relPath = fs::relative(f, root).generic_string();
            rec.contentHash = *util::sha256File(f);
            rec.format = "jpeg";
            auto id = store->upsertImage(rec);
            if (!id || !store->setLabel(*id, *cls)) return 1;
        }
    }
    return 0;
}

int main(int argc, char** argv) {
    if (argc < 3) { std::fprintf(stderr, "usage: bench_train_project FOLDER RUN_NAME [EPOCHS] [SIZE] [BATCH] [AUG]\n"); return 1; }
    const fs::path root = argv[1];
    if (importFolder(root) != 0) return 1;
    learn::TrainOptions o;  // the options of `tessera-cli train --arch resnet18 --weights none --mode full ...`
    o.runName = argv[2];
    o.epochs = argc > 3 ? std::atoi(argv[3]) : 2;
    o.imageSize = argc > 4 ? std::atoi(argv[4]) : 128;
    o.batchSize = argc > 5 ? std::atoi(argv[5]) : 32;
    auto augmentation = learn::parseAugmentPreset(argc > 6 ? argv[6] : "strong");
    if (!augmentation) { std::fprintf(stderr, "%s\n", augmentation.error().c_str()); return 1; }
    o.augmentation = *augmentation;
    o.lr = 0.002;
    o.seed = 1;
    o.device = "cpu";
    auto r = learn::Trainer(o).train(root, nullptr, JobContext{});
    if (!r) { std::fprintf(stderr, "%s\n", r.error().c_str()); return 2; }
    std::vector<double> ips;
    for (const auto& e : r->history) ips.push_back(e.imagesPerSecond);
    std::printf("{\"tool\": \"tessera\", \"train_images_per_second\": %.3f, \"epoch_images_per_second\": [",
                r->trainImagesPerSecond);
    for (size_t i = 0; i < ips.size(); ++i) std::printf("%s%.3f", i ? ", " : "", ips[i]);
    std::printf("], \"val_accuracy\": %.4f, \"seconds\": %.2f, \"train_images\": %lld, \"val_images\": %lld, "
                "\"card\": \"%s\"}\n",
                r->history.back().valAcc, r->seconds, (long long)r->trainImages, (long long)r->valImages,
                r->cardPath.c_str());
    return 0;
}
