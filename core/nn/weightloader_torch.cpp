#include "core/nn/weightloader_torch.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <unordered_map>

#include "core/nn/modelbundle.h"
#include "core/nn/modelbundle_torch.h"
#include "core/nn/safetensors_torch.h"
#include "core/nn/torchzipreader_torch.h"

namespace tessera::nn {

namespace {
bool endsWith(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}
std::vector<int64_t> shapeOf(const at::Tensor& t) { return t.sizes().vec(); }
}  // namespace

StateDict WeightLoader::stateDict(const torch::nn::Module& model) {
    // torch.nn.Module.state_dict() order: per module, its parameters then its buffers, depth first.
    StateDict out;
    for (const auto& item : model.named_modules("", /*include_self=*/true)) {
        const std::string prefix = item.key().empty() ? "" : item.key() + ".";
        for (const auto& p : item.value()->named_parameters(/*recurse=*/false)) out.add(prefix + p.key(), p.value());
        for (const auto& b : item.value()->named_buffers(/*recurse=*/false)) out.add(prefix + b.key(), b.value());
    }
    return out;
}

Expected<WeightLoadReport> WeightLoader::load(torch::nn::Module& model, const StateDict& weights,
                                              const std::string& sourceName, const WeightLoadOptions& options) {
    WeightLoadReport report;
    report.source = sourceName;
    const StateDict target = stateDict(model);
    std::unordered_map<std::string, const at::Tensor*> file;
    for (const auto& [name, t] : weights.entries) file[name] = &t;

    // Plan first, so that strict mode fails before the model changes.
    std::vector<std::pair<const at::Tensor*, const at::Tensor*>> copies;  // (model, file)
    std::vector<std::pair<const at::Tensor*, const at::Tensor*>> headCopies;
    std::string firstProblem;
    std::set<std::string> known;
    bool headMismatch = false;
    for (const auto& [name, dst] : target.entries) {
        known.insert(name);
        auto it = file.find(name);
        if (it == file.end()) {
            if (endsWith(name, ".num_batches_tracked")) {
                report.defaulted.push_back(name);  // files from before BN counted batches
                continue;
            }
            report.missing.push_back(name);
            if (firstProblem.empty()) firstProblem = "'" + name + "' is missing in the file";
            continue;
        }
        const at::Tensor& src = *it->second;
        const bool isHead = !options.headPrefix.empty() && name.rfind(options.headPrefix, 0) == 0;
        if (src.sizes() != dst.sizes()) {
            if (isHead && options.skipMismatchedHead) {
                headMismatch = true;
                report.notes.push_back("head " + name + " has shape " + shapeToString(shapeOf(src)) + " in the file, " +
                                       shapeToString(shapeOf(dst)) + " in the model");
                continue;
            }
            report.shapeMismatches.push_back({name, shapeOf(src), shapeOf(dst)});
            if (firstProblem.empty())
                firstProblem = "'" + name + "' has shape " + shapeToString(shapeOf(src)) + " in the file but " +
                               shapeToString(shapeOf(dst)) + " in the model";
            continue;
        }
        (isHead ? headCopies : copies).emplace_back(&dst, &src);
    }
    for (const auto& [name, t] : weights.entries)
        if (!known.count(name)) {
            report.unexpected.push_back(name);
            if (firstProblem.empty()) firstProblem = "'" + name + "' in the file is not part of the model";
        }
    if (headMismatch) {
        // A head of another class count is useless in part: keep the whole fresh head.
        report.headSkipped = true;
        for (const auto& [name, dst] : target.entries)
            if (name.rfind(options.headPrefix, 0) == 0) report.skippedHead.push_back(name);
        report.notes.push_back("classifier head (" + options.headPrefix + "*) skipped: its shape differs, so it "
                               "starts fresh for the new classes");
        headCopies.clear();
    }
    if (options.strict && !firstProblem.empty())
        return makeError("weights in " + sourceName + " do not fit the model: " + firstProblem + " (" +
                         std::to_string(report.missing.size()) + " missing, " +
                         std::to_string(report.unexpected.size()) + " unexpected, " +
                         std::to_string(report.shapeMismatches.size()) + " with another shape)");
    try {
        // NaN or infinite weights (a diverged training, a damaged or doctored file) would make every prediction
        // NaN or a confident nonsense: refuse the file before the model changes.
        for (const auto& [name, t] : weights.entries)
            if (at::isFloatingType(t.scalar_type()) && !at::isfinite(t).all().item<bool>())
                return makeError("weights in " + sourceName + " hold NaN or infinite values (first in '" + name +
                                 "'): the file is damaged, or the training that wrote it diverged");
        torch::NoGradGuard noGrad;
        for (auto* list : {&copies, &headCopies})
            for (const auto& [dst, src] : *list) {
                at::Tensor d = *dst;  // shares storage with the model's tensor
                d.copy_(*src);        // converts dtype (half files) and device
                ++report.loaded;
            }
    } catch (const c10::Error& e) {
        return makeError("cannot copy weights from " + sourceName + ": " + e.what_without_backtrace());
    }
    return report;
}

Expected<StateDict> WeightLoader::readFile(const std::string& path) {
    char magic[2] = {0, 0};
    {
        std::ifstream in(path, std::ios::binary);
        if (!in) return makeError("cannot open weights file " + path + " (" + std::strerror(errno) + ")");
        in.read(magic, 2);
    }
    if (magic[0] != 'P' || magic[1] != 'K') return Safetensors::readFile(path);
    // Bundles are zips too: one with a Tessera manifest is a bundle, any other zip a PyTorch checkpoint.
    if (ModelBundle::readManifest(path).ok()) {
        auto bundle = ModelBundleIO::load(path);
        if (!bundle) return bundle.takeError();
        return stateDict(*bundle->model);
    }
    return TorchZipReader::readFile(path);
}

Expected<WeightLoadReport> WeightLoader::loadFile(torch::nn::Module& model, const std::string& path,
                                                  const WeightLoadOptions& options) {
    Expected<StateDict> weights = readFile(path);
    if (!weights) return weights.takeError();
    return load(model, *weights, path, options);
}

}  // namespace tessera::nn
