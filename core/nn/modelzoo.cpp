#include "core/nn/modelzoo.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/util/filetext.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace tessera::nn {
namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

bool isHex(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

fs::path executableDir() {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path() : exe.parent_path();
}

// Reads one entry; `where` is "<file>: entry N (name)" for messages.
Expected<ZooEntry> parseEntry(const json& j, const std::string& where) {
    if (!j.is_object()) return makeError(where + ": not a JSON object");
    ZooEntry e;
    auto needString = [&](const char* key, std::string& out) -> Status {
        if (!j.contains(key) || !j[key].is_string() || j[key].get<std::string>().empty())
            return makeError(where + ": field \"" + key + "\" is missing or not a non-empty string");
        out = j[key].get<std::string>();
        return {};
    };
    for (auto [key, out] : {std::pair<const char*, std::string*>{"name", &e.name}, {"arch", &e.arch},
                            {"url", &e.url}, {"file", &e.fileName}, {"sha256_prefix", &e.sha256Prefix}}) {
        if (auto s = needString(key, *out); !s) return s.takeError();
    }
    e.sha256Prefix = lower(e.sha256Prefix);
    if (e.sha256Prefix.size() < 8 || e.sha256Prefix.size() > 64 || !isHex(e.sha256Prefix))
        return makeError(where + ": \"sha256_prefix\" must be 8 to 64 hex digits, got \"" + e.sha256Prefix + "\"");
    // torch.hub takes the prefix from the file name; a zoo entry that disagrees with its own name is a typo.
    if (lower(e.fileName).find("-" + e.sha256Prefix + ".") == std::string::npos)
        return makeError(where + ": file name \"" + e.fileName + "\" does not carry the hash prefix \"" +
                         e.sha256Prefix + "\" (torchvision names files <name>-<sha256 prefix>.pth)");
    if (e.fileName.find('/') != std::string::npos || e.fileName.find('\\') != std::string::npos)
        return makeError(where + ": \"file\" must be a plain file name, got \"" + e.fileName + "\"");
    const std::string scheme = lower(e.url.substr(0, e.url.find(':')));
    if (scheme != "https" && scheme != "http" && scheme != "file")
        return makeError(where + ": \"url\" must be https, http or file, got \"" + e.url + "\"");
    try {
        e.weights = j.value("weights", std::string());
        e.defaultForArch = j.value("default_for_arch", false);
        e.inputSize = j.value("input_size", 224);
        e.resizeSize = j.value("resize_size", 256);
        e.numClasses = j.value("num_classes", 1000);
        e.numParams = j.value("num_params", int64_t(0));
        e.sizeBytes = j.value("size_bytes", int64_t(0));
        e.imagenetTop1 = j.value("imagenet_top1", 0.0);
        e.licence = j.value("licence", std::string());
        for (auto [key, out] : {std::pair<const char*, std::array<float, 3>*>{"mean", &e.mean}, {"std", &e.std}}) {
            if (!j.contains(key)) continue;
            const json& a = j[key];
            if (!a.is_array() || a.size() != 3 || !std::all_of(a.begin(), a.end(), [](const json& v) {
                    return v.is_number();
                }))
                return makeError(where + ": \"" + key + "\" must be an array of 3 numbers");
            for (size_t i = 0; i < 3; ++i) (*out)[i] = a[i].get<float>();
        }
    } catch (const json::exception& ex) {
        return makeError(where + ": a field has the wrong type (" + ex.what() + ")");
    }
    if (e.inputSize <= 0 || e.resizeSize < e.inputSize)
        return makeError(where + ": need 0 < input_size <= resize_size");
    if (e.numClasses <= 0) return makeError(where + ": \"num_classes\" must be positive");
    for (float s : e.std)
        if (!(s > 0)) return makeError(where + ": \"std\" values must be positive");
    return e;
}

}  // namespace

Expected<ModelZoo> ModelZoo::fromJson(const std::string& text, const std::string& origin) {
    json root;
    try {
        root = json::parse(text);
    } catch (const json::parse_error& ex) {
        return makeError(origin + ": not valid JSON: " + ex.what());
    }
    if (!root.is_object() || !root.contains("models") || !root["models"].is_array())
        return makeError(origin + ": expected an object with a \"models\" array");
    ModelZoo zoo;
    zoo.source_ = origin;
    std::set<std::string> seen;
    std::set<std::string> defaults;
    size_t index = 0;
    for (const json& j : root["models"]) {
        ++index;
        std::string where = origin + ": entry " + std::to_string(index);
        if (j.is_object() && j.contains("name") && j["name"].is_string())
            where += " (" + j["name"].get<std::string>() + ")";
        auto entry = parseEntry(j, where);
        if (!entry) return entry.takeError();
        if (!seen.insert(lower(entry->name)).second) return makeError(where + ": duplicate name");
        if (entry->defaultForArch && !defaults.insert(entry->arch).second)
            return makeError(where + ": a second \"default_for_arch\" entry for " + entry->arch);
        zoo.entries_.push_back(std::move(*entry));
    }
    return zoo;
}

Expected<ModelZoo> ModelZoo::fromFile(const fs::path& path) {
    auto text = readFileText(path, 16u << 20);
    if (!text) return makeError("model zoo file: " + text.error());
    return fromJson(*text, path.string());
}

std::vector<fs::path> ModelZoo::searchPaths() {
    std::vector<fs::path> paths;
    if (const char* env = std::getenv("TESSERA_ZOO"); env && *env) paths.emplace_back(env);
    // Walk up from the executable: <prefix>/bin/tessera -> <prefix>/share/tessera/zoo.json when installed;
    // <src>/build-x/tests/nn/test -> <src>/models/zoo.json in a build tree inside the source tree.
    fs::path dir = executableDir();
    for (int depth = 0; depth < 5 && !dir.empty(); ++depth) {
        paths.push_back(dir / "share" / "tessera" / "zoo.json");
        paths.push_back(dir / "models" / "zoo.json");
        if (dir == dir.parent_path()) break;
        dir = dir.parent_path();
    }
    std::error_code ec;
    const fs::path cwd = fs::current_path(ec);
    if (!ec) paths.push_back(cwd / "models" / "zoo.json");
    return paths;
}

Expected<ModelZoo> ModelZoo::load() {
    std::string tried;
    for (const fs::path& p : searchPaths()) {
        std::error_code ec;
        if (fs::is_regular_file(p, ec)) return fromFile(p);
        tried += "\n  " + p.string();
    }
    return makeError("no model zoo file (zoo.json) found; set TESSERA_ZOO to its path. Tried:" + tried);
}

const ZooEntry* ModelZoo::find(const std::string& name) const {
    const std::string key = lower(name);
    for (const auto& e : entries_)
        if (lower(e.name) == key) return &e;
    return nullptr;
}

const ZooEntry* ModelZoo::defaultFor(const std::string& arch) const {
    const std::string key = lower(arch);
    const ZooEntry* first = nullptr;
    for (const auto& e : entries_) {
        if (lower(e.arch) != key) continue;
        if (e.defaultForArch) return &e;
        if (!first) first = &e;
    }
    return first;
}

std::vector<std::string> ModelZoo::names() const {
    std::vector<std::string> out;
    for (const auto& e : entries_) out.push_back(e.name);
    return out;
}

}  // namespace tessera::nn
