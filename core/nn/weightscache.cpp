#include "core/nn/weightscache.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <vector>

namespace fs = std::filesystem;

namespace tessera::nn {

const char* cacheStateName(CacheState state) {
    switch (state) {
        case CacheState::Missing: return "missing";
        case CacheState::Partial: return "partial";
        case CacheState::Present: return "present";
        case CacheState::Verified: return "verified";
        case CacheState::Corrupt: return "corrupt";
    }
    return "unknown";
}

fs::path WeightsCache::defaultDir() {
    if (const char* d = std::getenv("TESSERA_CACHE_DIR"); d && *d) return fs::path(d);
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "tessera" / "weights";
    if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".cache" / "tessera" / "weights";
    std::error_code ec;
    return fs::temp_directory_path(ec) / "tessera" / "weights";
}

fs::path WeightsCache::torchHubPath(const ZooEntry& entry) {
    fs::path home;
    if (const char* t = std::getenv("TORCH_HOME"); t && *t)
        home = t;
    else if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x)
        home = fs::path(x) / "torch";
    else if (const char* h = std::getenv("HOME"); h && *h)
        home = fs::path(h) / ".cache" / "torch";
    else
        return {};
    return home / "hub" / "checkpoints" / entry.fileName;
}

WeightsCache::WeightsCache(fs::path dir, util::DownloadOptions options) : dir_(std::move(dir)), options_(options) {}

fs::path WeightsCache::pathFor(const ZooEntry& entry) const { return dir_ / entry.fileName; }

CacheStatus WeightsCache::status(const ZooEntry& entry, bool verify) const {
    CacheStatus s;
    s.path = pathFor(entry);
    std::error_code ec;
    if (fs::is_regular_file(s.path, ec)) {
        s.bytes = int64_t(fs::file_size(s.path, ec));
        s.state = CacheState::Present;
        if (verify) {
            auto digest = util::Downloader::verifySha256Prefix(s.path, entry.sha256Prefix);
            s.state = digest ? CacheState::Verified : CacheState::Corrupt;
            if (!digest) s.message = digest.error();
        }
        return s;
    }
    const fs::path part = util::Downloader::partPath(s.path);
    if (fs::is_regular_file(part, ec)) {
        s.state = CacheState::Partial;
        s.bytes = int64_t(fs::file_size(part, ec));
    }
    return s;
}

bool WeightsCache::has(const ZooEntry& entry) const {
    const CacheState state = status(entry).state;
    return state == CacheState::Present || state == CacheState::Verified;
}

Expected<fs::path> WeightsCache::download(const ZooEntry& entry, const JobContext& ctx) const {
    auto r = util::Downloader(options_).download(entry.url, pathFor(entry), entry.sha256Prefix, ctx);
    if (!r) return makeError(entry.name + ": " + r.error());
    return r->path;
}

Expected<fs::path> WeightsCache::importFile(const ZooEntry& entry, const fs::path& localFile,
                                            const JobContext& ctx) const {
    std::error_code ec;
    if (!fs::is_regular_file(localFile, ec)) return makeError("cannot import " + localFile.string() + ": no such file");
    const fs::path dest = pathFor(entry);
    if (fs::exists(dest, ec) && fs::equivalent(localFile, dest, ec)) {
        auto digest = util::Downloader::verifySha256Prefix(dest, entry.sha256Prefix);
        if (!digest) return makeError(entry.name + ": " + digest.error());
        return dest;
    }
    fs::create_directories(dir_, ec);
    if (ec) return makeError("cannot create the weights cache " + dir_.string() + ": " + ec.message());

    // Copy next to the destination (same file system, so the final rename is atomic), hash the copy, then rename:
    // what lands in the cache is exactly what was verified.
    fs::path tmp = dest;
    tmp += ".import-" + std::to_string(getpid());
    {
        std::ifstream in(localFile, std::ios::binary);
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!in) return makeError("cannot read " + localFile.string());
        if (!out) return makeError("cannot write " + tmp.string());
        const int64_t total = int64_t(fs::file_size(localFile, ec));
        std::vector<char> buf(1 << 20);
        int64_t done = 0;
        while (in) {
            if (ctx.cancelled()) {
                out.close();
                fs::remove(tmp, ec);
                return makeError("import of " + localFile.string() + " cancelled");
            }
            in.read(buf.data(), std::streamsize(buf.size()));
            const std::streamsize n = in.gcount();
            if (n <= 0) break;
            out.write(buf.data(), n);
            done += n;
            ctx.report(Progress{.stage = "import", .done = done, .total = total, .message = localFile.filename().string()});
        }
        out.close();
        if (in.bad() || !out) {
            fs::remove(tmp, ec);
            return makeError("copying " + localFile.string() + " to " + tmp.string() + " failed (disk full?)");
        }
    }
    ctx.report(Progress{.stage = "verify", .message = localFile.filename().string()});
    auto digest = util::Downloader::verifySha256Prefix(tmp, entry.sha256Prefix);
    if (!digest) {
        fs::remove(tmp, ec);
        const std::string& msg = digest.error();
        // Re-point the message at the user's file rather than our temporary copy.
        const auto colon = msg.find(": ");
        return makeError(localFile.string() + " is not the " + entry.name + " weights file (" + entry.fileName +
                         "); refused: " + (colon == std::string::npos ? msg : msg.substr(colon + 2)));
    }
    fs::rename(tmp, dest, ec);
    if (ec) {
        const std::string why = ec.message();
        fs::remove(tmp, ec);
        return makeError("cannot move the imported file to " + dest.string() + ": " + why);
    }
    fs::remove(util::Downloader::partPath(dest), ec);  // a stale interrupted download is no longer needed
    return dest;
}

}  // namespace tessera::nn
