// Runs the built tessera-cli's --version and doctor: the version lines name LibTorch, CUDA and cuDNN; doctor prints
// the LibTorch line and, when CUDA is unusable, the exact reason; --require-gpu / --device cuda exit 1 with that
// reason where CUDA is unusable and 0 where it works (decided from the CLI's own device probe, --json).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/device/deviceinfo.h"

#include "tests/cli/clitest.h"

namespace fs = std::filesystem;

namespace {

using tessera::clitest::quote;
using tessera::clitest::Result;
using tessera::clitest::slurp;

class CliDoctorTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = tessera::clitest::makeTempDir("tessera-doctor-test");
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    // `env` is a prefix of VAR=value assignments for the child only.
    Result run(const std::vector<std::string>& args, const std::string& env = "") {
        return tessera::clitest::runCli(args, dir_, env);
    }

    nlohmann::json doctorJson() {
        const Result r = run({"doctor", "--json"});
        EXPECT_EQ(r.rc, 0) << r.err;
        return nlohmann::json::parse(r.out);
    }

    fs::path dir_;
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_F(CliDoctorTest, VersionNamesTesseraLibTorchCudaAndCudnn) {
    const Result r = run({"--version"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_TRUE(contains(r.out, std::string("tessera-cli ") + TESSERA_VERSION)) << r.out;
    // The same LibTorch the core was built against (this test links the same core). Whether it has CUDA comes from
    // the CLI's own probe: this test process links with --as-needed, which may drop libtorch_cuda.
    EXPECT_TRUE(contains(r.out, "LibTorch: " + tessera::learn::deviceInfo().torchVersion)) << r.out;
    const bool torchHasCuda = doctorJson().at("torch_has_cuda").get<bool>();
    // CUDA support is a CMake-level fact (TESSERA_WITH_CUDA): the CLI must run on the LibTorch it was built for.
    EXPECT_EQ(torchHasCuda, bool(TESSERA_WITH_CUDA)) << "CMake configured TESSERA_WITH_CUDA=" << TESSERA_WITH_CUDA;
    EXPECT_TRUE(contains(r.out, torchHasCuda ? "(CUDA build)" : "(CPU-only build)")) << r.out;
    EXPECT_TRUE(contains(r.out, "\nCUDA:")) << r.out;
    EXPECT_TRUE(contains(r.out, "\ncuDNN:")) << r.out;
    if (!torchHasCuda) {
        EXPECT_TRUE(contains(r.out, "CUDA:     none (CPU-only LibTorch build)")) << r.out;
        EXPECT_TRUE(contains(r.out, "cuDNN:    none")) << r.out;
    }
}

TEST_F(CliDoctorTest, ReportHasTheLibTorchLineAndTheCudaVerdict) {
    const Result r = run({"doctor"});
    ASSERT_EQ(r.rc, 0) << r.err;
    const nlohmann::json j = doctorJson();
    EXPECT_TRUE(contains(r.out, "Tessera:")) << r.out;
    EXPECT_TRUE(contains(r.out, "LibTorch:             " + j.at("torch_version").get<std::string>())) << r.out;
    EXPECT_TRUE(contains(r.out, "OpenCV:")) << r.out;
    EXPECT_TRUE(contains(r.out, "Weights cache:")) << r.out;
    EXPECT_TRUE(contains(r.out, "Result:")) << r.out;
    if (j.at("cuda_available").get<bool>()) {
        EXPECT_TRUE(contains(r.out, "CUDA available:       yes")) << r.out;
        EXPECT_TRUE(contains(r.out, "GPU 0:")) << r.out;
    } else {
        const std::string reason = j.at("cuda_unavailable_reason").get<std::string>();
        ASSERT_FALSE(reason.empty());
        EXPECT_TRUE(contains(r.out, "CUDA available:       no — " + reason)) << r.out;
    }
}

TEST_F(CliDoctorTest, JsonAgreesWithTheCoreProbe) {
    const nlohmann::json j = doctorJson();
    const auto& d = tessera::learn::deviceInfo();
    EXPECT_EQ(j.at("tessera_version"), TESSERA_VERSION);
    EXPECT_EQ(j.at("torch_version"), d.torchVersion);
    EXPECT_EQ(j.at("cuda_available").get<bool>(), j.at("cuda_unavailable_reason").get<std::string>().empty());
    if (!j.at("torch_has_cuda").get<bool>()) {
        EXPECT_FALSE(j.at("cuda_available").get<bool>());
    }
    EXPECT_FALSE(j.at("opencv_version").get<std::string>().empty());
    // Run from the build tree inside the source tree: the zoo is found (models/zoo.json above the executable).
    EXPECT_TRUE(contains(j.at("zoo").get<std::string>(), "zoo.json")) << j.dump(2);
    EXPECT_TRUE(j.at("weights").is_array());
    EXPECT_FALSE(j.at("weights").empty());
    EXPECT_TRUE(j.at("ok").get<bool>());
}

TEST_F(CliDoctorTest, RequireGpuFailsWithTheReasonExactlyWhenCudaIsUnusable) {
    const nlohmann::json j = doctorJson();
    const bool cuda = j.at("cuda_available").get<bool>();
    for (const std::vector<std::string>& args : {std::vector<std::string>{"doctor", "--require-gpu"},
                                                std::vector<std::string>{"doctor", "--device", "cuda"}}) {
        const Result r = run(args);
        if (cuda) {
            EXPECT_EQ(r.rc, 0) << args.back() << ": " << r.err;
            EXPECT_TRUE(r.err.empty()) << r.err;
        } else {
            EXPECT_EQ(r.rc, 1) << args.back();
            const std::string reason = j.at("cuda_unavailable_reason").get<std::string>();
            EXPECT_TRUE(contains(r.err, "CUDA is unavailable: " + reason)) << r.err;
            EXPECT_TRUE(contains(r.err, args.back())) << r.err;  // names the option that asked for the GPU
            EXPECT_TRUE(contains(r.out, "GPU requested but unavailable")) << r.out;
        }
    }
    // Asking for the CPU never fails.
    EXPECT_EQ(run({"doctor", "--device", "cpu"}).rc, 0);
}

TEST_F(CliDoctorTest, UnusableCacheFolderIsAWarningNotAFailure) {
    // A cache folder under a regular file can never be created (even by root, who may write anywhere else).
    const fs::path file = dir_ / "a-file";
    std::ofstream(file) << "x";
    const std::string cache = (file / "weights").string();
    const Result r = run({"doctor"}, "TESSERA_CACHE_DIR=" + quote(cache));
    EXPECT_EQ(r.rc, 0) << r.err;
    EXPECT_TRUE(contains(r.out, cache + " (NOT writable: " + file.string() + " is not a folder)")) << r.out;
    EXPECT_TRUE(contains(r.out, "set TESSERA_CACHE_DIR to a writable folder")) << r.out;
    EXPECT_TRUE(contains(r.out, "usable, with warnings above")) << r.out;
}

TEST_F(CliDoctorTest, UnknownDeviceIsAUserError) {
    const Result r = run({"doctor", "--device", "tpu"});
    EXPECT_EQ(r.rc, 1);
    EXPECT_TRUE(contains(r.err, "tpu")) << r.err;
}
