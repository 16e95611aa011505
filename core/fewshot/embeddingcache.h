#pragma once
// Pooled ResNet features of a project's photos for one model, cached on disk under
// <project data>/embeddings/<model-key>/ (<root>/.tessera or per user, projectlocation.h) by content hash, so the quick model and active learning never run the
// network twice on the same photo. Model key = SHA-256 of the model file + the input size. Torch-free header.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/util/expected.h"
#include "core/util/jobcontext.h"

namespace tessera::learn {

struct EmbeddingOptions {
    // Crop side fed to the network. 0: the model's own (a trained bundle records it); for a plain
    // weights file 128, the trainer's default, so the decoded canvases in .tessera/cache are shared with training.
    int inputSize = 0;
    int batchSize = 32;
    std::string device = "auto";  // auto | cpu | cuda
    int threads = 0;              // LibTorch CPU threads; 0 leaves the current setting
    std::string arch;             // for a plain weights file; empty: inferred from the tensors
    bool persist = true;          // false: compute only, write nothing
    static EmbeddingOptions defaults() { return EmbeddingOptions{}; }
};

struct EmbeddingRequest {
    std::filesystem::path path;  // absolute
    std::string contentHash;     // SHA-256 hex; computed from the file when empty
};

struct Embeddings {
    int64_t dim = 0;
    std::vector<float> values;          // rows * dim, request order; zeros where ok is 0
    std::vector<char> ok;               // 1 if computed or read from the cache
    std::vector<std::string> hashes;    // content hash of each request (empty when the file was unreadable)
    std::vector<std::string> failures;  // "path: reason"
    int64_t computed = 0, reused = 0;
    // Why the new rows (or the decoded photos behind them) could not be kept on disk, e.g. "no space left on the
    // device"; empty when they were. The embeddings are still returned: the next run computes them again.
    std::string notSaved;
    const float* row(size_t i) const { return values.data() + i * size_t(dim); }
};

class EmbeddingCache {
public:
    // modelFile: a model bundle (.tessera-model), or a ResNet weights file (.pth or
    // .safetensors, torchvision names). Loads the network once; errors name the file.
    static Expected<EmbeddingCache> open(const std::filesystem::path& projectRoot,
                                         const std::filesystem::path& modelFile,
                                         const EmbeddingOptions& options = EmbeddingOptions::defaults());
    EmbeddingCache(EmbeddingCache&&) noexcept;
    EmbeddingCache& operator=(EmbeddingCache&&) noexcept;
    ~EmbeddingCache();

    // Embeddings of `requests`: cached rows are read back, only new content hashes go through the network (in
    // batches), and are appended to the cache. Unreadable photos are listed in failures, never fatal; nor is a
    // cache that cannot be written (Embeddings::notSaved).
    Expected<Embeddings> compute(const std::vector<EmbeddingRequest>& requests, const JobContext& ctx);

    const std::string& modelKey() const;
    std::filesystem::path directory() const;
    int64_t dim() const;
    int inputSize() const;
    std::string architecture() const;
    std::string deviceName() const;

private:
    struct Impl;
    explicit EmbeddingCache(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace tessera::learn
