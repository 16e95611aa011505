#include "core/nn/onnxexporter.h"

#include <nlohmann/json.hpp>

#include "core/nn/modelbundle.h"
#include "core/nn/onnxexportergraph.h"
#include "core/nn/statedict_torch.h"
#include "core/nn/weightloader_torch.h"

namespace tessera::nn {
namespace {

using Attr = OnnxExporterGraph::Attr;
using Dim = OnnxExporterGraph::Dim;

struct Layout {
    std::array<int, 4> blocks;
    bool bottleneck;
};

Layout layoutOf(Architecture arch) {
    switch (arch) {
        case Architecture::ResNet18: return {{2, 2, 2, 2}, false};
        case Architecture::ResNet34: return {{3, 4, 6, 3}, false};
        case Architecture::ResNet50: return {{3, 4, 6, 3}, true};
        case Architecture::ResNet101: return {{3, 4, 23, 3}, true};
    }
    return {{0, 0, 0, 0}, false};
}

// Walks the ResNet, emitting nodes; the first missing or misshapen tensor stops it with a message.
class Builder {
public:
    Builder(const StateDict& sd, const OnnxExportOptions& opt) : sd_(sd), opt_(opt) {}

    OnnxExporterGraph graph;
    std::string error;

    const at::Tensor* need(const std::string& key, int64_t dims) {
        const at::Tensor* t = sd_.find(key);
        if (!t) {
            if (error.empty()) error = "the weights lack " + key;
        } else if (t->dim() != dims) {
            if (error.empty())
                error = key + " has " + std::to_string(t->dim()) + " dimensions, expected " + std::to_string(dims);
            return nullptr;
        }
        return t;
    }

    // conv (no bias, torchvision) followed by BatchNorm, folded into one Conv with bias:
    // w' = w * g / sqrt(v + eps), b' = beta - mean * g / sqrt(v + eps). Computed in double, stored as float.
    std::string convBn(const std::string& x, const std::string& conv, const std::string& bn, int64_t stride,
                       bool relu) {
        const at::Tensor* w = need(conv + ".weight", 4);
        const at::Tensor* g = need(bn + ".weight", 1);
        const at::Tensor* b = need(bn + ".bias", 1);
        const at::Tensor* m = need(bn + ".running_mean", 1);
        const at::Tensor* v = need(bn + ".running_var", 1);
        if (!w || !g || !b || !m || !v) return {};
        const int64_t cout = w->size(0), k = w->size(2);
        for (const at::Tensor* t : {g, b, m, v})
            if (t->size(0) != cout) {
                if (error.empty()) error = bn + " has " + std::to_string(t->size(0)) + " channels, " + conv +
                                           " has " + std::to_string(cout);
                return {};
            }
        const at::Tensor scale = g->to(at::kDouble) / (v->to(at::kDouble) + opt_.bnEpsilon).sqrt();
        at::Tensor wf = (w->to(at::kDouble) * scale.view({cout, 1, 1, 1})).to(at::kFloat).contiguous();
        at::Tensor bf = (b->to(at::kDouble) - m->to(at::kDouble) * scale).to(at::kFloat).contiguous();
        if (const at::Tensor* cb = sd_.find(conv + ".bias"))
            bf = (bf.to(at::kDouble) + cb->to(at::kDouble) * scale).to(at::kFloat).contiguous();
        graph.floatInitializer(conv + ".weight", w->sizes().vec(), wf.data_ptr<float>());
        graph.floatInitializer(conv + ".bias", {cout}, bf.data_ptr<float>());
        const int64_t pad = k / 2;
        std::string y = graph.node("Conv", conv, {x, conv + ".weight", conv + ".bias"},
                                   {Attr::integers("kernel_shape", {k, w->size(3)}),
                                    Attr::integers("strides", {stride, stride}),
                                    Attr::integers("pads", {pad, pad, pad, pad})});
        return relu ? graph.node("Relu", conv + ".relu", {y}) : y;
    }

