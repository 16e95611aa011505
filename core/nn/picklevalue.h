#pragma once
// A value decoded by the restricted unpickler: plain data (None, bool, int, float, str, bytes, tuple, list, dict)
// plus the few torch-specific shapes torch.save produces (a whitelisted global, a call of one, a persistent id).
// Values live in an arena owned by PickleDocument, so cycles a hostile pickle builds cannot leak or recurse.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tessera::nn {

struct PickleValue {
    enum class Kind { None, Bool, Int, Float, String, Bytes, Tuple, List, Dict, Global, Call, PersistentId };

    Kind kind = Kind::None;
    bool boolean = false;
    int64_t integer = 0;
    double real = 0.0;
    std::string text;    // String / Bytes; Global: "module.name"
    std::vector<PickleValue*> items;                            // Tuple / List; PersistentId: {pid}
    std::vector<std::pair<PickleValue*, PickleValue*>> entries;  // Dict, in insertion order
    PickleValue* callable = nullptr;  // Call: the Global called
    PickleValue* args = nullptr;      // Call: its argument tuple

    bool is(Kind k) const { return kind == k; }
    bool isGlobal(const char* qualified) const { return kind == Kind::Global && text == qualified; }
    bool isCallOf(const char* qualified) const { return kind == Kind::Call && callable && callable->isGlobal(qualified); }
    // Dict lookup by string key; nullptr when absent or not a dict.
    const PickleValue* get(const std::string& key) const {
        if (kind != Kind::Dict) return nullptr;
        for (const auto& e : entries)
            if (e.first->kind == Kind::String && e.first->text == key) return e.second;
        return nullptr;
    }
};

const char* pickleKindName(PickleValue::Kind kind);

struct PickleDocument {
    std::vector<std::unique_ptr<PickleValue>> arena;
    PickleValue* root = nullptr;

    PickleValue* make(PickleValue::Kind kind) {
        arena.push_back(std::make_unique<PickleValue>());
        arena.back()->kind = kind;
        return arena.back().get();
    }
};

}  // namespace tessera::nn
