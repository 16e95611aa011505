#pragma once
// A training run's checkpoint (last.pt; best.pt is a second name of the best epoch's last.pt): model, optimiser and
// the loop's progress, written atomically, so a killed run resumes exactly where an uninterrupted one would be.
#include <filesystem>
#include <vector>

#include <torch/torch.h>

#include "core/train/trainer.h"
#include "core/nn/resnet_torch.h"
#include "core/util/expected.h"

namespace tessera::learn {

// Where the loop stands after an epoch: what it needs to go on.
struct LoopProgress {
    int nextEpoch = 0;
    double bestLoss = 0.0;
    int bestEpoch = -1;
    int sinceBest = 0;
    int batch = 0;                    // after any out-of-memory halving
    std::vector<double> scalerState;  // LossScaler::state()
    std::vector<EpochInfo> history;
};

// Writes model, optimiser and progress to `file` atomically (a failed write leaves the previous file); `options` are
// recorded for the reader's information.
Status writeCheckpoint(const std::filesystem::path& file, nn::ResNet& model, torch::optim::Optimizer& optimizer,
                       const LoopProgress& progress, const TrainOptions& options);

// Loads model and optimiser state from `file` and returns the progress; a damaged or incomplete file is an error
// that names it and the remedy.
Expected<LoopProgress> readCheckpoint(const std::filesystem::path& file, nn::ResNet& model,
                                      torch::optim::Optimizer& optimizer);

// Makes `to` a second name of `from` (replacing it atomically); a copy where the file system has no hard links.
Status linkOrCopy(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace tessera::learn
