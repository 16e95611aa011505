// Hostile and damaged input through the real tessera-cli, one test per family the hostile-input pass found: paths
// that leave their root (a run name, a database row), a database emptied or damaged, names that are not text,
// unbounded thread counts, empty or absurd CSV files, a model that shares no class with the project. Each is refused
// with exit status 1 and a message naming the file or flag, and nothing outside the project is read or written.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <SQLiteCpp/Database.h>
#include <nlohmann/json.hpp>

#include "tests/cli/clitest.h"

namespace fs = std::filesystem;
using tessera::clitest::Result;
using tessera::clitest::slurp;

namespace {

class CliHostile : public tessera::clitest::DemoFolderTest {
protected:
    CliHostile() : DemoFolderTest("tessera-cli-hostile", 3, 5, /*scanned=*/true) {}
    fs::path db() const { return fs::path(demo_) / ".tessera" / "project.db"; }
};

}  // namespace

TEST_F(CliHostile, RunNamesStayUnderTheProjectsRuns) {
    const std::string absolute = (dir_ / "escaped-abs").string();
    for (const std::string name : {std::string("../../../escaped"), absolute, std::string("a/b"), std::string("..")}) {
        const Result r = run({"train", demo_, "--run-name", name, "--weights", "none", "--arch", "resnet18",
                              "--size", "32", "--epochs", "1", "--quiet"});
        EXPECT_EQ(r.rc, 1) << name << ": " << r.err;
        EXPECT_NE(r.err.find("run name"), std::string::npos) << r.err;
    }
    EXPECT_FALSE(fs::exists(dir_ / "escaped"));
    EXPECT_FALSE(fs::exists(absolute));
    EXPECT_FALSE(fs::exists(fs::path(demo_).parent_path().parent_path() / "escaped"));
}

TEST_F(CliHostile, ThreadCountsAreBounded) {
    for (const auto& args : std::vector<std::vector<std::string>>{{"scan", demo_, "--threads", "1000"},
                                                                 {"scan", demo_, "--threads", "-5"},
                                                                 {"predict", demo_, demo_, "--decode-threads", "100000"},
                                                                 {"train", demo_, "--threads", "999"}}) {
        const Result r = run(args);
        EXPECT_EQ(r.rc, 1) << args[0] << " " << args[2] << " " << args[3] << ": " << r.err;
        EXPECT_NE(r.err.find("thread"), std::string::npos) << r.err;
    }
}

// A received project whose database names a file outside the photo folder: nothing reads or copies that file.
TEST_F(CliHostile, DatabaseRowsOutsideThePhotoFolderAreRefused) {
    std::ofstream(dir_ / "secret.txt") << "private";
    {
        SQLite::Database raw(db().string(), SQLite::OPEN_READWRITE);
        raw.exec("UPDATE images SET rel_path = '../secret.txt' WHERE id = (SELECT MIN(id) FROM images)");
    }
    const fs::path out = dir_ / "export";
    for (const auto& args : std::vector<std::vector<std::string>>{{"export-imagefolder", demo_, out.string()},
                                                                 {"stats", demo_},
                                                                 {"train", demo_, "--weights", "none", "--size", "32",
                                                                  "--epochs", "1", "--quiet"}}) {
        const Result r = run(args);
        EXPECT_EQ(r.rc, 1) << args[0] << ": " << r.err;
        EXPECT_NE(r.err.find("project.db"), std::string::npos) << r.err;
        EXPECT_NE(r.err.find("../secret.txt"), std::string::npos) << r.err;
    }
    for (const auto& e : fs::recursive_directory_iterator(dir_))
        if (e.is_regular_file() && e.path() != dir_ / "secret.txt")
            EXPECT_NE(slurp(e.path()), "private") << e.path() << " is a copy of the file outside the project";
}

TEST_F(CliHostile, AnEmptiedDatabaseIsNeverTakenForANewProject) {
    fs::resize_file(db(), 0);
    for (const char* command : {"stats", "export-csv", "scan"}) {
        std::vector<std::string> args{command, demo_};
        if (std::string(command) == "export-csv") args.push_back((dir_ / "labels.csv").string());
        const Result r = run(args);
        EXPECT_EQ(r.rc, 1) << command << ": " << r.err;
        EXPECT_NE(r.err.find("project.db"), std::string::npos) << r.err;
        EXPECT_NE(r.err.find("empty (0 bytes)"), std::string::npos) << r.err;
        EXPECT_EQ(fs::file_size(db()), 0u) << command;
    }
}

TEST_F(CliHostile, CsvImportsRefuseEmptyFilesAndNamesThatAreNotText) {
    const fs::path empty = dir_ / "empty.csv";
    std::ofstream{empty};
    Result r = run({"import-csv", demo_, empty.string()});
    EXPECT_EQ(r.rc, 1) << r.err;
    EXPECT_NE(r.err.find("empty.csv"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("empty"), std::string::npos) << r.err;

    const fs::path mixed = dir_ / "mixed.csv";
    std::ofstream(mixed, std::ios::binary) << "file,label\n"
                                           << "plain/plain_000.jpg,incised\n"
                                           << "plain/plain_001.jpg,caf\xE9\n"
                                           << "plain/plain_002.jpg,\"nul\x01here\"\n";
    r = run({"import-csv", demo_, mixed.string()});
    EXPECT_EQ(r.rc, 1) << r.err;
    EXPECT_NE(r.out.find("Imported 1 of 3 rows"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("mixed.csv:3"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("not valid UTF-8"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("mixed.csv:4"), std::string::npos) << r.err;

    r = run({"stats", demo_, "--json"});  // the project is still whole and its JSON valid
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NO_THROW((void)nlohmann::json::parse(r.out));
}

TEST_F(CliHostile, EvaluatingAModelThatSharesNoClassIsAnError) {
    // A model trained on other classes: the demo's photos under two other folder names.
    const fs::path other = dir_ / "other";
    int n = 0;
    for (const auto& e : fs::recursive_directory_iterator(fs::path(demo_) / "plain"))
        if (e.path().extension() == ".jpg") {
            const char* cls = n % 2 ? "amphora" : "lamp";
            fs::create_directories(other / cls);
            fs::copy_file(e.path(), other / cls / e.path().filename());
            ++n;
        }
    for (const auto& e : fs::recursive_directory_iterator(fs::path(demo_) / "incised"))
        if (e.path().extension() == ".jpg") {
            const char* cls = n % 2 ? "amphora" : "lamp";
            fs::copy_file(e.path(), other / cls / e.path().filename());
            ++n;
        }
    ASSERT_EQ(run({"scan", other.string()}).rc, 0);
    Result trained = run({"train", other.string(), "--weights", "none", "--arch", "resnet18", "--size", "32",
                          "--epochs", "1", "--batch", "2", "--run-name", "other", "--quiet"});
    ASSERT_EQ(trained.rc, 0) << trained.err;
    const fs::path bundle = other / ".tessera" / "runs" / "other" / "model.tessera-model";
    ASSERT_TRUE(fs::exists(bundle));
    const Result r = run({"evaluate", bundle.string(), demo_, "--subset", "all"});
    EXPECT_EQ(r.rc, 1) << r.out << r.err;
    EXPECT_NE(r.err.find("model.tessera-model"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("none of the project's classes"), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("accuracy"), std::string::npos) << r.out;
}
