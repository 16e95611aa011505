// A full disk at Tessera's writes, simulated with a file-size limit (RLIMIT_FSIZE through prlimit, SIGXFSZ ignored,
// so a write past the limit fails with EFBIG as a write to a full disk fails with ENOSPC). For each write: exit
// status 1, a message naming the file and the system's cause, the previous version of the file intact, the project
// consistent, and the same command succeeding once the limit is lifted.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "core/project/projectstore.h"
#include "tests/cli/clitest.h"

namespace fs = std::filesystem;
using tessera::clitest::Result;
using tessera::clitest::slurp;

namespace {

constexpr const char* kTooLarge = "File too large";  // strerror(EFBIG): what the file-size limit makes writes fail with

// tessera-cli with every file it writes limited to `bytes`. Output goes through a pipe, which the limit does not
// touch, so the error message always arrives.
Result runWithFileSizeLimit(const std::vector<std::string>& args, uint64_t bytes) {
    std::string cmd = "trap '' XFSZ; prlimit --fsize=" + std::to_string(bytes) + " " +
                      tessera::clitest::quote(TESSERA_CLI_PATH);
    for (const auto& a : args) cmd += " " + tessera::clitest::quote(a);
    cmd += " </dev/null 2>&1; echo \"exit=$?\"";
    Result r;
    std::FILE* pipe = ::popen(cmd.c_str(), "r");
    if (!pipe) return r;
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) r.err.append(buf, n);
    ::pclose(pipe);
    const size_t at = r.err.rfind("exit=");
    if (at != std::string::npos) r.rc = std::stoi(r.err.substr(at + 5));
    return r;
}

class CliDiskFull : public tessera::clitest::DemoFolderTest {
protected:
    explicit CliDiskFull(int perClass = 3) : DemoFolderTest("tessera-cli-diskfull", perClass, 5, /*scanned=*/false) {}
    void scan() {
        const Result r = run({"scan", demo_, "--threads", "2"});
        ASSERT_EQ(r.rc, 0) << r.err;
    }
    // Scans, trains a small model with room to spare and returns its bundle ("" when training failed).
    std::string trainModel() {
        scan();
        const Result trained = run({"train", demo_, "--run-name", "m", "--weights", "none", "--arch", "resnet18",
                                    "--size", "32", "--epochs", "1", "--batch", "8", "--threads", "2", "--device",
                                    "cpu", "--quiet", "--no-cache"});
        EXPECT_EQ(trained.rc, 0) << trained.err;
        if (trained.rc != 0) return {};
        return (fs::path(demo_) / ".tessera" / "runs" / "m" / "model.tessera-model").string();
    }
    // The status the project records for the run named `name` ("" when it has none).
    std::string runStatus(const std::string& name) {
        auto store = tessera::project::ProjectStore::open(demo_, false);
        EXPECT_TRUE(store.ok()) << store.error();
        if (!store.ok()) return {};
        for (const auto& r : store->runs().value())
            if (r.name == name) return r.status;
        return {};
    }
    // Every file under `folder` with its size and contents' checksum, for "nothing changed" comparisons.
    static std::string snapshot(const fs::path& folder) {
        std::string all;
        for (const auto& e : fs::recursive_directory_iterator(folder))
            if (e.is_regular_file())
                all += e.path().string() + " " + std::to_string(e.file_size()) + " " +
                       std::to_string(std::hash<std::string>{}(slurp(e.path()))) + "\n";
        return all;
    }
    // Labels as export-csv writes them, for before/after comparisons.
    std::string labels() {
        const fs::path csv = dir_ / "labels-now.csv";
        const Result r = run({"export-csv", demo_, csv.string()});
        EXPECT_EQ(r.rc, 0) << r.err;
        return slurp(csv);
    }
};

// Enough photos for cross-validation's out-of-fold scores to calibrate a model (at least 30).
class CliDiskFullCalibration : public CliDiskFull {
protected:
    CliDiskFullCalibration() : CliDiskFull(8) {}
};

}  // namespace

