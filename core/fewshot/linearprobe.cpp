#include "core/fewshot/linearprobe_torch.h"

#include "core/train/lrschedule.h"

namespace tessera::learn {

LinearHead LinearProbe::train(const torch::Tensor& embeddings, const torch::Tensor& labels, int64_t classes,
                              const LinearProbeOptions& options) {
    torch::manual_seed(options.seed);
    const auto dim = embeddings.size(1);
    auto X = embeddings.detach().to(torch::kFloat);
    auto y = labels.to(X.device()).to(torch::kLong);
    torch::nn::Linear head(torch::nn::LinearOptions(dim, classes));
    head->to(X.device());
    // Decay the weight only; the bias is free (as in the full trainer).
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(std::vector<torch::Tensor>{head->weight},
                        std::make_unique<torch::optim::AdamWOptions>(
                            torch::optim::AdamWOptions(options.lr).weight_decay(options.weightDecay)));
    groups.emplace_back(std::vector<torch::Tensor>{head->bias},
                        std::make_unique<torch::optim::AdamWOptions>(
                            torch::optim::AdamWOptions(options.lr).weight_decay(0.0)));
    torch::optim::AdamW opt(std::move(groups), torch::optim::AdamWOptions(options.lr));
    LrSchedule schedule(ScheduleKind::WarmupCosine, options.iterations, options.iterations / 20);
    auto ce = torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(options.labelSmoothing);
    double last = 0.0;
    for (int it = 0; it < options.iterations; ++it) {
        for (auto& g : opt.param_groups()) g.options().set_lr(options.lr * schedule.factor(it));
        opt.zero_grad();
        auto loss = torch::nn::functional::cross_entropy(head(X), y, ce);
        loss.backward();
        opt.step();
        if (it + 1 == options.iterations) last = loss.item<double>();
    }
    return LinearHead{head->weight.detach().clone(), head->bias.detach().clone(), last};
}

}  // namespace tessera::learn
