#include "core/nn/pickleunpickler.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>
#include <unordered_map>

namespace tessera::nn {

const char* pickleKindName(PickleValue::Kind kind) {
    switch (kind) {
    case PickleValue::Kind::None: return "None";
    case PickleValue::Kind::Bool: return "bool";
    case PickleValue::Kind::Int: return "int";
    case PickleValue::Kind::Float: return "float";
    case PickleValue::Kind::String: return "str";
    case PickleValue::Kind::Bytes: return "bytes";
    case PickleValue::Kind::Tuple: return "tuple";
    case PickleValue::Kind::List: return "list";
    case PickleValue::Kind::Dict: return "dict";
    case PickleValue::Kind::Global: return "global";
    case PickleValue::Kind::Call: return "object";
    case PickleValue::Kind::PersistentId: return "persistent id";
    }
    return "?";
}

UnpicklerOptions UnpicklerOptions::defaults() {
    UnpicklerOptions o;
    o.allowedGlobals = {"collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter"};
    for (const char* s : {"Float", "Half", "BFloat16", "Double", "Long", "Int", "Bool", "Byte"})
        o.allowedGlobals.push_back(std::string("torch.") + s + "Storage");
    return o;
}

PickleUnpickler::PickleUnpickler(UnpicklerOptions options) : options_(std::move(options)) {}

namespace {

using Kind = PickleValue::Kind;

// One decoding run; throws nothing, every failure becomes an Error naming the source and the byte offset.
class Machine {
public:
    Machine(const UnpicklerOptions& o, const uint8_t* d, size_t n, const std::string& src)
        : opts_(o), data_(d), size_(n), source_(src) {}

    Expected<PickleDocument> run();

private:
    Error fail(const std::string& what) const {
        return makeError("cannot read pickle in " + source_ + ": " + what + " (at byte " + std::to_string(opPos_) + ")");
    }
    bool need(size_t n) const { return n <= size_ - pos_; }
    uint64_t readLE(size_t n) {
        uint64_t v = 0;
        for (size_t i = 0; i < n; ++i) v |= uint64_t(data_[pos_ + i]) << (8 * i);
        pos_ += n;
        return v;
    }
    PickleValue* make(Kind k) { return doc_.make(k); }
    bool pop(PickleValue*& out) {
        if (stack_.size() <= floor()) return false;
        out = stack_.back();
        stack_.pop_back();
        return true;
    }
    size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
    bool popMark(std::vector<PickleValue*>& out) {
        if (marks_.empty()) return false;
        const size_t m = marks_.back();
        marks_.pop_back();
        out.assign(stack_.begin() + static_cast<std::ptrdiff_t>(m), stack_.end());
        stack_.resize(m);
        return true;
    }
    std::string readLine() {
        const uint8_t* nl = static_cast<const uint8_t*>(std::memchr(data_ + pos_, '\n', size_ - pos_));
        if (!nl) return std::string(1, '\0');  // marker: unterminated
        std::string s(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(nl - (data_ + pos_)));
        pos_ = static_cast<size_t>(nl - data_) + 1;
        return s;
    }
    std::optional<Error> global(const std::string& module, const std::string& name);
    std::optional<Error> reduce();
    std::optional<Error> step(uint8_t op);

