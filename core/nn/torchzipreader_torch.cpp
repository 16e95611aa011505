#include "core/nn/torchzipreader_torch.h"

#include <cstring>
#include <fstream>
#include <limits>
#include <map>

#include "core/nn/pickleunpickler.h"
#include "core/nn/ziparchive.h"

namespace tessera::nn {

namespace {

using Kind = PickleValue::Kind;

struct StorageType {
    const char* global;
    at::ScalarType dtype;
};
constexpr StorageType kStorageTypes[] = {
    {"torch.FloatStorage", at::kFloat}, {"torch.HalfStorage", at::kHalf},   {"torch.BFloat16Storage", at::kBFloat16},
    {"torch.DoubleStorage", at::kDouble}, {"torch.LongStorage", at::kLong}, {"torch.IntStorage", at::kInt},
    {"torch.BoolStorage", at::kBool},   {"torch.ByteStorage", at::kByte},
};

bool mulOverflows(int64_t a, int64_t b, int64_t& out) { return __builtin_mul_overflow(a, b, &out); }
bool addOverflows(int64_t a, int64_t b, int64_t& out) { return __builtin_add_overflow(a, b, &out); }

// Turns the unpickled object tree into tensors, reading each storage entry once.
class Rebuilder {
public:
    Rebuilder(const ZipArchive& zip, std::string prefix, bool bigEndian)
        : zip_(zip), prefix_(std::move(prefix)), bigEndian_(bigEndian) {}

    Expected<at::Tensor> tensor(const PickleValue* v, const std::string& key, int depth = 0);

private:
    Error fail(const std::string& key, const std::string& what) const {
        return makeError("cannot read tensor '" + key + "' in " + zip_.name() + ": " + what);
    }
    Expected<at::Tensor> storage(const PickleValue* pid, const std::string& key);
    Expected<std::vector<int64_t>> ints(const PickleValue* v, const std::string& key, const char* what) const;

