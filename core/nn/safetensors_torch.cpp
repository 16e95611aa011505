#include "core/nn/safetensors_torch.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/util/atomicfile.h"

namespace tessera::nn {

namespace {

struct DtypeName {
    const char* name;
    at::ScalarType type;
};
constexpr DtypeName kDtypes[] = {{"F32", at::kFloat}, {"F16", at::kHalf}, {"BF16", at::kBFloat16}, {"F64", at::kDouble},
                                 {"I64", at::kLong},  {"I32", at::kInt},  {"U8", at::kByte},       {"BOOL", at::kBool}};

struct Entry {
    std::string name;
    at::ScalarType type;
    std::vector<int64_t> shape;
    uint64_t begin, end;  // relative to the data section
};

struct Layout {
    std::vector<Entry> entries;
    uint64_t dataStart = 0;
    std::map<std::string, std::string> metadata;
};

// Parses and validates the header; dataSize is the number of bytes after it.
Expected<Layout> parseHeader(const std::string& name, const uint8_t* head, uint64_t fileSize,
                             const std::function<Expected<std::string>(uint64_t)>& readHeader) {
    auto fail = [&](const std::string& what) { return makeError("cannot read safetensors file " + name + ": " + what); };
    if (fileSize < 8) return fail("shorter than the 8-byte header length");
    uint64_t n = 0;
    for (int i = 0; i < 8; ++i) n |= uint64_t(head[i]) << (8 * i);
    if (n < 2 || n > Safetensors::kMaxHeaderBytes) return fail("header length " + std::to_string(n) + " is not sane");
    if (n > fileSize - 8) return fail("header length " + std::to_string(n) + " runs past the end of the file");
    auto text = readHeader(n);
    if (!text) return text.takeError();
    const auto json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded() || !json.is_object()) return fail("header is not a JSON object");

