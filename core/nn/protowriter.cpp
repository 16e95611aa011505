#include "core/nn/protowriter.h"

#include <cstring>

namespace tessera::nn {
namespace {
constexpr int kWireVarint = 0, kWireLengthDelimited = 2, kWireFixed32 = 5;

void appendVarint(std::string& out, uint64_t v) {
    while (v >= 0x80) {
        out.push_back(char((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(char(v));
}
}  // namespace

void ProtoWriter::rawVarint(uint64_t value) { appendVarint(out_, value); }

void ProtoWriter::key(int field, int wireType) { rawVarint((uint64_t(field) << 3) | uint64_t(wireType)); }

void ProtoWriter::varint(int field, uint64_t value) {
    key(field, kWireVarint);
    rawVarint(value);
}

void ProtoWriter::float32(int field, float value) {
    key(field, kWireFixed32);
    uint32_t bits;
    std::memcpy(&bits, &value, 4);
    for (int i = 0; i < 4; ++i) out_.push_back(char((bits >> (8 * i)) & 0xff));  // little-endian on the wire
}

void ProtoWriter::bytes(int field, const void* data, size_t size) {
    key(field, kWireLengthDelimited);
    rawVarint(size);
    out_.append(static_cast<const char*>(data), size);
}

void ProtoWriter::repeatedInt64(int field, const std::vector<int64_t>& values) {
    for (int64_t v : values) int64(field, v);
}

std::string ProtoWriter::lengthDelimitedHeader(int field, uint64_t size) {
    std::string out;
    appendVarint(out, (uint64_t(field) << 3) | uint64_t(kWireLengthDelimited));
    appendVarint(out, size);
    return out;
}

}  // namespace tessera::nn
