#pragma once
// The few pickle (protocol 2) opcodes that torch.save emits for a state dict: an OrderedDict of tensors rebuilt by
// torch._utils._rebuild_tensor_v2 from persistent storage ids. Enough for torch.load (also weights_only=True) and
// for Tessera's own restricted unpickler; not a general pickler. Torch-free: tensors come in as plain descriptions.
#include <cstdint>
#include <string>
#include <vector>

namespace tessera::nn {

struct PickledTensor {
    std::string name;          // state dict key
    std::string storageType;   // "FloatStorage", "LongStorage", ...
    std::string storageKey;    // the data/<key> record holding the bytes
    int64_t numel = 0;
    std::vector<int64_t> sizes;
    std::vector<int64_t> strides;
};

class PthPickleWriter {
public:
    // The complete data.pkl for an OrderedDict of `tensors` in the given order.
    static std::string stateDict(const std::vector<PickledTensor>& tensors);

private:
    void proto();
    void stop();
    void global(const std::string& module, const std::string& name);
    void str(const std::string& s);
    void integer(int64_t v);
    void boolean(bool v);
    void intTuple(const std::vector<int64_t>& values);
    void emptyOrderedDict();
    void op(char c) { out_.push_back(c); }

    std::string out_;
};

}  // namespace tessera::nn
