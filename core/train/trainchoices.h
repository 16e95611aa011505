#pragma once
// The training options that are one of a few named choices (TrainOptions), each with the one table that spells its
// names. The augmentation preset, the framing and the schedule keep theirs beside their code (augmentpreset.h,
// canvas.h, lrschedule.h).
#include <array>

#include "core/util/namedchoice.h"

namespace tessera::learn {

// What a training changes: a new head on frozen pretrained features (linear probe), the last stage and the head
// (partial), or every layer (full).
enum class TrainMode { LinearProbe, Partial, Full };
inline constexpr std::array kTrainModeNames{Named<TrainMode>{TrainMode::LinearProbe, "linear-probe"},
                                            Named<TrainMode>{TrainMode::Partial, "partial"},
                                            Named<TrainMode>{TrainMode::Full, "full"}};
inline Expected<TrainMode> parseTrainMode(std::string_view name) {
    return parseNamed(kTrainModeNames, name, "training mode");
}

// AdamW, or SGD with Nesterov momentum 0.9.
enum class OptimizerKind { AdamW, Sgd };
inline constexpr std::array kOptimizerNames{Named<OptimizerKind>{OptimizerKind::AdamW, "adamw"},
                                            Named<OptimizerKind>{OptimizerKind::Sgd, "sgd"}};
inline Expected<OptimizerKind> parseOptimizer(std::string_view name) {
    return parseNamed(kOptimizerNames, name, "optimizer");
}

// The compute type asked for: what autocast runs the forward and backward passes in (weights and optimiser state
// stay fp32). Auto: bf16 on a GPU that has it, else fp16 with loss scaling; fp32 on the CPU.
enum class ComputePrecision { Auto, Fp32, Bf16, Fp16 };
inline constexpr std::array kComputePrecisionNames{
    Named<ComputePrecision>{ComputePrecision::Auto, "auto"}, Named<ComputePrecision>{ComputePrecision::Fp32, "fp32"},
    Named<ComputePrecision>{ComputePrecision::Bf16, "bf16"}, Named<ComputePrecision>{ComputePrecision::Fp16, "fp16"}};
inline Expected<ComputePrecision> parseComputePrecision(std::string_view name) {
    return parseNamed(kComputePrecisionNames, name, "precision");
}

}  // namespace tessera::learn