TEST_F(CliDiskFull, ScanFailsCleanlyAndSucceedsOnceThereIsSpace) {
    // The database needs more than 64 KiB (its WAL index alone is 32 KiB): creating the project fails part-way.
    const Result full = runWithFileSizeLimit({"scan", demo_, "--threads", "2"}, 64 << 10);
    EXPECT_EQ(full.rc, 1) << full.err;
    EXPECT_NE(full.err.find("project.db"), std::string::npos) << full.err;
    EXPECT_NE(full.err.find(kTooLarge), std::string::npos) << full.err;
    EXPECT_EQ(full.err.find("damaged"), std::string::npos) << "a full disk is not a damaged database: " << full.err;
    EXPECT_EQ(full.err.find("internal error"), std::string::npos) << full.err;
    // A database is made under a name of its own and renamed when complete: nothing half-made is left behind.
    for (const auto& entry : fs::directory_iterator(fs::path(demo_) / ".tessera"))
        EXPECT_EQ(entry.path().filename().string().find("project.db"), std::string::npos) << entry.path();
    // With space again, the same command makes the whole project: nothing half-made is mistaken for damage.
    scan();
    const std::string csv = labels();
    EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 12) << csv;
}

TEST_F(CliDiskFull, OpeningWithoutSpaceNeverTakesTheDatabaseForDamaged) {
    scan();
    const std::string before = labels();
    ASSERT_FALSE(before.empty());
    // Make a backup exist, so that a misdiagnosis would put it in place of the healthy database.
    {
        auto store = tessera::project::ProjectStore::open(demo_, false);
        ASSERT_TRUE(store.ok()) << store.error();
        ASSERT_FALSE(store->backups().empty());
    }
    fs::remove(fs::path(demo_) / ".tessera" / "project.db-shm");
    for (const std::string command : {"scan", "stats"}) {
        const Result full = runWithFileSizeLimit({command, demo_}, 0);
        EXPECT_EQ(full.rc, 1) << command << ": " << full.err;
        EXPECT_NE(full.err.find("project.db"), std::string::npos) << full.err;
        EXPECT_NE(full.err.find(kTooLarge), std::string::npos) << full.err;
        EXPECT_EQ(full.err.find("damaged"), std::string::npos) << full.err;
    }
    for (const auto& entry : fs::directory_iterator(fs::path(demo_) / ".tessera"))
        EXPECT_EQ(entry.path().filename().string().find("damaged"), std::string::npos) << entry.path();
    EXPECT_EQ(labels(), before);
}

TEST_F(CliDiskFull, ExportKeepsThePreviousFile) {
    scan();
    // Enough photos for the CSV to outgrow the limit while the database (already written) is only read.
    {
        auto store = tessera::project::ProjectStore::open(demo_, false);
        ASSERT_TRUE(store.ok()) << store.error();
        auto cls = store->ensureClass("plain");
        ASSERT_TRUE(cls.ok());
        std::vector<tessera::project::ImageRecord> records(1500);
        std::vector<std::pair<int64_t, int64_t>> labelled;
        for (size_t i = 0; i < records.size(); ++i) records[i].relPath = "extra/photo-" + std::to_string(i) + ".jpg";
        ASSERT_TRUE(store->upsertImages(records).ok());
        for (const auto& r : records) labelled.emplace_back(r.id, *cls);
        ASSERT_TRUE(store->assignLabels(labelled, tessera::project::LabelSource::Manual).ok());
    }
    const fs::path out = dir_ / "labels.csv";
    std::ofstream(out) << "previous export\n";
    const Result full = runWithFileSizeLimit({"export-csv", demo_, out.string()}, 40 << 10);
    EXPECT_EQ(full.rc, 1) << full.err;
    EXPECT_NE(full.err.find("labels.csv"), std::string::npos) << full.err;
    EXPECT_NE(full.err.find(kTooLarge), std::string::npos) << full.err;
    EXPECT_NE(full.err.find("previous version is unchanged"), std::string::npos) << full.err;
    EXPECT_EQ(slurp(out), "previous export\n");
    for (const auto& entry : fs::directory_iterator(dir_))
        EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << "left behind: " << entry.path();
    const Result again = run({"export-csv", demo_, out.string()});
    EXPECT_EQ(again.rc, 0) << again.err;
    EXPECT_GT(fs::file_size(out), uint64_t(40 << 10));
}

