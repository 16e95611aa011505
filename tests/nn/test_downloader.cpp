// Downloader against a local HTTP server (tests/nn/http_server.py): success with hash check, resume after an
// interrupted transfer (Range request), a server that ignores Range, hash mismatch, HTTP 404, cancel, file:// URLs.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "core/util/downloader.h"
#include "core/util/sha256.h"

namespace fs = std::filesystem;
using tessera::JobContext;
using tessera::Progress;
using tessera::util::Downloader;

namespace {

std::string readText(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Runs http_server.py in a child process; the first stdout line is the port it bound.
class HttpServer {
public:
    HttpServer(const fs::path& root, const fs::path& log) {
        int fds[2];
        if (pipe(fds) != 0) return;
        pid_ = fork();
        if (pid_ == 0) {
            dup2(fds[1], STDOUT_FILENO);
            close(fds[0]);
            close(fds[1]);
            const std::string script = std::string(TESSERA_SOURCE_DIR) + "/tests/nn/http_server.py";
            const std::string rootArg = root.string(), logArg = log.string();
            execl(TESSERA_PYTHON, TESSERA_PYTHON, script.c_str(), "--root", rootArg.c_str(), "--log",
                  logArg.c_str(), static_cast<char*>(nullptr));
            _exit(127);
        }
        close(fds[1]);
        std::FILE* out = fdopen(fds[0], "r");
        char line[64] = {0};
        if (out && std::fgets(line, sizeof line, out)) port_ = std::atoi(line);
        if (out) std::fclose(out);
    }
    ~HttpServer() {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            waitpid(pid_, nullptr, 0);
        }
    }
    int port() const { return port_; }
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port_) + path;
    }

private:
    pid_t pid_ = -1;
    int port_ = 0;
};

class DownloaderTest : public ::testing::Test {
protected:
    void SetUp() override {
        const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
        dir_ = fs::temp_directory_path() / ("tessera_dl_" + std::to_string(getpid()) + "_" + std::to_string(stamp));
        fs::create_directories(dir_ / "served");
        fs::create_directories(dir_ / "cache");
        // 3 MB of random bytes, named like torchvision's files: <name>-<sha256 prefix>.pth
        std::mt19937 rng(1234);
        data_.resize(3 * 1024 * 1024);
        for (auto& c : data_) c = char(rng() & 0xff);
        sha_ = tessera::util::sha256Hex(data_);
        name_ = "tiny-" + sha_.substr(0, 8) + ".pth";
        std::ofstream(dir_ / "served" / name_, std::ios::binary).write(data_.data(), std::streamsize(data_.size()));
        server_ = std::make_unique<HttpServer>(dir_ / "served", dir_ / "requests.log");
        ASSERT_GT(server_->port(), 0) << "test HTTP server did not start";
    }
    void TearDown() override {
        server_.reset();
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    std::string prefix() const { return sha_.substr(0, 8); }
    fs::path dest() const { return dir_ / "cache" / name_; }

    fs::path dir_;
    std::string data_, sha_, name_;
    std::unique_ptr<HttpServer> server_;
};

TEST_F(DownloaderTest, DownloadsAndVerifies) {
    int64_t lastDone = 0, lastTotal = 0;
    bool sawVerify = false;
    JobContext ctx;
    ctx.onProgress = [&](const Progress& p) {
        if (p.stage == "download") lastDone = p.done, lastTotal = p.total;
        if (p.stage == "verify") sawVerify = true;
    };
    auto r = Downloader().download(server_->url("/files/" + name_), dest(), prefix(), ctx);
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(r->sha256, sha_);
    EXPECT_EQ(r->bytes, int64_t(data_.size()));
    EXPECT_EQ(r->resumedFrom, 0);
    EXPECT_EQ(readText(dest()), data_);
    EXPECT_FALSE(fs::exists(Downloader::partPath(dest())));
    EXPECT_EQ(lastDone, int64_t(data_.size()));
    EXPECT_EQ(lastTotal, int64_t(data_.size()));
    EXPECT_TRUE(sawVerify);
}

TEST_F(DownloaderTest, ResumesAfterInterruption) {
    const int64_t half = int64_t(data_.size() / 2);
    const std::string url = server_->url("/cutonce/" + std::to_string(half) + "/" + name_);
    auto first = Downloader().download(url, dest(), prefix(), JobContext{});
    ASSERT_FALSE(first.ok());
    EXPECT_NE(first.error().find("resumes"), std::string::npos) << first.error();
    EXPECT_FALSE(fs::exists(dest()));
    ASSERT_TRUE(fs::exists(Downloader::partPath(dest())));
    EXPECT_EQ(int64_t(fs::file_size(Downloader::partPath(dest()))), half);

    auto second = Downloader().download(url, dest(), prefix(), JobContext{});
    ASSERT_TRUE(second.ok()) << second.error();
    EXPECT_EQ(second->resumedFrom, half);
    EXPECT_EQ(readText(dest()), data_);
    const std::string log = readText(dir_ / "requests.log");
    EXPECT_NE(log.find("bytes=" + std::to_string(half) + "-"), std::string::npos) << log;
}

TEST_F(DownloaderTest, RestartsWhenServerIgnoresRange) {
    // A stale .part whose bytes are wrong: the server answers 200, so the download must start over, not append.
    std::ofstream(Downloader::partPath(dest()), std::ios::binary) << std::string(1000, 'x');
    auto r = Downloader().download(server_->url("/norange/" + name_), dest(), prefix(), JobContext{});
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(r->resumedFrom, 0);
    EXPECT_EQ(readText(dest()), data_);
    EXPECT_NE(readText(dir_ / "requests.log").find("bytes=1000-"), std::string::npos);
}

TEST_F(DownloaderTest, HashMismatchDeletesFile) {
    auto r = Downloader().download(server_->url("/files/" + name_), dest(), "00000000", JobContext{});
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("expected a hash starting with 00000000"), std::string::npos) << r.error();
    EXPECT_NE(r.error().find(prefix()), std::string::npos) << r.error();
    EXPECT_FALSE(fs::exists(dest()));
    EXPECT_FALSE(fs::exists(Downloader::partPath(dest())));
}

