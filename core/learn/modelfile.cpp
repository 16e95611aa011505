#include "core/learn/modelfile_torch.h"

#include <nlohmann/json.hpp>

#include "core/nn/architecture.h"
#include "core/nn/torchzipreader_torch.h"

namespace tessera::learn {
namespace fs = std::filesystem;

Status ModelFile::save(nn::ResNet& model, const ModelMeta& meta, const fs::path& file) {
    try {
        torch::serialize::OutputArchive archive, m;
        model->save(m);
        archive.write("model", m);
        nlohmann::json j{{"format", "tessera-model"}, {"version", 1}, {"arch", meta.arch},
                         {"classes", meta.classNames}, {"imageSize", meta.imageSize}, {"canvas", meta.canvas},
                         {"mean", {0.485, 0.456, 0.406}}, {"std", {0.229, 0.224, 0.225}}, {"run", meta.runId}};
        archive.write("meta", c10::IValue(j.dump()));
        const fs::path tmp = file.string() + ".tmp";
        archive.save_to(tmp.string());
        std::error_code ec;
        fs::rename(tmp, file, ec);
        if (ec) return makeError("cannot write " + file.string() + ": " + ec.message());
        return {};
    } catch (const c10::Error& e) {
        return makeError("cannot write " + file.string() + ": " + e.what_without_backtrace());
    }
}

Expected<LoadedModel> ModelFile::load(const fs::path& file) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) return makeError(file.string() + ": no such model file");
    try {
        torch::serialize::InputArchive archive, m;
        archive.load_from(file.string());
        c10::IValue metaValue;
        archive.read("meta", metaValue);
        auto j = nlohmann::json::parse(metaValue.toStringRef());
        if (j.value("format", "") != "tessera-model") return makeError(file.string() + ": not a Tessera model file");
        LoadedModel out;
        out.meta.arch = j.value("arch", "resnet18");
        out.meta.classNames = j.value("classes", std::vector<std::string>{});
        out.meta.imageSize = j.value("imageSize", 128);
        out.meta.canvas = j.value("canvas", 160);
        out.meta.runId = j.value("run", "");
        auto arch = nn::parseArchitecture(out.meta.arch);
        if (!arch) return makeError(file.string() + ": " + arch.error());
        if (out.meta.classNames.empty()) return makeError(file.string() + ": the model lists no classes");
        out.model = nn::ResNet(*arch, int64_t(out.meta.classNames.size()));
        archive.read("model", m);
        out.model->load(m);
        out.model->eval();
        return out;
    } catch (const c10::Error& e) {
        return makeError(file.string() + ": cannot read the model: " + e.what_without_backtrace());
    } catch (const std::exception& e) {
        return makeError(file.string() + ": cannot read the model: " + e.what());
    }
}

Expected<std::string> ModelFile::loadBackbone(nn::ResNet& model, const fs::path& weights) {
    auto sd = nn::TorchZipReader::readFile(weights.string());
    if (!sd) return sd.takeError();
    torch::NoGradGuard noGrad;
    int loaded = 0, head = 0;
    std::vector<std::string> missing;
    auto copyInto = [&](const std::string& name, torch::Tensor& target) {
        if (name.rfind("fc.", 0) == 0) { ++head; return; }
        const at::Tensor* src = sd->find(name);
        if (!src || src->sizes() != target.sizes()) { missing.push_back(name); return; }
        target.copy_(*src);
        ++loaded;
    };
    for (auto& p : model->named_parameters()) copyInto(p.key(), p.value());
    for (auto& b : model->named_buffers()) copyInto(b.key(), b.value());
    if (!missing.empty())
        return makeError(weights.string() + ": does not fit " + nn::architectureName(model->architecture()) + ": " +
                         std::to_string(missing.size()) + " tensor(s) missing or of another shape, first '" +
                         missing.front() + "'");
    return "loaded " + std::to_string(loaded) + " pretrained tensors from " + weights.string() +
           " (the " + std::to_string(head) + " head tensors start fresh)";
}

}  // namespace tessera::learn
