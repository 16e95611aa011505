#pragma once
// Minimal protocol-buffers wire encoder (varints, fixed32, length-delimited fields), enough to write ONNX models
// without linking libprotobuf or generated code. Fields are appended in call order; nested messages are written
// by encoding the child first and adding its bytes with message().
#include <cstdint>
#include <string>
#include <vector>

namespace tessera::nn {

class ProtoWriter {
public:
    void varint(int field, uint64_t value);       // int32, int64 (non-negative here), enum, bool
    void int64(int field, int64_t value) { varint(field, uint64_t(value)); }
    void float32(int field, float value);         // wire type 5
    void bytes(int field, const void* data, size_t size);
    void string(int field, const std::string& s) { bytes(field, s.data(), s.size()); }
    void message(int field, const ProtoWriter& child) { bytes(field, child.data().data(), child.data().size()); }
    void repeatedInt64(int field, const std::vector<int64_t>& values);  // unpacked, as proto2 (ONNX) declares

    const std::string& data() const { return out_; }
    std::string take() { return std::move(out_); }
    void reserve(size_t n) { out_.reserve(n); }

    // The bytes of a length-delimited field's key and length, for streaming a large payload written separately.
    static std::string lengthDelimitedHeader(int field, uint64_t size);

private:
    void key(int field, int wireType);
    void rawVarint(uint64_t value);
    std::string out_;
};

}  // namespace tessera::nn