TEST_F(CliDiskFull, TrainingSaysWhichFileAndResumes) {
    scan();
    const std::vector<std::string> train = {"train", demo_, "--run-name", "full", "--weights", "none", "--arch",
                                            "resnet18", "--size", "32", "--epochs", "1", "--batch", "8",
                                            "--threads", "2", "--device", "cpu", "--quiet", "--no-cache"};
    // A ResNet-18 checkpoint is about 45 MB: 4 MiB holds the database and the logs but not the checkpoint.
    const Result full = runWithFileSizeLimit(train, 4 << 20);
    EXPECT_EQ(full.rc, 1) << full.err;
    EXPECT_NE(full.err.find("checkpoint"), std::string::npos) << full.err;
    EXPECT_NE(full.err.find(".tessera/runs/full"), std::string::npos) << full.err;
    EXPECT_NE(full.err.find(kTooLarge), std::string::npos) << full.err;
    EXPECT_EQ(full.err.find("internal error"), std::string::npos) << full.err;
    EXPECT_NE(full.err.find("the same command with --run-name full --resume continues it"), std::string::npos)
        << full.err;
    EXPECT_EQ(runStatus("full"), "failed");
    const fs::path runDir = fs::path(demo_) / ".tessera" / "runs" / "full";
    for (const auto& entry : fs::directory_iterator(runDir))
        EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << "left behind: " << entry.path();
    // With space again the same command and --resume continue the run under its name and finish it with a model.
    std::vector<std::string> resume = train;
    resume.push_back("--resume");
    const Result again = run(resume);
    EXPECT_EQ(again.rc, 0) << again.err;
    EXPECT_TRUE(fs::exists(runDir / "model.tessera-model"));
    EXPECT_EQ(std::distance(fs::directory_iterator(runDir.parent_path()), fs::directory_iterator()), 1);
}

TEST_F(CliDiskFull, PredictionKeepsItsRowsAndResumesToTheSameFile) {
    const std::string model = trainModel();
    ASSERT_FALSE(model.empty());
    // A plain folder of photos (no project in it), so that only the prediction file is written.
    const fs::path photos = dir_ / "photos";
    fs::create_directories(photos);
    for (const auto& entry : fs::directory_iterator(demo_))
        if (entry.is_directory() && entry.path().filename() != ".tessera")
            fs::copy(entry.path(), photos / entry.path().filename(), fs::copy_options::recursive);
    const std::string out = (dir_ / "predictions.csv").string();
    const std::vector<std::string> predict = {"predict", model, photos.string(), "--out", out, "--device", "cpu",
                                              "--quiet"};
    const Result full = runWithFileSizeLimit(predict, 700);  // the header and a few rows
    EXPECT_EQ(full.rc, 1) << full.err;
    EXPECT_NE(full.err.find("predictions.csv"), std::string::npos) << full.err;
    EXPECT_NE(full.err.find(kTooLarge), std::string::npos) << full.err;
    EXPECT_NE(full.err.find("resumes"), std::string::npos) << full.err;
    EXPECT_FALSE(fs::exists(out + ".done"));
    // With space again the same command continues after the last complete row: the file equals one written whole.
    const Result again = run(predict);
    EXPECT_EQ(again.rc, 0) << again.err;
    EXPECT_TRUE(fs::exists(out + ".done"));
    std::vector<std::string> whole = predict;
    whole[4] = (dir_ / "whole.csv").string();
    ASSERT_EQ(run(whole).rc, 0);
    EXPECT_EQ(slurp(out), slurp(dir_ / "whole.csv"));
}

