#pragma once
// Accumulates an ONNX GraphProto (nodes, float initializers, typed inputs/outputs) and writes the ModelProto around
// it, through the hand-written ProtoWriter. Knows nothing about ResNets; OnnxExporter decides what goes in.
// Torch-free: initializers arrive as raw float arrays.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/nn/protowriter.h"
#include "core/util/expected.h"

namespace tessera::nn {

class OnnxExporterGraph {
public:
    struct Attr {
        enum class Kind { Int, Ints, Float };
        std::string name;
        Kind kind = Kind::Int;
        int64_t i = 0;
        std::vector<int64_t> ints;
        float f = 0.f;
        static Attr integer(std::string n, int64_t v) { return {std::move(n), Kind::Int, v, {}, 0.f}; }
        static Attr integers(std::string n, std::vector<int64_t> v) { return {std::move(n), Kind::Ints, 0, std::move(v), 0.f}; }
        static Attr real(std::string n, float v) { return {std::move(n), Kind::Float, 0, {}, v}; }
    };
    // A tensor dimension: a fixed size, or a named symbolic one ("N") when param is non-empty.
    struct Dim {
        int64_t value = 0;
        std::string param;
    };

    // Adds a node named `name` whose single output is also called `name`; returns that output name.
    std::string node(const std::string& opType, const std::string& name, const std::vector<std::string>& inputs,
                     const std::vector<Attr>& attrs = {});
    void floatInitializer(const std::string& name, const std::vector<int64_t>& dims, const float* data);
    void input(const std::string& name, const std::vector<Dim>& dims);   // float tensor
    void output(const std::string& name, const std::vector<Dim>& dims);  // float tensor
    void metadata(const std::string& key, const std::string& value);

    // Writes the model (IR version 7, default domain at `opset`) to `path` via a temporary file and a rename.
    Status writeModel(const std::string& path, const std::string& graphName, int opset,
                      const std::string& producerVersion) const;

private:
    static ProtoWriter valueInfo(const std::string& name, const std::vector<Dim>& dims);

    ProtoWriter nodes_, initializers_, inputs_, outputs_, metadata_;
};

}  // namespace tessera::nn