    std::string block(const std::string& x, const std::string& p, int64_t stride, bool bottleneck) {
        std::string y;
        if (bottleneck) {  // torchvision v1.5: the stride sits on the 3x3 conv
            y = convBn(x, p + ".conv1", p + ".bn1", 1, true);
            y = convBn(y, p + ".conv2", p + ".bn2", stride, true);
            y = convBn(y, p + ".conv3", p + ".bn3", 1, false);
        } else {
            y = convBn(x, p + ".conv1", p + ".bn1", stride, true);
            y = convBn(y, p + ".conv2", p + ".bn2", 1, false);
        }
        std::string identity = x;
        if (sd_.find(p + ".downsample.0.weight"))
            identity = convBn(x, p + ".downsample.0", p + ".downsample.1", stride, false);
        if (!error.empty()) return {};
        const std::string sum = graph.node("Add", p + ".add", {y, identity});
        return graph.node("Relu", p + ".relu", {sum});
    }

private:
    const StateDict& sd_;
    const OnnxExportOptions& opt_;
};

std::string floatsJson(const std::array<float, 3>& v) { return nlohmann::json(v).dump(); }

}  // namespace


Expected<Architecture> OnnxExporter::inferArchitecture(const StateDict& sd) {
    int layer3 = 0;
    while (sd.find("layer3." + std::to_string(layer3) + ".conv1.weight")) ++layer3;
    const bool bottleneck = sd.find("layer1.0.conv3.weight") != nullptr;
    for (Architecture a : allArchitectures()) {
        const Layout l = layoutOf(a);
        if (l.blocks[2] == layer3 && l.bottleneck == bottleneck) return a;
    }
    return makeError("the weights are not a torchvision ResNet-18/34/50/101 (layer3 has " + std::to_string(layer3) +
                     " blocks" + (bottleneck ? ", bottleneck" : ", basic") + " blocks)");
}

Status OnnxExporter::convertFile(const std::string& weightsPath, const std::string& outPath,
                                 const std::string& arch, const OnnxExportOptions& options) {
    auto sd = WeightLoader::readFile(weightsPath);
    if (!sd) return sd.takeError();
    if (auto manifest = ModelBundle::readManifest(weightsPath)) {
        OnnxExportOptions fromBundle = options;
        fromBundle.classNames = manifest->classNames;
        fromBundle.mean = manifest->preprocessing.mean;
        fromBundle.std = manifest->preprocessing.std;
        fromBundle.inputSize = manifest->preprocessing.inputSize;
        fromBundle.framing = manifest->preprocessing.framing;
        fromBundle.temperature = manifest->calibration.temperature;
        auto a = parseArchitecture(manifest->arch);
        if (!a) return makeError(weightsPath + ": " + a.error());
        return writeFile(*a, *sd, outPath, fromBundle);
    }
    Expected<Architecture> a = arch.empty() ? inferArchitecture(*sd) : parseArchitecture(arch);
    if (!a) return makeError(weightsPath + ": " + a.error());
    return writeFile(*a, *sd, outPath, options);
}

Status OnnxExporter::writeFile(Architecture arch, const StateDict& stateDict, const std::string& path,
                               const OnnxExportOptions& options) {
    const std::string archName = architectureName(arch);
    auto fail = [&](const std::string& what) {
        return makeError("cannot export " + archName + " to " + path + ": " + what);
    };
    try {
        const at::Tensor* fcW = stateDict.find("fc.weight");
        const at::Tensor* fcB = stateDict.find("fc.bias");
        if (!fcW || !fcB || fcW->dim() != 2 || fcB->dim() != 1)
            return fail("the weights lack a 2-D fc.weight and 1-D fc.bias");
        if (fcW->size(1) != embeddingDim(arch))
            return fail("fc.weight has " + std::to_string(fcW->size(1)) + " inputs, " + archName + " gives " +
                        std::to_string(embeddingDim(arch)));
        const int64_t classes = fcW->size(0);
        if (!options.classNames.empty() && int64_t(options.classNames.size()) != classes)
            return fail(std::to_string(options.classNames.size()) + " class names for " + std::to_string(classes) +
                        " outputs");

        Builder b(stateDict, options);
        std::string x = b.convBn("input", "conv1", "bn1", 2, true);
        x = b.graph.node("MaxPool", "maxpool", {x},
                         {Attr::integers("kernel_shape", {3, 3}), Attr::integers("strides", {2, 2}),
                          Attr::integers("pads", {1, 1, 1, 1})});
        const Layout layout = layoutOf(arch);
        for (int layer = 0; layer < 4 && b.error.empty(); ++layer)
            for (int i = 0; i < layout.blocks[size_t(layer)] && b.error.empty(); ++i) {
                const int64_t stride = (layer > 0 && i == 0) ? 2 : 1;
                x = b.block(x, "layer" + std::to_string(layer + 1) + "." + std::to_string(i), stride,
                            layout.bottleneck);
            }
        if (!b.error.empty()) return fail(b.error);
        // The next block index must not exist: weights of a deeper net would otherwise be silently ignored.
        for (int layer = 0; layer < 4; ++layer) {
            const std::string extra =
                "layer" + std::to_string(layer + 1) + "." + std::to_string(layout.blocks[size_t(layer)]) + ".conv1.weight";
            if (stateDict.find(extra)) return fail("the weights have " + extra + ", more blocks than " + archName);
        }
        x = b.graph.node("GlobalAveragePool", "avgpool", {x});
        x = b.graph.node("Flatten", "flatten", {x}, {Attr::integer("axis", 1)});
        const at::Tensor w = fcW->to(at::kFloat).contiguous(), bias = fcB->to(at::kFloat).contiguous();
        b.graph.floatInitializer("fc.weight", w.sizes().vec(), w.data_ptr<float>());
        b.graph.floatInitializer("fc.bias", bias.sizes().vec(), bias.data_ptr<float>());
        b.graph.node("Gemm", "logits", {x, "fc.weight", "fc.bias"},
                     {Attr::real("alpha", 1.f), Attr::real("beta", 1.f), Attr::integer("transB", 1)});
        if (options.addSoftmax) {
            std::string scores = "logits";
            if (options.temperature != 1.0) {
                const float t = float(options.temperature);
                b.graph.floatInitializer("temperature", {1}, &t);
                scores = b.graph.node("Div", "calibrated_logits", {"logits", "temperature"});
            }
            b.graph.node("Softmax", "probabilities", {scores}, {Attr::integer("axis", 1)});
        }

        const int64_t side = options.inputSize;
        b.graph.input("input", {Dim{0, "N"}, Dim{3, ""}, Dim{side, ""}, Dim{side, ""}});
        b.graph.output("logits", {Dim{0, "N"}, Dim{classes, ""}});
        if (options.addSoftmax) b.graph.output("probabilities", {Dim{0, "N"}, Dim{classes, ""}});
        b.graph.metadata("tessera.arch", archName);
        b.graph.metadata("tessera.input_size", std::to_string(side));
        b.graph.metadata("tessera.mean", floatsJson(options.mean));
        b.graph.metadata("tessera.std", floatsJson(options.std));
        b.graph.metadata("tessera.input_layout", "NCHW RGB, values scaled to [0,1] then (x - mean) / std");
        if (options.framing == "find")
            b.graph.metadata("tessera.framing", "find: the model was trained on photos cropped to the find on its "
                                                "plain backdrop (with a margin of 8 % of its long side); crop the same "
                                                "way before resizing");
        else if (!options.framing.empty())
            b.graph.metadata("tessera.framing", options.framing + ": the whole photo");
        if (options.addSoftmax && options.temperature != 1.0)
            b.graph.metadata("tessera.temperature", std::to_string(options.temperature) +
                                                        ": probabilities = softmax(logits / temperature), calibrated "
                                                        "on photos held out from training");
        if (!options.classNames.empty())
            b.graph.metadata("tessera.class_names", nlohmann::json(options.classNames).dump());
        auto st = b.graph.writeModel(path, archName, 13, TESSERA_VERSION);
        if (!st) return st;
    } catch (const c10::Error& e) {
        return fail(e.what_without_backtrace());
    }
    return {};
}

}  // namespace tessera::nn