TEST_F(CliDiskFull, ModelExportsKeepThePreviousFiles) {
    const std::string model = trainModel();
    ASSERT_FALSE(model.empty());
    const fs::path onnx = dir_ / "shared.onnx", pth = dir_ / "shared.pth";
    std::ofstream(onnx) << "previous onnx";
    std::ofstream(pth) << "previous pth";
    // A ResNet-18 is about 45 MB in either format: 4 MiB holds neither.
    for (const auto& [flag, out] : {std::pair{"--onnx", onnx}, std::pair{"--pth", pth}}) {
        const Result full = runWithFileSizeLimit({"export", model, flag, out.string()}, 4 << 20);
        EXPECT_EQ(full.rc, 1) << full.err;
        EXPECT_NE(full.err.find(out.filename().string()), std::string::npos) << full.err;
        EXPECT_NE(full.err.find(kTooLarge), std::string::npos) << full.err;
        EXPECT_EQ(full.err.find("internal error"), std::string::npos) << full.err;
    }
    EXPECT_EQ(slurp(onnx), "previous onnx");
    EXPECT_EQ(slurp(pth), "previous pth");
    for (const auto& entry : fs::directory_iterator(dir_))
        EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << "left behind: " << entry.path();
    const Result again = run({"export", model, "--onnx", onnx.string(), "--pth", pth.string()});
    EXPECT_EQ(again.rc, 0) << again.err;
    EXPECT_GT(fs::file_size(onnx), uint64_t(4 << 20));
    EXPECT_GT(fs::file_size(pth), uint64_t(4 << 20));
}

TEST_F(CliDiskFull, AModelThatCannotBeWrittenFailsTheRunAndTheSameRunContinues) {
    const std::string base = trainModel();
    ASSERT_FALSE(base.empty());
    // A linear probe writes no checkpoint: its model bundle (about 45 MB) is the first large write, and 4 MiB
    // cannot hold it.
    const std::vector<std::string> probe = {"train", demo_, "--run-name", "probe", "--weights", base, "--mode",
                                            "linear-probe", "--size", "32", "--epochs", "1", "--threads", "2",
                                            "--device", "cpu", "--quiet", "--no-cache"};
    const Result full = runWithFileSizeLimit(probe, 4 << 20);
    EXPECT_EQ(full.rc, 1) << full.err;
    EXPECT_NE(full.err.find("model.tessera-model"), std::string::npos) << full.err;
    EXPECT_NE(full.err.find(kTooLarge), std::string::npos) << full.err;
    EXPECT_EQ(full.err.find("internal error"), std::string::npos) << full.err;
    EXPECT_NE(full.err.find("--run-name probe --resume"), std::string::npos) << full.err;
    EXPECT_EQ(runStatus("probe"), "failed") << "a run whose model was not written is not left 'running'";
    const fs::path runDir = fs::path(demo_) / ".tessera" / "runs" / "probe";
    EXPECT_FALSE(fs::exists(runDir / "model.tessera-model"));
    for (const auto& entry : fs::directory_iterator(runDir))
        EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << "left behind: " << entry.path();
    std::vector<std::string> resume = probe;
    resume.push_back("--resume");
    const Result again = run(resume);
    EXPECT_EQ(again.rc, 0) << again.err;
    EXPECT_TRUE(fs::exists(runDir / "model.tessera-model"));
    EXPECT_EQ(runStatus("probe"), "finished");
}

