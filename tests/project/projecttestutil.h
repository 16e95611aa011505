#pragma once
// Shared helpers for the project tests: a self-removing temp folder, small real images written with OpenCV, and a
// way to run code as an unprivileged user (tests may run as root, which ignores permission bits).
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <random>
#include <string>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

namespace tessera::project::testing {

// Sets an environment variable for a scope and puts back what was there before.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const std::string& value) : name_(name) {
        if (const char* old = std::getenv(name)) saved_ = old;
        ::setenv(name, value.c_str(), 1);
    }
    ~ScopedEnv() {
        if (saved_) ::setenv(name_, saved_->c_str(), 1);
        else ::unsetenv(name_);
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char* name_;
    std::optional<std::string> saved_;
};

class TempDir {
public:
    TempDir() {
        static std::atomic<int> counter{0};
        const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
        path_ = std::filesystem::temp_directory_path() /
                ("tessera-project-test-" + std::to_string(::getpid()) + "-" + std::to_string(stamp) + "-" +
                 std::to_string(counter++));
        std::filesystem::create_directories(path_);
        std::filesystem::permissions(path_, std::filesystem::perms::all);  // reachable by the unprivileged child
    }
    ~TempDir() {
        std::error_code ec;
        // Restore write permission first so removal works when a test made things read-only.
        for (auto it = std::filesystem::recursive_directory_iterator(path_, ec);
             !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
            if (!it->is_symlink()) std::filesystem::permissions(it->path(), std::filesystem::perms::owner_all,
                                                                std::filesystem::perm_options::add, ec);
        std::filesystem::permissions(path_, std::filesystem::perms::owner_all, std::filesystem::perm_options::add, ec);
        std::filesystem::remove_all(path_, ec);
    }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// A small noisy image: distinct content (and hash) for each seed.
inline void writeImage(const std::filesystem::path& path, int seed, int width = 48, int height = 32) {
    std::filesystem::create_directories(path.parent_path());
    cv::Mat image(height, width, CV_8UC3);
    cv::RNG rng(static_cast<uint64_t>(seed) * 7919 + 17);
    rng.fill(image, cv::RNG::UNIFORM, 0, 255);
    if (!cv::imwrite(path.string(), image)) throw std::runtime_error("cannot write test image " + path.string());
}

inline std::string readText(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void writeText(const std::filesystem::path& path, const std::string& text) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << text;
}

// Runs `body` in a forked child, as user/group 65534 (nobody) when we are root, and returns what it returned.
inline std::string runUnprivileged(const std::function<std::string()>& body) {
    int fds[2];
    if (::pipe(fds) != 0) return "pipe failed";
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(fds[0]);
        std::string result;
        if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) result = "SETUID FAILED";
        else result = body();
        const char* p = result.data();
        size_t left = result.size();
        while (left > 0) {
            const ssize_t w = ::write(fds[1], p, left);
            if (w <= 0) break;
            p += w;
            left -= size_t(w);
        }
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string out;
    char buffer[4096];
    for (ssize_t r; (r = ::read(fds[0], buffer, sizeof buffer)) > 0;) out.append(buffer, size_t(r));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return out;
}

}  // namespace tessera::project::testing
