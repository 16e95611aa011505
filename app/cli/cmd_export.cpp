// tessera-cli export: hand a model to colleagues as a torchvision .pth and/or an ONNX file. INPUT is a model bundle
// (.tessera-model: architecture, classes and preprocessing come from its manifest) or a weights file (.pth or
// .safetensors, e.g. a torchvision checkpoint; the architecture is inferred unless --arch is given).
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "app/cli/cliutil.h"
#include "app/cli/command.h"
#include "core/nn/onnxexporter.h"
#include "core/nn/pthwriter.h"

namespace tessera::cli {
namespace {

struct ExportArgs {
    std::string input;
    std::string pthOut;
    std::string onnxOut;
    std::string arch;
    std::string classesFile;
    int inputSize = 224;
    bool noSoftmax = false;
};

int runExport(const ExportArgs& a) {
    if (a.pthOut.empty() && a.onnxOut.empty()) return userError("export: give --pth OUT and/or --onnx OUT");
    nn::OnnxExportOptions onnx;
    onnx.inputSize = a.inputSize;
    onnx.addSoftmax = !a.noSoftmax;
    if (!a.classesFile.empty()) {
        std::ifstream in(a.classesFile);
        if (!in) return userError("cannot read class names file " + a.classesFile);
        for (std::string line; std::getline(in, line);)
            if (!line.empty()) onnx.classNames.push_back(line);
    }
    if (!a.pthOut.empty()) {
        auto st = nn::PthWriter::convertFile(a.input, a.pthOut, a.arch);
        if (!st) return userError(st.error());
        std::printf("wrote %s\n", a.pthOut.c_str());
    }
    if (!a.onnxOut.empty()) {
        auto st = nn::OnnxExporter::convertFile(a.input, a.onnxOut, a.arch, onnx);
        if (!st) return userError(st.error());
        std::printf("wrote %s\n", a.onnxOut.c_str());
    }
    return kOk;
}

const CommandRegistrar registrar(
    "export", "Export a model bundle or weights as a torchvision .pth and/or an ONNX model", [](CLI::App& sub) {
        auto args = std::make_shared<ExportArgs>();
        sub.add_option("input", args->input, "Model bundle (.tessera-model) or weights file (.pth, .safetensors)")
            ->required()
            ->check(CLI::ExistingFile);
        sub.add_option("--pth", args->pthOut, "Write a torchvision-loadable state dict here");
        sub.add_option("--onnx", args->onnxOut, "Write an ONNX model (opset 13) here");
        sub.add_option("--arch", args->arch, "resnet18|resnet34|resnet50|resnet101 for a weights file (default: inferred)");
        sub.add_option("--classes", args->classesFile, "Text file with one class name per line (ONNX metadata; a bundle has its own)");
        sub.add_option("--input-size", args->inputSize, "Declared ONNX input height and width (a bundle has its own)")
            ->check(CLI::Range(32, 4096));
        sub.add_flag("--no-softmax", args->noSoftmax, "ONNX: only the logits output, no probabilities");
        return [args]() -> int { return runExport(*args); };
    });

}  // namespace
}  // namespace tessera::cli