TEST_F(CliDiskFull, AnImageCacheThatCannotBeWrittenCostsOnlyTheNextDecode) {
    const std::string base = trainModel();  // --no-cache: the project has no image cache yet
    ASSERT_FALSE(base.empty());
    // A linear probe at 224 px: its canvases (280 x 280 x 3 bytes, 235 KB a photo) are the first write past 1 MiB.
    // Training goes on with them in memory; then its model bundle (about 45 MB) cannot be written either.
    const std::vector<std::string> probe = {"train", demo_, "--run-name", "probe", "--weights", base, "--mode",
                                            "linear-probe", "--size", "224", "--epochs", "1", "--threads", "2",
                                            "--device", "cpu", "--quiet"};
    const Result full = runWithFileSizeLimit(probe, 1 << 20);
    EXPECT_EQ(full.rc, 1) << full.err;
    EXPECT_NE(full.err.find("warning: cannot save the image cache"), std::string::npos) << full.err;
    EXPECT_NE(full.err.find(kTooLarge), std::string::npos) << full.err;
    EXPECT_NE(full.err.find("training goes on"), std::string::npos) << full.err;
    EXPECT_NE(full.err.find("model.tessera-model"), std::string::npos) << "what failed the run: " << full.err;
    EXPECT_EQ(full.err.find("internal error"), std::string::npos) << full.err;
    const fs::path cache = fs::path(demo_) / ".tessera" / "cache";
    for (const auto& e : fs::recursive_directory_iterator(cache))
        EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << "left behind: " << e.path();

    // With space, the same run continues and decodes the photos again, keeping them this time; a second run
    // reuses every one.
    std::vector<std::string> resume = probe;
    resume.push_back("--resume");
    const Result again = run(resume);
    ASSERT_EQ(again.rc, 0) << again.err;
    EXPECT_NE(again.err.find("image cache: 0 reused, 12 decoded"), std::string::npos) << again.err;
    std::vector<std::string> other = probe;
    other[3] = "probe-2";
    const Result reused = run(other);
    ASSERT_EQ(reused.rc, 0) << reused.err;
    EXPECT_NE(reused.err.find("image cache: 12 reused, 0 decoded"), std::string::npos) << reused.err;
}

TEST_F(CliDiskFull, AnEmbeddingCacheThatCannotBeWrittenCostsOnlyTheNextRun) {
    ASSERT_FALSE(trainModel().empty());  // the project's active model: the quick model's features
    const std::vector<std::string> suggest = {"suggest", demo_, "--quiet"};
    // 32 KiB: room for the database's shared-memory file, none for the photos decoded for the network (about 5 KB
    // each). The suggestions are still complete.
    const Result full = runWithFileSizeLimit(suggest, 32 << 10);
    EXPECT_EQ(full.rc, 0) << full.err;
    EXPECT_NE(full.err.find("label these next"), std::string::npos) << full.err;
    EXPECT_NE(full.err.find("warning: cannot save the image cache"), std::string::npos) << full.err;
    EXPECT_NE(full.err.find(kTooLarge), std::string::npos) << full.err;
    EXPECT_NE(full.err.find("the results are complete"), std::string::npos) << full.err;
    EXPECT_EQ(full.err.find("internal error"), std::string::npos) << full.err;

    // With space, the next runs neither warn nor fail, and every photo's features come from the cache.
    const Result again = run(suggest);
    ASSERT_EQ(again.rc, 0) << again.err;
    EXPECT_EQ(again.err.find("warning"), std::string::npos) << again.err;
    const Result reused = run(suggest);
    ASSERT_EQ(reused.rc, 0) << reused.err;
    EXPECT_NE(reused.out.find("; 0 embeddings computed"), std::string::npos) << reused.out;
}

TEST_F(CliDiskFullCalibration, CalibrationKeepsThePreviousModel) {
    const std::string model = trainModel();
    ASSERT_FALSE(model.empty());
    const fs::path runs = fs::path(demo_) / ".tessera" / "runs";
    const std::string before = snapshot(runs);
    // Cross-validation's member models stay in memory; the only large write is the calibrated model (about 45 MB).
    const std::vector<std::string> calibrate = {"evaluate", model, demo_, "--cv", "2", "--calibrate",
                                                "--threads", "2", "--device", "cpu", "--quiet"};
    const Result full = runWithFileSizeLimit(calibrate, 4 << 20);
    EXPECT_EQ(full.rc, 1) << full.err;
    EXPECT_NE(full.err.find("model.tessera-model"), std::string::npos) << full.err;
    EXPECT_NE(full.err.find(kTooLarge), std::string::npos) << full.err;
    EXPECT_EQ(full.err.find("internal error"), std::string::npos) << full.err;
    EXPECT_EQ(snapshot(runs), before) << "the model, its run and no member's leftovers";
    const Result again = run(calibrate);
    EXPECT_EQ(again.rc, 0) << again.err;
    EXPECT_NE(again.out.find("scores calibrated on"), std::string::npos) << again.out;
    EXPECT_NE(snapshot(runs), before);
}