    const ZipArchive& zip_;
    std::string prefix_;
    bool bigEndian_;
    std::map<std::string, at::Tensor> storages_;
    int64_t storageBytes_ = 0;  // of every storage read
    int64_t tensorBytes_ = 0;   // of every tensor built
};

Expected<std::vector<int64_t>> Rebuilder::ints(const PickleValue* v, const std::string& key, const char* what) const {
    if (!v->is(Kind::Tuple) && !v->is(Kind::List)) return fail(key, std::string(what) + " is not a tuple");
    if (v->items.size() > 64) return fail(key, std::string(what) + " has more than 64 dimensions");
    std::vector<int64_t> out;
    for (const PickleValue* i : v->items) {
        if (!i->is(Kind::Int)) return fail(key, std::string(what) + " holds a non-integer");
        if (i->integer < 0) return fail(key, std::string(what) + " holds a negative value (absurd size)");
        out.push_back(i->integer);
    }
    return out;
}

Expected<at::Tensor> Rebuilder::storage(const PickleValue* pidValue, const std::string& key) {
    // ('storage', torch.XStorage, key, location, numel)
    if (!pidValue->is(Kind::PersistentId)) return fail(key, "storage is not a persistent id");
    const PickleValue* pid = pidValue->items[0];
    if (!pid->is(Kind::Tuple) || pid->items.size() != 5) return fail(key, "malformed storage reference");
    const auto& it = pid->items;
    if (!it[0]->is(Kind::String) || it[0]->text != "storage") return fail(key, "persistent id is not a storage");
    if (!it[1]->is(Kind::Global)) return fail(key, "storage type is not a global");
    if (!it[2]->is(Kind::String) || !it[4]->is(Kind::Int)) return fail(key, "malformed storage reference");
    at::ScalarType dtype = at::kFloat;
    bool known = false;
    for (const auto& st : kStorageTypes)
        if (it[1]->text == st.global) { dtype = st.dtype; known = true; }
    if (!known) return fail(key, "unsupported storage type " + it[1]->text);
    const std::string& storageKey = it[2]->text;
    for (char c : storageKey)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return fail(key, "odd storage key '" + storageKey + "'");
    const int64_t numel = it[4]->integer;
    if (numel < 0) return fail(key, "negative storage size (absurd size)");

    if (auto found = storages_.find(storageKey); found != storages_.end()) {
        if (found->second.scalar_type() != dtype || found->second.numel() < numel)
            return fail(key, "storage " + storageKey + " is used with two different types or sizes");
        return found->second;
    }
    const int64_t itemsize = static_cast<int64_t>(c10::elementSize(dtype));
    int64_t bytes = 0;
    if (mulOverflows(numel, itemsize, bytes)) return fail(key, "storage size overflows (absurd size)");
    const std::string entry = prefix_ + "/data/" + storageKey;
    auto have = zip_.entrySize(entry);
    if (!have) return fail(key, have.error());
    if (*have < static_cast<uint64_t>(bytes))
        return fail(key, "storage entry '" + entry + "' holds " + std::to_string(*have) + " bytes but " +
                             std::to_string(bytes) + " are declared (storage shorter than tensor claims)");
    at::Tensor t = at::empty({numel}, at::TensorOptions().dtype(dtype));
    if (auto st = zip_.readInto(entry, t.data_ptr(), static_cast<uint64_t>(bytes)); !st) return fail(key, st.error());
    if (bigEndian_ && itemsize > 1) {
        auto* p = static_cast<uint8_t*>(t.data_ptr());
        for (int64_t i = 0; i < numel; ++i) std::reverse(p + i * itemsize, p + (i + 1) * itemsize);
    }
    storages_.emplace(storageKey, t);
    storageBytes_ += bytes;
    return t;
}

Expected<at::Tensor> Rebuilder::tensor(const PickleValue* v, const std::string& key, int depth) {
    if (v->isCallOf("torch._utils._rebuild_parameter")) {
        // (data, requires_grad, backward_hooks): the data is a plain rebuilt tensor.
        if (depth > 0 || v->args->items.empty()) return fail(key, "malformed parameter");
        return tensor(v->args->items[0], key, depth + 1);
    }
    if (!v->isCallOf("torch._utils._rebuild_tensor_v2"))
        return fail(key, std::string("value is a ") + pickleKindName(v->kind) + ", not a tensor");
    // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    const auto& a = v->args->items;
    if (a.size() < 4) return fail(key, "malformed tensor record");
    if (!a[1]->is(Kind::Int) || a[1]->integer < 0) return fail(key, "bad storage offset (absurd size)");
    auto sizes = ints(a[2], key, "size");
    if (!sizes) return sizes.takeError();
    auto strides = ints(a[3], key, "stride");
    if (!strides) return strides.takeError();
    if (sizes->size() != strides->size()) return fail(key, "size and stride differ in length");
    auto st = storage(a[0], key);
    if (!st) return st.takeError();

    // Highest element index the view touches must lie inside the storage.
    const int64_t offset = a[1]->integer;
    int64_t numel = 1, last = offset;
    for (size_t d = 0; d < sizes->size(); ++d) {
        int64_t span = 0;
        if (mulOverflows(numel, (*sizes)[d], numel)) return fail(key, "element count overflows (absurd size)");
        if ((*sizes)[d] > 0 && (mulOverflows((*sizes)[d] - 1, (*strides)[d], span) || addOverflows(last, span, last)))
            return fail(key, "tensor extent overflows (absurd size)");
    }
    if (numel > 0 && last >= st->numel())
        return fail(key, "storage shorter than tensor claims (needs element " + std::to_string(last) + ", storage has " +
                             std::to_string(st->numel()) + ")");
    // Overlapping strides (expanded tensors) may show more elements than stored; bound the blow-up so that a tiny
    // file cannot ask for terabytes.
    if (numel > std::max<int64_t>(st->numel(), 1) * 1024)
        return fail(key, "tensor of " + std::to_string(numel) + " elements over a storage of " +
                             std::to_string(st->numel()) + " (absurd size)");
    // The same bound over the whole file: many tensors over one storage (a pickle can name it any number of times)
    // must not multiply it past that either.
    int64_t total = 0;
    if (mulOverflows(numel, static_cast<int64_t>(st->element_size()), total) ||
        addOverflows(tensorBytes_, total, total) || total / 1024 > storageBytes_)
        return fail(key, "tensors of " + std::to_string(tensorBytes_) + " bytes and more over storages of " +
                             std::to_string(storageBytes_) + " bytes in all (absurd size)");
    tensorBytes_ = total;
    if (numel == 0) return at::empty(*sizes, at::TensorOptions().dtype(st->scalar_type()));
    return st->as_strided(*sizes, *strides, offset).clone(at::MemoryFormat::Contiguous);
}

// Finds "<prefix>/data.pkl" with a single-folder prefix (torch uses the file stem or "archive").
std::string findPrefix(const ZipArchive& zip) {
    for (const auto& n : zip.entryNames()) {
        const auto slash = n.find('/');
        if (slash != std::string::npos && slash > 0 && n.compare(slash, std::string::npos, "/data.pkl") == 0)
            return n.substr(0, slash);
    }
    return {};
}

const PickleValue* selectStateDict(const PickleValue* root, std::string& note) {
    if (!root->is(Kind::Dict)) return nullptr;
    // Training checkpoints wrap the weights: {'state_dict': ..., 'epoch': ...}.
    for (const char* k : {"state_dict", "model_state_dict", "model"}) {
        const PickleValue* inner = root->get(k);
        if (inner && inner->is(Kind::Dict)) {
            note = k;
            return inner;
        }
    }
    return root;
}

Expected<StateDict> readArchive(const ZipArchive& zip) {
    const std::string prefix = findPrefix(zip);
    if (prefix.empty())
        return makeError(zip.name() + " is a zip file but not a PyTorch checkpoint (no <folder>/data.pkl entry)");
    bool bigEndian = false;
    if (zip.contains(prefix + "/byteorder")) {
        auto order = zip.read(prefix + "/byteorder");
        if (!order) return order.takeError();
        if (*order == "big") bigEndian = true;
        else if (*order != "little") return makeError(zip.name() + ": unknown byte order '" + order->substr(0, 16) + "'");
    }
    auto pkl = zip.read(prefix + "/data.pkl");
    if (!pkl) return pkl.takeError();
    auto doc = PickleUnpickler().unpickle(reinterpret_cast<const uint8_t*>(pkl->data()), pkl->size(), zip.name());
    if (!doc) return doc.takeError();

    std::string wrapper;
    const PickleValue* dict = selectStateDict(doc->root, wrapper);
    if (!dict)
        return makeError(zip.name() + " holds a " + pickleKindName(doc->root->kind) + ", not a state dict of tensors");
    Rebuilder rebuild(zip, prefix, bigEndian);
    StateDict out;
    for (const auto& [k, v] : dict->entries) {
        if (!k->is(Kind::String)) return makeError(zip.name() + ": state dict has a non-string key");
        auto t = rebuild.tensor(v, k->text);
        if (!t) return t.takeError();
        out.add(k->text, std::move(*t));
    }
    return out;
}

Expected<StateDict> guarded(const std::function<Expected<StateDict>()>& body, const std::string& name) {
    try {
        return body();
    } catch (const c10::Error& e) {
        return makeError("cannot read " + name + ": " + e.what_without_backtrace());
    } catch (const std::exception& e) {
        return makeError("cannot read " + name + ": " + e.what());
    }
}

Error notZip(const std::string& name, const uint8_t* head, size_t n, const std::string& zipError) {
    // Pre-1.6 torch.save wrote a bare pickle stream starting with PROTO 2 and a magic number.
    if (n >= 2 && head[0] == 0x80 && head[1] == 0x02)
        return makeError(name + " uses the legacy (pre-1.6) torch.save format, which Tessera does not read; "
                                "re-save it with torch.save in PyTorch >= 1.6");
    return makeError(zipError);
}

}  // namespace

Expected<StateDict> TorchZipReader::readFile(const std::string& path) {
    return guarded([&]() -> Expected<StateDict> {
        auto zip = ZipArchive::openFile(path);
        if (!zip) {
            uint8_t head[2] = {0, 0};
            std::ifstream in(path, std::ios::binary);
            in.read(reinterpret_cast<char*>(head), 2);
            return notZip(path, head, static_cast<size_t>(in.gcount()), zip.error());
        }
        return readArchive(*zip);
    }, path);
}

Expected<StateDict> TorchZipReader::readBytes(const uint8_t* data, size_t size, const std::string& name) {
    return guarded([&]() -> Expected<StateDict> {
        auto zip = ZipArchive::openBytes(data, size, name);
        if (!zip) return notZip(name, data, size, zip.error());
        return readArchive(*zip);
    }, name);
}

}  // namespace tessera::nn
