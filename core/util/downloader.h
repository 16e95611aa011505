#pragma once
// Fetches one file (http, https or file URL) into place: streams to "<dest>.part", resumes an interrupted .part with
// a Range request, verifies the SHA-256 prefix of the complete file (torchvision's "name-<hash prefix>.pth"
// convention) and only then renames it atomically to <dest>. Used for the pretrained weights cache.
#include <cstdint>
#include <filesystem>
#include <string>

#include "core/util/expected.h"
#include "core/util/jobcontext.h"

namespace tessera::util {

struct DownloadOptions {
    long connectTimeoutSeconds = 30;
    // Abort when fewer than lowSpeedBytesPerSecond arrive for lowSpeedSeconds (a stalled connection).
    long lowSpeedBytesPerSecond = 1024;
    long lowSpeedSeconds = 60;
    bool resume = true;  // continue an existing .part instead of starting over
    static DownloadOptions defaults() { return DownloadOptions{}; }
};

struct DownloadResult {
    std::filesystem::path path;  // the final, verified file
    std::string sha256;          // full lower-case hex digest
    int64_t bytes = 0;
    int64_t resumedFrom = 0;     // bytes kept from an earlier .part (0 when started from zero)
};

class Downloader {
public:
    explicit Downloader(DownloadOptions options = DownloadOptions::defaults());

    // Progress is reported with stage "download" (bytes done/total) and then "verify". Cancelling keeps the .part
    // so that the next call resumes. On a hash mismatch the downloaded file is deleted.
    Expected<DownloadResult> download(const std::string& url, const std::filesystem::path& dest,
                                      const std::string& expectedSha256Prefix, const JobContext& ctx) const;

    // The .part path used for `dest`.
    static std::filesystem::path partPath(const std::filesystem::path& dest);

    // Checks that the SHA-256 of `file` starts with `prefix` (case-insensitive; an empty prefix accepts anything).
    // Returns the full digest, or an error naming the file and the expected vs actual prefix.
    static Expected<std::string> verifySha256Prefix(const std::filesystem::path& file, const std::string& prefix);

private:
    DownloadOptions options_;
};

}  // namespace tessera::util
