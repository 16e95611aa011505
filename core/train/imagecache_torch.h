#pragma once
// Decoded-image cache: every photo decoded once (DCT-reduced JPEG decode) to a square uint8 canvas (long side fitted,
// see Canvas), all photos in ONE tensor (N, 3, C, C), persisted under <root>/.tessera/cache/<C>/ keyed by content
// hash (one folder per canvas size and framing), so the next run starts without decoding and an edited photo (new hash) is decoded again.
#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_set>
#include <vector>

#include <torch/torch.h>

#include "core/train/canvas.h"
#include "core/util/expected.h"
#include "core/util/jobcontext.h"

namespace tessera::learn {

struct CacheRequest {
    std::filesystem::path path;  // absolute
    std::string contentHash;     // SHA-256 hex; computed from the file when empty
};

struct CachedImages {
    torch::Tensor pixels;               // uint8 (N, 3, C, C), CPU, in request order; zeros where a decode failed
    std::vector<ContentBox> boxes;      // where each photo lies in its canvas
    std::vector<char> ok;               // 1 if decoded (or read from the cache)
    std::vector<std::string> failures;  // "path: reason" for each failed photo
    int64_t decoded = 0, reused = 0;
    // Why the new canvases could not be saved (a full disk), naming the file and the cause; empty when they were.
    // The photos are decoded all the same: the caller goes on, and the next load decodes them again.
    std::string notSaved;
};

struct CacheCompaction {
    int64_t kept = 0, dropped = 0;  // canvases kept / dropped (no project photo has their hash any more)
    uint64_t bytesFreed = 0;
};

struct ImageCacheOptions {
    int canvas = 160;      // 1.25 x the 128 px crop
    Framing framing = Framing::Photo;  // Find: the canvas shows the find's box (a cache folder of its own)
    unsigned threads = 0;  // decode threads; 0 = one per core
    bool persist = true;   // false: decode only, write nothing
    static ImageCacheOptions defaults() { return ImageCacheOptions{}; }
};

class ImageCache {
public:
    // cacheRoot: usually <root>/.tessera/cache; the files go to cacheRoot/<canvas>/ (cacheRoot/<canvas>-find/ for
    // Framing::Find).
    ImageCache(std::filesystem::path cacheRoot, ImageCacheOptions options = ImageCacheOptions::defaults());

    Expected<CachedImages> load(const std::vector<CacheRequest>& requests, const JobContext& ctx);

    // Drops the canvases whose content hash is not in `keep` (photos edited or removed since they were cached),
    // rewriting the data file; crash-safe (the index switches to the new file atomically). Nothing to drop, or
    // fewer than minDeadShare of the canvases: the file is left as it is (kept counts all, dropped is 0).
    Expected<CacheCompaction> compact(const std::unordered_set<std::string>& keep, const JobContext& ctx,
                                      double minDeadShare = 0.0);

    std::filesystem::path directory() const;
    // Canvas side for a crop size: 1.25 x, rounded to a multiple of 8.
    static int canvasForCrop(int cropSize);

private:
    std::filesystem::path root_;
    ImageCacheOptions options_;
};

}  // namespace tessera::learn
