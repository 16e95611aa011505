#pragma once
// Fixtures for the nn tests, made by tests/nn/make_fixtures.py with Debian's python3 (torch + torchvision).
// ctest runs every test case as its own process, so the files are generated once into a temp folder keyed by the
// script's hash and the requested sets, and reused by later processes (a new script version replaces old folders).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/util/sha256.h"

namespace tessera::nntest {

namespace fs = std::filesystem;

// The one superset every nn test binary asks for, so that all of them share a single generated folder.
inline const char* kAllSets = "resnet18,resnet34,resnet50,params,safetensors,extra,keys,bad";

inline fs::path scriptPath() { return fs::path(TESSERA_SOURCE_DIR) / "tests" / "nn" / "make_fixtures.py"; }
inline fs::path fixtureRoot() { return fs::temp_directory_path() / ("tessera-nn-fixtures-" + std::to_string(getuid())); }
// Where the hostile pickles would `touch` if anything ever executed them.
inline fs::path markerPath() { return fs::temp_directory_path() / ("tessera-nn-pwned-" + std::to_string(getuid())); }

// Generates (or reuses) the fixture sets, e.g. "resnet18,bad". Fails the calling test when Python fails.
inline fs::path fixtureDir(const std::string& sets) {
    auto hash = util::sha256File(scriptPath());
    if (!hash.ok()) {
        ADD_FAILURE() << hash.error();
        return {};
    }
    std::string tag = sets;
    for (char& c : tag)
        if (c == ',') c = '_';
    const std::string version = hash->substr(0, 12);
    const fs::path root = fixtureRoot();
    const fs::path dir = root / (version + "-" + tag);
    if (fs::exists(dir / "done")) return dir;

    std::error_code ec;
    fs::create_directories(root, ec);
    for (const auto& e : fs::directory_iterator(root, ec))  // older script versions
        if (e.path().filename().string().rfind(version, 0) != 0 && e.path().filename().string().rfind("tmp-", 0) != 0)
            fs::remove_all(e.path(), ec);
    std::mt19937_64 rng(std::random_device{}());
    const fs::path tmp = root / ("tmp-" + std::to_string(getpid()) + "-" + std::to_string(rng() % 1000000));
    const std::string cmd = std::string(TESSERA_PYTHON) + " '" + scriptPath().string() + "' '" + tmp.string() + "' '" +
                            markerPath().string() + "' " + sets + " > '" + tmp.string() + ".log' 2>&1";
    if (std::system(cmd.c_str()) != 0) {
        std::ifstream log(tmp.string() + ".log");
        std::stringstream ss;
        ss << log.rdbuf();
        ADD_FAILURE() << "fixture script failed: " << cmd << "\n" << ss.str();
        fs::remove_all(tmp, ec);
        return {};
    }
    fs::remove(tmp.string() + ".log", ec);
    std::ofstream(tmp / "done") << "ok\n";
    fs::rename(tmp, dir, ec);  // another process may have won the race: use its copy
    if (ec) fs::remove_all(tmp, ec);
    return dir;
}

inline std::vector<float> readF32(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<float> out(bytes.size() / 4);
    std::memcpy(out.data(), bytes.data(), out.size() * 4);  // little-endian host
    return out;
}

inline torch::Tensor readTensor(const fs::path& path, std::vector<int64_t> shape) {
    auto v = readF32(path);
    return torch::from_blob(v.data(), {static_cast<int64_t>(v.size())}, torch::kFloat).clone().reshape(shape);
}

// max |a - b| / max |b|: the parity measure of the issue.
inline double maxRelError(const torch::Tensor& a, const torch::Tensor& b) {
    return (a - b).abs().max().item<double>() / std::max(1e-12, b.abs().max().item<double>());
}

inline std::vector<std::string> readLines(const fs::path& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);)
        if (!l.empty()) lines.push_back(l);
    return lines;
}

inline std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace tessera::nntest
