#include "core/nn/pthpicklewriter.h"

namespace tessera::nn {
namespace {

// Pickle opcodes (Lib/pickle.py).
constexpr char kProto = '\x80', kStop = '.', kGlobal = 'c', kMark = '(', kTuple = 't', kEmptyTuple = ')',
               kTuple1 = '\x85', kTuple2 = '\x86', kTuple3 = '\x87', kReduce = 'R', kBinPersId = 'Q',
               kSetItems = 'u', kBinUnicode = 'X', kBinInt = 'J', kBinInt1 = 'K', kBinInt2 = 'M', kLong1 = '\x8a',
               kNewTrue = '\x88', kNewFalse = '\x89';

void appendLE(std::string& out, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out.push_back(char((v >> (8 * i)) & 0xff));
}

}  // namespace

void PthPickleWriter::proto() {
    op(kProto);
    op('\x02');
}

void PthPickleWriter::stop() { op(kStop); }

void PthPickleWriter::global(const std::string& module, const std::string& name) {
    op(kGlobal);
    out_ += module + "\n" + name + "\n";
}

void PthPickleWriter::str(const std::string& s) {
    op(kBinUnicode);
    appendLE(out_, s.size(), 4);
    out_ += s;
}

void PthPickleWriter::integer(int64_t v) {
    if (v >= 0 && v < 256) {
        op(kBinInt1);
        appendLE(out_, uint64_t(v), 1);
    } else if (v >= 0 && v < 65536) {
        op(kBinInt2);
        appendLE(out_, uint64_t(v), 2);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        op(kBinInt);
        appendLE(out_, uint64_t(uint32_t(int32_t(v))), 4);
    } else {
        // LONG1: little-endian two's complement, 8 bytes is always enough for an int64.
        op(kLong1);
        out_.push_back('\x08');
        appendLE(out_, uint64_t(v), 8);
    }
}

void PthPickleWriter::boolean(bool v) { op(v ? kNewTrue : kNewFalse); }

void PthPickleWriter::intTuple(const std::vector<int64_t>& values) {
    if (values.size() > 3) op(kMark);
    for (int64_t v : values) integer(v);
    switch (values.size()) {
        case 0: op(kEmptyTuple); break;
        case 1: op(kTuple1); break;
        case 2: op(kTuple2); break;
        case 3: op(kTuple3); break;
        default: op(kTuple); break;
    }
}

void PthPickleWriter::emptyOrderedDict() {
    global("collections", "OrderedDict");
    op(kEmptyTuple);
    op(kReduce);
}

std::string PthPickleWriter::stateDict(const std::vector<PickledTensor>& tensors) {
    PthPickleWriter w;
    w.proto();
    w.emptyOrderedDict();
    if (!tensors.empty()) {
        w.op(kMark);
        for (const PickledTensor& t : tensors) {
            w.str(t.name);
            // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks)
            w.global("torch._utils", "_rebuild_tensor_v2");
            w.op(kMark);
            // Persistent id ('storage', torch.<Type>Storage, key, location, numel): torch.load fetches data/<key>.
            w.op(kMark);
            w.str("storage");
            w.global("torch", t.storageType);
            w.str(t.storageKey);
            w.str("cpu");
            w.integer(t.numel);
            w.op(kTuple);
            w.op(kBinPersId);
            w.integer(0);
            w.intTuple(t.sizes);
            w.intTuple(t.strides);
            w.boolean(false);
            w.emptyOrderedDict();
            w.op(kTuple);
            w.op(kReduce);
        }
        w.op(kSetItems);
    }
    w.stop();
    return std::move(w.out_);
}

}  // namespace tessera::nn
