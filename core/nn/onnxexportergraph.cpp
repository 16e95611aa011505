#include "core/nn/onnxexportergraph.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/util/atomicfile.h"

namespace tessera::nn {
namespace {

// Field numbers from onnx/onnx.proto.
namespace model { constexpr int kIrVersion = 1, kProducerName = 2, kProducerVersion = 3, kGraph = 7, kOpset = 8,
                                kMetadata = 14; }
namespace opset { constexpr int kDomain = 1, kVersion = 2; }
namespace graph { constexpr int kNode = 1, kName = 2, kInitializer = 5, kInput = 11, kOutput = 12; }
namespace node { constexpr int kInput = 1, kOutput = 2, kName = 3, kOpType = 4, kAttribute = 5; }
namespace attr { constexpr int kName = 1, kF = 2, kI = 3, kInts = 8, kType = 20;
                 constexpr int kTypeFloat = 1, kTypeInt = 2, kTypeInts = 7; }
namespace tensor { constexpr int kDims = 1, kDataType = 2, kName = 8, kRawData = 9; constexpr int kFloat = 1; }
namespace valueinfo { constexpr int kName = 1, kType = 2; }
namespace type { constexpr int kTensorType = 1; constexpr int kElemType = 1, kShape = 2; }
namespace shape { constexpr int kDim = 1; constexpr int kDimValue = 1, kDimParam = 2; }
namespace entry { constexpr int kKey = 1, kValue = 2; }

constexpr int64_t kIrVersion = 7;  // ONNX 1.7/1.8, the IR that goes with opset 13

}  // namespace

std::string OnnxExporterGraph::node(const std::string& opType, const std::string& name,
                                    const std::vector<std::string>& inputs, const std::vector<Attr>& attrs) {
    ProtoWriter n;
    for (const auto& in : inputs) n.string(node::kInput, in);
    n.string(node::kOutput, name);
    n.string(node::kName, name);
    n.string(node::kOpType, opType);
    for (const Attr& a : attrs) {
        ProtoWriter p;
        p.string(attr::kName, a.name);
        switch (a.kind) {
            case Attr::Kind::Int:
                p.int64(attr::kI, a.i);
                p.varint(attr::kType, attr::kTypeInt);
                break;
            case Attr::Kind::Ints:
                p.repeatedInt64(attr::kInts, a.ints);
                p.varint(attr::kType, attr::kTypeInts);
                break;
            case Attr::Kind::Float:
                p.float32(attr::kF, a.f);
                p.varint(attr::kType, attr::kTypeFloat);
                break;
        }
        n.message(node::kAttribute, p);
    }
    nodes_.message(graph::kNode, n);
    return name;
}

void OnnxExporterGraph::floatInitializer(const std::string& name, const std::vector<int64_t>& dims,
                                         const float* data) {
    int64_t count = 1;
    for (int64_t d : dims) count *= d;
    ProtoWriter t;
    t.reserve(size_t(count) * 4 + name.size() + 64);
    t.repeatedInt64(tensor::kDims, dims);
    t.varint(tensor::kDataType, tensor::kFloat);
    t.string(tensor::kName, name);
    t.bytes(tensor::kRawData, data, size_t(count) * sizeof(float));  // little-endian, as ONNX requires
    initializers_.message(graph::kInitializer, t);
}

ProtoWriter OnnxExporterGraph::valueInfo(const std::string& name, const std::vector<Dim>& dims) {
    ProtoWriter s;
    for (const Dim& d : dims) {
        ProtoWriter dim;
        if (d.param.empty())
            dim.int64(shape::kDimValue, d.value);
        else
            dim.string(shape::kDimParam, d.param);
        s.message(shape::kDim, dim);
    }
    ProtoWriter tensorType;
    tensorType.varint(type::kElemType, tensor::kFloat);
    tensorType.message(type::kShape, s);
    ProtoWriter typeProto;
    typeProto.message(type::kTensorType, tensorType);
    ProtoWriter vi;
    vi.string(valueinfo::kName, name);
    vi.message(valueinfo::kType, typeProto);
    return vi;
}

void OnnxExporterGraph::input(const std::string& name, const std::vector<Dim>& dims) {
    inputs_.message(graph::kInput, valueInfo(name, dims));
}

void OnnxExporterGraph::output(const std::string& name, const std::vector<Dim>& dims) {
    outputs_.message(graph::kOutput, valueInfo(name, dims));
}

void OnnxExporterGraph::metadata(const std::string& key, const std::string& value) {
    ProtoWriter e;
    e.string(entry::kKey, key);
    e.string(entry::kValue, value);
    metadata_.message(model::kMetadata, e);
}

Status OnnxExporterGraph::writeModel(const std::string& path, const std::string& graphName, int opsetVersion,
                                     const std::string& producerVersion) const {
    ProtoWriter head;
    head.int64(model::kIrVersion, kIrVersion);
    head.string(model::kProducerName, "tessera");
    head.string(model::kProducerVersion, producerVersion);
    ProtoWriter op;
    op.string(opset::kDomain, "");
    op.int64(opset::kVersion, opsetVersion);
    head.message(model::kOpset, op);

    ProtoWriter name;
    name.string(graph::kName, graphName);
    // The graph is the concatenation of its field groups (protobuf allows any field order); streamed so that the
    // large initializer block is not copied once more.
    const std::string* parts[] = {&nodes_.data(), &name.data(), &initializers_.data(), &inputs_.data(),
                                  &outputs_.data()};
    uint64_t graphSize = 0;
    for (const std::string* p : parts) graphSize += p->size();

    auto out = util::AtomicFile::create(path);
    if (!out) return out.takeError();
    const std::string graphHeader = ProtoWriter::lengthDelimitedHeader(model::kGraph, graphSize);
    Status written = out->write(head.data());
    if (written) written = out->write(graphHeader);
    for (const std::string* p : parts)
        if (written) written = out->write(*p);
    if (written) written = out->write(metadata_.data());
    if (!written) return written;
    return out->commit();
}

}  // namespace tessera::nn
