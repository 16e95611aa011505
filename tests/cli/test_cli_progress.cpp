// The command line's progress lines (stderr, one a line when it is not a terminal): never more than 100 %, and a
// rate only when one was measured, never "0.0/s" for a stage that simply ended at once.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <string>

#include "tests/cli/clitest.h"

using tessera::clitest::Result;

namespace {

class CliProgress : public tessera::clitest::DemoFolderTest {
protected:
    CliProgress() : DemoFolderTest("tessera-cli-progress", 4, 3, /*scanned=*/false) {}

    // Every progress line of `err`: "stage [####....] done/total pct% [rate unit/s]".
    static void expectHonestLines(const std::string& err, int* lines) {
        static const std::regex line(R"(^(\S+)\s+\[[#.]+\] (\d+)/(\d+)\s+([\d.]+)%( ([\d.]+) ?(\S*)/s)?$)");
        std::istringstream in(err);
        for (std::string text; std::getline(in, text);) {
            std::smatch m;
            if (!std::regex_match(text, m, line)) continue;
            ++*lines;
            EXPECT_LE(std::stoll(m[2]), std::stoll(m[3])) << text;
            EXPECT_LE(std::stod(m[4]), 100.0) << text;
            if (m[5].matched) EXPECT_GT(std::stod(m[6]), 0.0) << "a rate is shown only when measured: " << text;
        }
    }
};

}  // namespace

TEST_F(CliProgress, NeverShowsMoreThanAllNorAMadeUpRate) {
    int lines = 0;
    const Result scanned = run({"scan", demo_, "--threads", "2"});
    ASSERT_EQ(scanned.rc, 0) << scanned.err;
    expectHonestLines(scanned.err, &lines);
    const Result trained = run({"train", demo_, "--weights", "none", "--arch", "resnet18", "--size", "32", "--epochs",
                                "2", "--batch", "5", "--threads", "2", "--device", "cpu", "--no-cache"});
    ASSERT_EQ(trained.rc, 0) << trained.err;
    expectHonestLines(trained.err, &lines);
    EXPECT_GE(lines, 3) << "the progress lines were not found:\n" << scanned.err << trained.err;
    // Training counts photos, not steps: its rate (when shown) is in images per second.
    EXPECT_EQ(trained.err.find(" step/s"), std::string::npos) << trained.err;
}
