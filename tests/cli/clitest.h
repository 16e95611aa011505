#pragma once
// What every tests/cli test needs to drive the real tessera-cli binary: a unique temporary folder, a shell-safe
// command line, and the exit code with stdout and stderr captured to files in that folder.
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace tessera::clitest {

struct Result {
    int rc = -1;
    std::string out, err;
};

inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Single-quotes for /bin/sh.
inline std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

// A new, empty folder under the system temp folder whose name starts with `prefix`.
inline std::filesystem::path makeTempDir(const std::string& prefix) {
    std::random_device rd;
    const auto dir = std::filesystem::temp_directory_path() /
                     (prefix + "-" + std::to_string(rd()) + "-" +
                      std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    std::filesystem::create_directories(dir);
    return dir;
}

// Runs a shell command with stdin from /dev/null; stdout/stderr go through files in `dir`.
inline Result runShell(std::string cmd, const std::filesystem::path& dir) {
    const auto out = dir / "stdout.txt", err = dir / "stderr.txt";
    cmd += " >" + quote(out.string()) + " 2>" + quote(err.string()) + " </dev/null";
    const int status = std::system(cmd.c_str());
    Result r;
    r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
}

// tessera-cli with `args`; `env` is a prefix of VAR=value assignments for the child only.
inline Result runCli(const std::vector<std::string>& args, const std::filesystem::path& dir,
                     const std::string& env = "") {
    std::string cmd = env.empty() ? std::string() : "env " + env + " ";
    cmd += quote(TESSERA_CLI_PATH);
    for (const auto& a : args) cmd += " " + quote(a);
    return runShell(cmd, dir);
}

// A fixture for tests that work on a small generated demo collection: a temporary folder (removed afterwards) with
// make-demo's photos in <dir>/demo, scanned into a project when asked.
class DemoFolderTest : public ::testing::Test {
protected:
    DemoFolderTest(std::string prefix, int perClass, int seed, bool scanned)
        : prefix_(std::move(prefix)), perClass_(perClass), seed_(seed), scanned_(scanned) {}
    void SetUp() override {
        dir_ = makeTempDir(prefix_);
        demo_ = (dir_ / "demo").string();
        const Result made = run({"make-demo", demo_, "--per-class", std::to_string(perClass_), "--seed",
                                 std::to_string(seed_)});
        ASSERT_EQ(made.rc, 0) << made.err;
        if (!scanned_) return;
        const Result scan = run({"scan", demo_, "--threads", "2"});
        ASSERT_EQ(scan.rc, 0) << scan.err;
    }
    void TearDown() override {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    Result run(const std::vector<std::string>& args) { return runCli(args, dir_); }

    std::filesystem::path dir_;
    std::string demo_;

private:
    std::string prefix_;
    int perClass_, seed_;
    bool scanned_;
};

}  // namespace tessera::clitest
