// libFuzzer target: a PyTorch zip checkpoint -> TorchZipReader::readBytes (libzip, the restricted unpickler, storage
// sizes, offsets and strides). A refused file is an error that names it; an accepted one holds contiguous CPU tensors,
// every byte of which is read here so that ASan sees any read past a storage.
//
// Two kinds of input, told apart by their first bytes:
//  - "PK...": the bytes of a checkpoint file as they are (torch.save's own zips in the seed corpus);
//  - anything else: a recipe this target turns into a zip with correct CRCs, so that mutations reach data.pkl and
//    the storages instead of stopping at a CRC check. Byte 0 picks archive/byteorder (0: none, 1: "little",
//    2: "big", 3: "middle"); the rest, split at kSeparator, is archive/data.pkl, then archive/data/0, 1, 2, ...
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/nn/torchzipreader_torch.h"

namespace {

constexpr std::string_view kSeparator = "\n#storage#\n";
volatile uint64_t sink;

uint32_t crc32(std::string_view bytes) {
    static const std::array<uint32_t, 256> table = [] {
        std::array<uint32_t, 256> t{};
        for (uint32_t i = 0; i < 256; ++i) {
            uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    uint32_t c = 0xFFFFFFFFu;
    for (unsigned char b : bytes) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

void put16(std::string& out, uint32_t v) {
    for (int i = 0; i < 2; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void put32(std::string& out, uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// A zip of stored (uncompressed) entries, as torch.save writes them.
std::string storedZip(const std::vector<std::pair<std::string, std::string_view>>& entries) {
    std::string out, directory;
    for (const auto& [name, data] : entries) {
        const auto offset = static_cast<uint32_t>(out.size());
        const uint32_t crc = crc32(data);
        const auto size = static_cast<uint32_t>(data.size());
        put32(out, 0x04034b50);  // local file header
        // version needed, flags, method (stored), time, date
        put16(out, 20), put16(out, 0), put16(out, 0), put16(out, 0), put16(out, 0x21);
        put32(out, crc), put32(out, size), put32(out, size);
        put16(out, static_cast<uint32_t>(name.size())), put16(out, 0);
        out += name;
        out += data;
        put32(directory, 0x02014b50);  // central directory header
        put16(directory, 20), put16(directory, 20), put16(directory, 0), put16(directory, 0), put16(directory, 0);
        put16(directory, 0x21);
        put32(directory, crc), put32(directory, size), put32(directory, size);
        put16(directory, static_cast<uint32_t>(name.size())), put16(directory, 0), put16(directory, 0);
        put16(directory, 0), put16(directory, 0), put32(directory, 0), put32(directory, offset);
        directory += name;
    }
    const auto directoryOffset = static_cast<uint32_t>(out.size());
    out += directory;
    put32(out, 0x06054b50);  // end of central directory
    put16(out, 0), put16(out, 0);
    put16(out, static_cast<uint32_t>(entries.size())), put16(out, static_cast<uint32_t>(entries.size()));
    put32(out, static_cast<uint32_t>(directory.size())), put32(out, directoryOffset);
    put16(out, 0);
    return out;
}

std::string zipFromRecipe(const uint8_t* data, size_t size) {
    std::vector<std::pair<std::string, std::string_view>> entries;
    static constexpr const char* kOrders[] = {nullptr, "little", "big", "middle"};
    if (const char* order = kOrders[data[0] & 3]) entries.emplace_back("archive/byteorder", order);
    std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    for (int i = -1; i < 64; ++i) {
        const size_t cut = rest.find(kSeparator);
        entries.emplace_back(i < 0 ? "archive/data.pkl" : "archive/data/" + std::to_string(i), rest.substr(0, cut));
        if (cut == std::string_view::npos) break;
        rest.remove_prefix(cut + kSeparator.size());
    }
    return storedZip(entries);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const bool asIs = size >= 2 && data[0] == 'P' && data[1] == 'K';
    const std::string built = asIs ? std::string() : zipFromRecipe(data, size);
    const auto* bytes = asIs ? data : reinterpret_cast<const uint8_t*>(built.data());
    const size_t n = asIs ? size : built.size();

    auto dict = tessera::nn::TorchZipReader::readBytes(bytes, n, "fuzz.pth");
    if (!dict) {
        if (dict.error().find("fuzz.pth") == std::string::npos) std::abort();  // errors name the file
        return 0;
    }
    uint64_t checksum = 0;
    for (const auto& [name, t] : dict->entries) {
        if (!t.defined() || !t.is_contiguous() || t.device().type() != c10::DeviceType::CPU) std::abort();
        const auto length = static_cast<uint64_t>(t.numel()) * t.element_size();
        if (length != static_cast<uint64_t>(t.nbytes())) std::abort();
        const auto* p = static_cast<const uint8_t*>(t.data_ptr());
        for (uint64_t i = 0; i < length; ++i) checksum = checksum * 31 + p[i];
    }
    sink = checksum;
    return 0;
}