TEST_F(DownloaderTest, ReportsHttpStatus) {
    const std::string url = server_->url("/files/missing-12345678.pth");
    auto r = Downloader().download(url, dir_ / "cache" / "missing-12345678.pth", "12345678", JobContext{});
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("404"), std::string::npos) << r.error();
    EXPECT_NE(r.error().find(url), std::string::npos) << r.error();
    EXPECT_FALSE(fs::exists(dir_ / "cache" / "missing-12345678.pth.part"));
}

TEST_F(DownloaderTest, CancelKeepsPartForResume) {
    JobContext ctx;
    ctx.onProgress = [&](const Progress& p) {
        if (p.stage == "download" && p.done > 0) ctx.cancel.cancel();
    };
    auto r = Downloader().download(server_->url("/files/" + name_), dest(), prefix(), ctx);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("cancelled"), std::string::npos) << r.error();
    EXPECT_FALSE(fs::exists(dest()));
    // The next attempt, not cancelled, completes (resuming whatever was kept).
    auto again = Downloader().download(server_->url("/files/" + name_), dest(), prefix(), JobContext{});
    ASSERT_TRUE(again.ok()) << again.error();
    EXPECT_EQ(readText(dest()), data_);
}

TEST_F(DownloaderTest, RefusesPartLockedByAnotherDownload) {
    const fs::path part = Downloader::partPath(dest());
    std::FILE* other = std::fopen(part.c_str(), "ab");
    ASSERT_NE(other, nullptr);
    ASSERT_EQ(flock(fileno(other), LOCK_EX), 0);
    auto r = Downloader().download(server_->url("/files/" + name_), dest(), prefix(), JobContext{});
    std::fclose(other);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("another process"), std::string::npos) << r.error();
    auto again = Downloader().download(server_->url("/files/" + name_), dest(), prefix(), JobContext{});
    ASSERT_TRUE(again.ok()) << again.error();
}

TEST_F(DownloaderTest, FileUrlWorks) {
    const std::string url = "file://" + (dir_ / "served" / name_).string();
    auto r = Downloader().download(url, dest(), prefix(), JobContext{});
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(r->sha256, sha_);
    EXPECT_EQ(readText(dest()), data_);
}

TEST_F(DownloaderTest, VerifyPrefixNamesExpectedAndActual) {
    const fs::path f = dir_ / "served" / name_;
    auto good = Downloader::verifySha256Prefix(f, sha_.substr(0, 12));
    ASSERT_TRUE(good.ok()) << good.error();
    EXPECT_EQ(*good, sha_);
    auto upper = Downloader::verifySha256Prefix(f, "ABCDEF01");
    ASSERT_FALSE(upper.ok());
    EXPECT_NE(upper.error().find("abcdef01"), std::string::npos);
    EXPECT_NE(upper.error().find(sha_.substr(0, 8)), std::string::npos);
    EXPECT_NE(upper.error().find(f.string()), std::string::npos);
}

}  // namespace
