#pragma once
// The one place that turns a user's device choice ("auto", "cpu", "cuda") into a torch::Device, so the trainer,
// evaluator, predictor and embedding cache agree, and "cuda" on a machine without it says exactly why.
#include <string>

#include <torch/torch.h>

#include "core/device/deviceinfo.h"
#include "core/util/expected.h"

namespace tessera::learn {

inline Expected<torch::Device> chooseDevice(const std::string& choice) {
    if (choice != "auto" && choice != "cpu" && choice != "cuda")
        return makeError("unknown device '" + choice + "' (use auto, cpu or cuda)");
    const bool available = torch::cuda::is_available();
    if (choice == "cuda" && !available)
        return makeError("--device cuda: CUDA is unavailable: " + deviceInfo().cudaUnavailableReason);
    return (choice == "cuda" || (choice == "auto" && available)) ? torch::Device(torch::kCUDA)
                                                                 : torch::Device(torch::kCPU);
}

}  // namespace tessera::learn
