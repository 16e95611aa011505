#pragma once
// What `predict` runs over: folders (walked for image files), single files, list files (@list.txt or *.txt, one
// path a line) and Tessera project folders (their scanned images, optionally only the unlabelled ones), merged into
// one sorted, duplicate-free list that shards split deterministically. Torch-free.
#include <filesystem>
#include <string>
#include <vector>

#include "core/util/expected.h"

namespace tessera::learn {

struct PredictInputOptions {
    bool recursive = true;        // walk sub-folders of folder inputs
    bool unlabelledOnly = false;  // project inputs: only images without a label, or with a disputed one
    static PredictInputOptions defaults() { return PredictInputOptions{}; }
};

struct PredictInputList {
    std::vector<std::filesystem::path> files;  // sorted by path string (byte order), no duplicates
    std::vector<std::string> problems;         // folders that could not be listed, with the reason
};

class PredictInputs {
public:
    // Every input must exist; the error names the one that does not.
    static Expected<PredictInputList> collect(const std::vector<std::string>& inputs,
                                              const PredictInputOptions& options = PredictInputOptions::defaults());
    // Shard k of n (1-based): the files at sorted positions i with i % n == k - 1. Round-robin rather than
    // contiguous ranges, so shards stay balanced when a folder of large photos sorts together.
    static std::vector<std::filesystem::path> shard(const std::vector<std::filesystem::path>& files, int k, int n);
    // "k/n" -> (k, n) with 1 <= k <= n.
    static Expected<std::pair<int, int>> parseShard(const std::string& text);
    static bool isProject(const std::filesystem::path& folder);
};

}  // namespace tessera::learn