    const UnpicklerOptions& opts_;
    const uint8_t* data_;
    size_t size_;
    const std::string& source_;
    size_t pos_ = 0, opPos_ = 0;
    PickleDocument doc_;
    std::vector<PickleValue*> stack_;
    std::vector<size_t> marks_;
    std::unordered_map<uint64_t, PickleValue*> memo_;
    bool stopped_ = false;
};

std::optional<Error> Machine::global(const std::string& module, const std::string& name) {
    const std::string qualified = module + "." + name;
    if (std::find(opts_.allowedGlobals.begin(), opts_.allowedGlobals.end(), qualified) == opts_.allowedGlobals.end())
        return makeError("refusing global '" + qualified + "' in file " + source_ + ": only tensors are allowed");
    auto* g = make(Kind::Global);
    g->text = qualified;
    stack_.push_back(g);
    return std::nullopt;
}

std::optional<Error> Machine::reduce() {
    PickleValue *args = nullptr, *fn = nullptr;
    if (!pop(args) || !pop(fn)) return fail("REDUCE on an empty stack");
    if (!fn->is(Kind::Global)) return fail(std::string("REDUCE calls a ") + pickleKindName(fn->kind) + ", not a global");
    if (!args->is(Kind::Tuple)) return fail("REDUCE arguments are not a tuple");
    if (fn->text == "collections.OrderedDict") {
        // OrderedDict() or OrderedDict([(k, v), ...]) becomes a plain ordered dict.
        auto* d = make(Kind::Dict);
        if (args->items.size() > 1) return fail("OrderedDict takes at most one argument");
        if (args->items.size() == 1) {
            const PickleValue* src = args->items[0];
            if (!src->is(Kind::List) && !src->is(Kind::Tuple)) return fail("OrderedDict argument is not a list");
            for (const PickleValue* pair : src->items) {
                if (!pair->is(Kind::Tuple) || pair->items.size() != 2) return fail("OrderedDict item is not a pair");
                d->entries.emplace_back(pair->items[0], pair->items[1]);
            }
        }
        stack_.push_back(d);
        return std::nullopt;
    }
    if (fn->text.rfind("torch._utils.", 0) != 0) return fail("global '" + fn->text + "' cannot be called");
    auto* call = make(Kind::Call);
    call->callable = fn;
    call->args = args;
    stack_.push_back(call);
    return std::nullopt;
}

std::optional<Error> Machine::step(uint8_t op) {
    PickleValue* v = nullptr;
    switch (op) {
    case 0x80:  // PROTO
        if (!need(1)) return fail("truncated PROTO");
        if (data_[pos_] < 2 || data_[pos_] > 5) return fail("unsupported pickle protocol " + std::to_string(data_[pos_]));
        ++pos_;
        return std::nullopt;
    case 0x95:  // FRAME: a length hint only
        if (!need(8)) return fail("truncated FRAME");
        pos_ += 8;
        return std::nullopt;
    case '.': stopped_ = true; return std::nullopt;  // STOP
    case '(': marks_.push_back(stack_.size()); return std::nullopt;  // MARK
    case '0': if (!pop(v)) return fail("POP on an empty stack"); return std::nullopt;
    case '1': { std::vector<PickleValue*> drop; if (!popMark(drop)) return fail("POP_MARK without MARK"); return std::nullopt; }
    case '2': if (stack_.size() <= floor()) return fail("DUP on an empty stack"); stack_.push_back(stack_.back()); return std::nullopt;
    case 'N': stack_.push_back(make(Kind::None)); return std::nullopt;
    case 0x88: case 0x89: v = make(Kind::Bool); v->boolean = op == 0x88; stack_.push_back(v); return std::nullopt;
    case 'J': case 'K': case 'M': {  // BININT, BININT1, BININT2
        const size_t n = op == 'J' ? 4 : op == 'K' ? 1 : 2;
        if (!need(n)) return fail("truncated integer");
        uint64_t raw = readLE(n);
        v = make(Kind::Int);
        v->integer = op == 'J' ? static_cast<int64_t>(static_cast<int32_t>(raw)) : static_cast<int64_t>(raw);
        stack_.push_back(v);
        return std::nullopt;
    }
    case 0x8a: case 0x8b: {  // LONG1, LONG4: little-endian two's complement
        const size_t lenBytes = op == 0x8a ? 1 : 4;
        if (!need(lenBytes)) return fail("truncated LONG");
        const uint64_t n = readLE(lenBytes);
        if (n > 8) return fail("integer wider than 64 bits");
        if (!need(n)) return fail("truncated LONG");
        uint64_t raw = readLE(n);
        if (n > 0 && n < 8 && (raw >> (8 * n - 1)) & 1) raw |= ~uint64_t(0) << (8 * n);  // sign-extend
        v = make(Kind::Int);
        v->integer = static_cast<int64_t>(raw);
        stack_.push_back(v);
        return std::nullopt;
    }
    case 'G': {  // BINFLOAT, big-endian IEEE double
        if (!need(8)) return fail("truncated BINFLOAT");
        uint64_t raw = 0;
        for (int i = 0; i < 8; ++i) raw = (raw << 8) | data_[pos_ + i];
        pos_ += 8;
        v = make(Kind::Float);
        std::memcpy(&v->real, &raw, 8);
        stack_.push_back(v);
        return std::nullopt;
    }
    case 'X': case 0x8c: case 0x8d: case 'B': case 'C': case 0x8e: case 'T': case 'U': {
        // (SHORT_)BINUNICODE(8), (SHORT_)BINBYTES(8), (SHORT_)BINSTRING: length-prefixed payloads.
        const size_t lenBytes = (op == 0x8c || op == 'C' || op == 'U') ? 1 : (op == 0x8d || op == 0x8e) ? 8 : 4;
        if (!need(lenBytes)) return fail("truncated string length");
        const uint64_t n = readLE(lenBytes);
        if (op == 'T' && n > 0x7fffffffu) return fail("negative string length");
        if (n > size_ - pos_) return fail("string of " + std::to_string(n) + " bytes runs past the end");
        const bool isText = op == 'X' || op == 0x8c || op == 0x8d || op == 'T' || op == 'U';
        v = make(isText ? Kind::String : Kind::Bytes);
        v->text.assign(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(n));
        pos_ += static_cast<size_t>(n);
        stack_.push_back(v);
        return std::nullopt;
    }
    case ')': stack_.push_back(make(Kind::Tuple)); return std::nullopt;
    case ']': stack_.push_back(make(Kind::List)); return std::nullopt;
    case '}': stack_.push_back(make(Kind::Dict)); return std::nullopt;
    case 't': case 'l': case 'd': {  // TUPLE, LIST, DICT from the items since MARK
        std::vector<PickleValue*> items;
        if (!popMark(items)) return fail("TUPLE/LIST/DICT without MARK");
        if (op == 'd') {
            if (items.size() % 2) return fail("DICT with an odd number of items");
            v = make(Kind::Dict);
            for (size_t i = 0; i < items.size(); i += 2) v->entries.emplace_back(items[i], items[i + 1]);
        } else {
            v = make(op == 't' ? Kind::Tuple : Kind::List);
            v->items = std::move(items);
        }
        stack_.push_back(v);
        return std::nullopt;
    }
    case 0x85: case 0x86: case 0x87: {  // TUPLE1..3
        const size_t n = static_cast<size_t>(op - 0x84);
        if (stack_.size() < floor() + n) return fail("TUPLE" + std::to_string(n) + " on a short stack");
        v = make(Kind::Tuple);
        v->items.assign(stack_.end() - static_cast<std::ptrdiff_t>(n), stack_.end());
        stack_.resize(stack_.size() - n);
        stack_.push_back(v);
        return std::nullopt;
    }
    case 'a': {  // APPEND
        PickleValue* item = nullptr;
        if (!pop(item) || stack_.size() <= floor()) return fail("APPEND on a short stack");
        if (!stack_.back()->is(Kind::List)) return fail("APPEND to a non-list");
        stack_.back()->items.push_back(item);
        return std::nullopt;
    }
    case 'e': {  // APPENDS
        std::vector<PickleValue*> items;
        if (!popMark(items)) return fail("APPENDS without MARK");
        if (stack_.size() <= floor() || !stack_.back()->is(Kind::List)) return fail("APPENDS to a non-list");
        auto& dst = stack_.back()->items;
        dst.insert(dst.end(), items.begin(), items.end());
        return std::nullopt;
    }
    case 's': {  // SETITEM
        PickleValue *key = nullptr, *value = nullptr;
        if (!pop(value) || !pop(key) || stack_.size() <= floor()) return fail("SETITEM on a short stack");
        if (!stack_.back()->is(Kind::Dict)) return fail("SETITEM on a non-dict");
        stack_.back()->entries.emplace_back(key, value);
        return std::nullopt;
    }
    case 'u': {  // SETITEMS
        std::vector<PickleValue*> items;
        if (!popMark(items)) return fail("SETITEMS without MARK");
        if (items.size() % 2) return fail("SETITEMS with an odd number of items");
        if (stack_.size() <= floor() || !stack_.back()->is(Kind::Dict)) return fail("SETITEMS on a non-dict");
        for (size_t i = 0; i < items.size(); i += 2) stack_.back()->entries.emplace_back(items[i], items[i + 1]);
        return std::nullopt;
    }
    case 'q': case 'r': case 0x94: {  // BINPUT, LONG_BINPUT, MEMOIZE
        uint64_t key = memo_.size();
        if (op != 0x94) {
            const size_t n = op == 'q' ? 1 : 4;
            if (!need(n)) return fail("truncated PUT");
            key = readLE(n);
        }
        if (stack_.size() <= floor()) return fail("PUT on an empty stack");
        memo_[key] = stack_.back();
        return std::nullopt;
    }
    case 'h': case 'j': {  // BINGET, LONG_BINGET
        const size_t n = op == 'h' ? 1 : 4;
        if (!need(n)) return fail("truncated GET");
        const uint64_t key = readLE(n);
        auto it = memo_.find(key);
        if (it == memo_.end()) return fail("GET of unknown memo slot " + std::to_string(key));
        stack_.push_back(it->second);
        return std::nullopt;
    }
    case 'c': {  // GLOBAL "module\nname\n"
        const std::string module = readLine();
        const std::string name = module == std::string(1, '\0') ? module : readLine();
        if (module == std::string(1, '\0') || name == std::string(1, '\0')) return fail("truncated GLOBAL");
        return global(module, name);
    }
    case 0x93: {  // STACK_GLOBAL
        PickleValue *name = nullptr, *module = nullptr;
        if (!pop(name) || !pop(module)) return fail("STACK_GLOBAL on a short stack");
        if (!name->is(Kind::String) || !module->is(Kind::String)) return fail("STACK_GLOBAL of non-strings");
        return global(module->text, name->text);
    }
    case 'R': return reduce();
    case 'b': {  // BUILD: state for OrderedDict (_metadata) or an object; recorded nowhere, nothing runs.
        PickleValue* state = nullptr;
        if (!pop(state) || stack_.size() <= floor()) return fail("BUILD on a short stack");
        const Kind k = stack_.back()->kind;
        if (k != Kind::Dict && k != Kind::Call) return fail(std::string("BUILD on a ") + pickleKindName(k));
        return std::nullopt;
    }
    case 'Q': {  // BINPERSID
        PickleValue* pid = nullptr;
        if (!pop(pid)) return fail("BINPERSID on an empty stack");
        v = make(Kind::PersistentId);
        v->items.push_back(pid);
        stack_.push_back(v);
        return std::nullopt;
    }
    default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "0x%02x", op);
        return fail(std::string("unsupported pickle opcode ") + buf);
    }
    }
}

Expected<PickleDocument> Machine::run() {
    while (!stopped_) {
        if (pos_ >= size_) return fail("data ends before STOP");
        if (doc_.arena.size() > opts_.maxValues) return fail("too many values");
        opPos_ = pos_;
        const uint8_t op = data_[pos_++];
        if (auto err = step(op)) return *err;
    }
    if (stack_.size() != 1 || !marks_.empty()) return fail("STOP with " + std::to_string(stack_.size()) + " values on the stack");
    doc_.root = stack_.back();
    return std::move(doc_);
}

}  // namespace

Expected<PickleDocument> PickleUnpickler::unpickle(const uint8_t* data, size_t size, const std::string& sourceName) const {
    if (!data && size) return makeError("cannot read pickle in " + sourceName + ": no data");
    Machine m(options_, data, size, sourceName);
    return m.run();
}

}  // namespace tessera::nn
