#include "core/util/downloader.h"

#include <curl/curl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>
#include <mutex>
#include <system_error>

#include "core/util/sha256.h"

namespace fs = std::filesystem;

namespace tessera::util {
namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

void globalInit() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

int64_t fileSize(const fs::path& p) {
    std::error_code ec;
    const auto size = fs::file_size(p, ec);
    return ec ? 0 : int64_t(size);
}

// State shared with the libcurl callbacks of one transfer.
struct Transfer {
    std::FILE* out = nullptr;
    int64_t offset = 0;          // bytes of .part kept from an earlier attempt
    bool writeFailed = false;
    const JobContext* ctx = nullptr;
};

size_t onWrite(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const size_t bytes = size * count;
    if (!t->out || std::fwrite(data, 1, bytes, t->out) != bytes) {
        t->writeFailed = true;
        return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
    }
    return bytes;
}

int onProgress(void* user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t, curl_off_t) {
    auto* t = static_cast<Transfer*>(user);
    if (t->ctx->cancelled()) return 1;  // CURLE_ABORTED_BY_CALLBACK
    Progress p;
    p.stage = "download";
    p.done = t->offset + int64_t(dlnow);
    p.total = dltotal > 0 ? t->offset + int64_t(dltotal) : 0;
    t->ctx->report(p);
    return 0;
}

enum class Attempt { Done, RetryFromZero, Failed };

struct FileCloser {
    void operator()(std::FILE* f) const {
        if (f) std::fclose(f);  // also releases the flock
    }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

}  // namespace

Downloader::Downloader(DownloadOptions options) : options_(options) {}

fs::path Downloader::partPath(const fs::path& dest) {
    fs::path p = dest;
    p += ".part";
    return p;
}

Expected<std::string> Downloader::verifySha256Prefix(const fs::path& file, const std::string& prefix) {
    auto digest = sha256File(file);
    if (!digest) return digest.takeError();
    const std::string want = lower(prefix);
    const std::string& got = *digest;
    if (got.compare(0, want.size(), want) != 0) {
        const std::string gotPrefix = got.substr(0, std::max<size_t>(want.size(), 8));
        return makeError("SHA-256 mismatch for " + file.string() + ": expected a hash starting with " + want +
                         ", got " + gotPrefix + " (full hash " + got + ")");
    }
    return digest;
}

Expected<DownloadResult> Downloader::download(const std::string& url, const fs::path& dest,
                                              const std::string& expectedSha256Prefix, const JobContext& ctx) const {
    std::error_code ec;
    if (dest.has_parent_path()) {
        fs::create_directories(dest.parent_path(), ec);
        if (ec) return makeError("cannot create folder " + dest.parent_path().string() + ": " + ec.message());
    }
    // Already in place and intact: nothing to fetch.
    if (fs::is_regular_file(dest, ec)) {
        auto existing = verifySha256Prefix(dest, expectedSha256Prefix);
        if (existing) return DownloadResult{dest, *existing, fileSize(dest), 0};
    }
    globalInit();
    const fs::path part = partPath(dest);
    int64_t resumedFrom = 0;
    std::string failure;
    FilePtr held;  // the .part, locked until it has been verified and renamed

    for (int attempt = 0; attempt < 2; ++attempt) {
        if (ctx.cancelled()) return makeError("download of " + url + " cancelled");
        // Opened for appending (never truncated before the lock is ours), then locked so that a second process
        // (the GUI and tessera-cli at once) cannot append to the same .part.
        FilePtr file(std::fopen(part.c_str(), "ab"));
        if (!file) return makeError("cannot write " + part.string());
        if (flock(fileno(file.get()), LOCK_EX | LOCK_NB) != 0)
            return makeError(part.string() + " is being downloaded by another process (another Tessera window or "
                             "tessera-cli?); try again when it has finished");
        Transfer t;
        t.ctx = &ctx;
        t.out = file.get();
        t.offset = options_.resume ? fileSize(part) : 0;
        if (t.offset == 0 && ftruncate(fileno(file.get()), 0) != 0)
            return makeError("cannot write " + part.string());
        CURL* curl = curl_easy_init();
        if (!curl) return makeError("libcurl could not start a transfer for " + url);
        char errbuf[CURL_ERROR_SIZE] = {0};
        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
#if LIBCURL_VERSION_NUM >= 0x075500
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https,file");
        curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#endif
        curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
        curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_USERAGENT, "tessera/" TESSERA_VERSION);
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, options_.connectTimeoutSeconds);
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, options_.lowSpeedBytesPerSecond);
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, options_.lowSpeedSeconds);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, onWrite);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
        curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, onProgress);
        curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);
        if (t.offset > 0) curl_easy_setopt(curl, CURLOPT_RESUME_FROM_LARGE, curl_off_t(t.offset));

        const CURLcode rc = curl_easy_perform(curl);
        long status = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(curl);
        const bool closeOk = std::fflush(file.get()) == 0;
        const int64_t have = fileSize(part);
        const std::string detail = errbuf[0] ? std::string(errbuf) : std::string(curl_easy_strerror(rc));

        Attempt outcome = Attempt::Failed;
        if (rc == CURLE_OK && closeOk) {
            resumedFrom = t.offset;
            outcome = Attempt::Done;
        } else if (rc == CURLE_ABORTED_BY_CALLBACK && ctx.cancelled()) {
            return makeError("download of " + url + " cancelled after " + std::to_string(have) + " bytes; " +
                             part.string() + " is kept and the next download resumes from it");
        } else if (t.offset > 0 && (rc == CURLE_RANGE_ERROR || rc == CURLE_BAD_DOWNLOAD_RESUME ||
                                    (rc == CURLE_HTTP_RETURNED_ERROR && status == 416))) {
            // The kept .part cannot be continued: the server ignores Range (libcurl refuses to append a 200 reply
            // to it) or the .part is not shorter than the file. Start over from zero.
            outcome = Attempt::RetryFromZero;
        } else if (rc == CURLE_HTTP_RETURNED_ERROR) {
            failure = "download of " + url + " failed: HTTP status " + std::to_string(status);
        } else if (rc == CURLE_WRITE_ERROR || t.writeFailed || !closeOk) {
            failure = "download of " + url + " failed: cannot write " + part.string() + " (disk full?)";
        } else {
            failure = "download of " + url + " failed after " + std::to_string(have) + " bytes: " + detail;
            if (have > 0) failure += "; " + part.string() + " is kept and the next download resumes from it";
        }
        if (outcome == Attempt::Done) {
            held = std::move(file);
            break;
        }
        if (outcome == Attempt::RetryFromZero) {
            file.reset();
            fs::remove(part, ec);
            continue;
        }
        if (have == 0) fs::remove(part, ec);  // nothing worth resuming
        return makeError(failure);
    }

    Progress verify;
    verify.stage = "verify";
    verify.message = dest.filename().string();
    ctx.report(verify);
    auto digest = verifySha256Prefix(part, expectedSha256Prefix);
    if (!digest) {
        fs::remove(part, ec);
        return makeError("download of " + url + " is corrupt and was deleted: " + digest.error());
    }
    fs::rename(part, dest, ec);
    if (ec) return makeError("cannot move " + part.string() + " to " + dest.string() + ": " + ec.message());
    return DownloadResult{dest, *digest, fileSize(dest), resumedFrom};
}

}  // namespace tessera::util