    Layout layout;
    layout.dataStart = 8 + n;
    const uint64_t dataSize = fileSize - layout.dataStart;
    for (const auto& [key, v] : json.items()) {
        if (key == "__metadata__") {
            if (v.is_object())
                for (const auto& [mk, mv] : v.items())
                    if (mv.is_string()) layout.metadata[mk] = mv.get<std::string>();
            continue;
        }
        const std::string where = "tensor '" + key + "': ";
        if (!v.is_object()) return fail(where + "entry is not an object");
        const auto dt = v.find("dtype");
        const auto sh = v.find("shape");
        const auto off = v.find("data_offsets");
        if (dt == v.end() || !dt->is_string() || sh == v.end() || !sh->is_array() || off == v.end() ||
            !off->is_array() || off->size() != 2)
            return fail(where + "needs dtype, shape and two data_offsets");
        Entry e{key, at::kFloat, {}, 0, 0};
        bool known = false;
        for (const auto& d : kDtypes)
            if (dt->get<std::string>() == d.name) { e.type = d.type; known = true; }
        if (!known) return fail(where + "unsupported dtype " + dt->get<std::string>());
        if (sh->size() > 64) return fail(where + "too many dimensions");
        uint64_t numel = 1;
        for (const auto& d : *sh) {
            if (!d.is_number_unsigned()) return fail(where + "shape holds a negative or non-integer value");
            const uint64_t dim = d.get<uint64_t>();
            if (dim > uint64_t(INT64_MAX) || __builtin_mul_overflow(numel, dim, &numel))
                return fail(where + "element count overflows (absurd shape)");
            e.shape.push_back(static_cast<int64_t>(dim));
        }
        if (!(*off)[0].is_number_unsigned() || !(*off)[1].is_number_unsigned())
            return fail(where + "data_offsets are not unsigned integers");
        e.begin = (*off)[0].get<uint64_t>();
        e.end = (*off)[1].get<uint64_t>();
        if (e.begin > e.end || e.end > dataSize)
            return fail(where + "data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                        "] lie outside the " + std::to_string(dataSize) + "-byte data section");
        uint64_t bytes = 0;
        if (__builtin_mul_overflow(numel, uint64_t(c10::elementSize(e.type)), &bytes) || bytes != e.end - e.begin)
            return fail(where + "holds " + std::to_string(e.end - e.begin) + " bytes but its shape and dtype need " +
                        std::to_string(bytes));
        layout.entries.push_back(std::move(e));
    }
    std::sort(layout.entries.begin(), layout.entries.end(),
              [](const Entry& a, const Entry& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
    for (size_t i = 1; i < layout.entries.size(); ++i)
        if (layout.entries[i].begin < layout.entries[i - 1].end)
            return fail("tensors '" + layout.entries[i - 1].name + "' and '" + layout.entries[i].name + "' overlap");
    return layout;
}

template <class ReadFn>
Expected<StateDict> materialise(const Layout& layout, const std::string& name, ReadFn&& readAt) {
    StateDict out;
    for (const auto& e : layout.entries) {
        at::Tensor t = at::empty(e.shape, at::TensorOptions().dtype(e.type));
        if (e.end > e.begin)
            if (auto st = readAt(layout.dataStart + e.begin, t.data_ptr(), e.end - e.begin); !st)
                return makeError("cannot read tensor '" + e.name + "' in " + name + ": " + st.error());
        out.add(e.name, std::move(t));
    }
    return out;
}

template <class Fn>
auto guarded(const std::string& name, Fn&& fn) -> decltype(fn()) {
    try {
        return fn();
    } catch (const c10::Error& e) {
        return makeError("cannot read safetensors file " + name + ": " + e.what_without_backtrace());
    } catch (const std::exception& e) {
        return makeError("cannot read safetensors file " + name + ": " + e.what());
    }
}

Expected<Layout> layoutOfFile(const std::string& path, std::ifstream& in) {
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(path, ec);
    if (ec || !in) return makeError("cannot open " + path + (ec ? ": " + ec.message() : ""));
    uint8_t head[8] = {};
    in.read(reinterpret_cast<char*>(head), 8);
    return parseHeader(path, head, size, [&](uint64_t n) -> Expected<std::string> {
        std::string text(static_cast<size_t>(n), '\0');
        if (!in.read(text.data(), static_cast<std::streamsize>(n))) return makeError("cannot read the header of " + path);
        return text;
    });
}

}  // namespace

Expected<StateDict> Safetensors::readBytes(const uint8_t* data, size_t size, const std::string& name) {
    return guarded(name, [&]() -> Expected<StateDict> {
        uint8_t head[8] = {};
        if (size >= 8) std::memcpy(head, data, 8);
        auto layout = parseHeader(name, head, size, [&](uint64_t n) -> Expected<std::string> {
            return std::string(reinterpret_cast<const char*>(data + 8), static_cast<size_t>(n));
        });
        if (!layout) return layout.takeError();
        return materialise(*layout, name, [&](uint64_t at, void* dst, uint64_t n) -> Status {
            std::memcpy(dst, data + at, static_cast<size_t>(n));
            return {};
        });
    });
}

Expected<StateDict> Safetensors::readFile(const std::string& path) {
    return guarded(path, [&]() -> Expected<StateDict> {
        std::ifstream in(path, std::ios::binary);
        auto layout = layoutOfFile(path, in);
        if (!layout) return layout.takeError();
        return materialise(*layout, path, [&](uint64_t at, void* dst, uint64_t n) -> Status {
            in.seekg(static_cast<std::streamoff>(at));
            if (!in.read(static_cast<char*>(dst), static_cast<std::streamsize>(n))) return makeError("file ends early");
            return {};
        });
    });
}

Expected<std::map<std::string, std::string>> Safetensors::readMetadata(const std::string& path) {
    return guarded(path, [&]() -> Expected<std::map<std::string, std::string>> {
        std::ifstream in(path, std::ios::binary);
        auto layout = layoutOfFile(path, in);
        if (!layout) return layout.takeError();
        return layout->metadata;
    });
}

Expected<std::string> Safetensors::toBytes(const StateDict& tensors, const std::map<std::string, std::string>& metadata) {
    try {
        nlohmann::ordered_json header = nlohmann::ordered_json::object();
        if (!metadata.empty()) header["__metadata__"] = metadata;
        std::vector<at::Tensor> data;
        uint64_t offset = 0;
        for (const auto& [name, tensor] : tensors.entries) {
            if (name == "__metadata__") return makeError("a tensor cannot be named __metadata__");
            const char* dtype = nullptr;
            for (const auto& d : kDtypes)
                if (d.type == tensor.scalar_type()) dtype = d.name;
            if (!dtype) return makeError("tensor '" + name + "' has dtype " + std::string(c10::toString(tensor.scalar_type())) +
                                         ", which safetensors export does not support");
            at::Tensor t = tensor.detach().to(at::kCPU).contiguous();
            const uint64_t bytes = static_cast<uint64_t>(t.nbytes());
            header[name] = {{"dtype", dtype}, {"shape", t.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
            offset += bytes;
            data.push_back(std::move(t));
        }
        std::string h = header.dump();
        h.append((8 - h.size() % 8) % 8, ' ');  // align the data section to 8 bytes, as the reference writer does
        std::string out;
        out.reserve(8 + h.size() + offset);
        for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((uint64_t(h.size()) >> (8 * i)) & 0xff));
        out += h;
        for (const auto& t : data) out.append(static_cast<const char*>(t.data_ptr()), static_cast<size_t>(t.nbytes()));
        return out;
    } catch (const c10::Error& e) {
        return makeError(std::string("cannot encode safetensors: ") + e.what_without_backtrace());
    }
}

Status Safetensors::writeFile(const std::string& path, const StateDict& tensors,
                              const std::map<std::string, std::string>& metadata) {
    auto bytes = toBytes(tensors, metadata);
    if (!bytes) return makeError("cannot write " + path + ": " + bytes.error());
    return util::writeFileAtomically(path, *bytes);
}

}  // namespace tessera::nn
