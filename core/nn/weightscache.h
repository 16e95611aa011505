#pragma once
// The local store of pretrained weights files (one file per zoo entry, under the torchvision file name). Files only
// enter it verified: downloads and offline imports are checked against the entry's SHA-256 prefix before an atomic
// rename, so a file present in the cache was intact when it was put there. Torch-free for the UI and CLI.
#include <cstdint>
#include <filesystem>
#include <string>

#include "core/nn/modelzoo.h"
#include "core/util/downloader.h"
#include "core/util/expected.h"
#include "core/util/jobcontext.h"

namespace tessera::nn {

enum class CacheState {
    Missing,   // nothing there
    Partial,   // an interrupted download (.part) that the next download resumes
    Present,   // the file is there (not re-hashed)
    Verified,  // the file is there and its SHA-256 matches (status with verify = true)
    Corrupt,   // the file is there but its SHA-256 does not match
};

struct CacheStatus {
    CacheState state = CacheState::Missing;
    std::filesystem::path path;  // where the file is or will be
    int64_t bytes = 0;           // size of the file, or of the .part when Partial
    std::string message;         // the mismatch when Corrupt
};

const char* cacheStateName(CacheState state);  // "missing", "partial", "present", "verified", "corrupt"

class WeightsCache {
public:
    // $TESSERA_CACHE_DIR, else $XDG_CACHE_HOME/tessera/weights, else ~/.cache/tessera/weights.
    static std::filesystem::path defaultDir();

    // Where torch.hub keeps the same file ($TORCH_HOME, else $XDG_CACHE_HOME/torch, else ~/.cache/torch, then
    // hub/checkpoints/<file>): a machine that ran torchvision already has the weights to import.
    static std::filesystem::path torchHubPath(const ZooEntry& entry);

    explicit WeightsCache(std::filesystem::path dir = defaultDir(),
                          util::DownloadOptions options = util::DownloadOptions::defaults());

    const std::filesystem::path& dir() const { return dir_; }
    std::filesystem::path pathFor(const ZooEntry& entry) const;

    // verify = true re-hashes the file (a second or so for the big nets).
    CacheStatus status(const ZooEntry& entry, bool verify = false) const;
    // The entry's file is there (Present; not re-hashed).
    bool has(const ZooEntry& entry) const;

    // The verified file, downloading it first (resuming a .part) when needed.
    Expected<std::filesystem::path> download(const ZooEntry& entry, const JobContext& ctx) const;

    // Offline install: copies `localFile` (e.g. fetched on another machine) into the cache after checking its
    // SHA-256 prefix; a file that does not match is refused with the expected vs actual prefix.
    Expected<std::filesystem::path> importFile(const ZooEntry& entry, const std::filesystem::path& localFile,
                                               const JobContext& ctx) const;

private:
    std::filesystem::path dir_;
    util::DownloadOptions options_;
};

}  // namespace tessera::nn
