// Trainer on a real project folder: store -> split -> cache -> loop -> model bundle, run card and run record.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "core/train/crossvalidation.h"
#include "core/evaluate/evaluator.h"
#include "core/train/trainer.h"
#include "core/nn/modelbundle_torch.h"
#include "core/project/projectstore.h"
#include "core/train/imagecache_torch.h"
#include "core/train/runcard.h"
#include "core/util/sha256.h"
#include "learn/synthdata.h"

using namespace tessera;
using namespace tessera::learn;
namespace fs = std::filesystem;

namespace {

// A project with `perClass` labelled photos in each of `classes` classes.
void makeProject(const fs::path& root, int perClass, int classes) {
    test::writeSynthFolder(root, perClass, classes, 77);
    auto store = project::ProjectStore::open(root, true);
    ASSERT_TRUE(store.ok()) << store.error();
    for (int c = 0; c < classes; ++c) {
        const auto& name = test::synthClassNames()[size_t(c)];
        auto cls = store->ensureClass(name);
        ASSERT_TRUE(cls.ok());
        for (int i = 0; i < perClass; ++i) {
            project::ImageRecord rec;
            rec.relPath = name + "/img_" + std::to_string(i) + ".png";
            rec.contentHash = *util::sha256File(root / rec.relPath);
            rec.format = "png";
            auto id = store->upsertImage(rec);
            ASSERT_TRUE(id.ok()) << id.error();
            ASSERT_TRUE(store->setLabel(*id, *cls).ok());
        }
    }
}

struct Messages : TrainObserver {
    std::vector<std::string> lines;
    int epochs = 0;
    void onMessage(const std::string& m) override { lines.push_back(m); }
    void onEpoch(const EpochInfo&) override { ++epochs; }
    bool contains(const std::string& s) const {
        for (auto& l : lines)
            if (l.find(s) != std::string::npos) return true;
        return false;
    }
};

// A run cancelled when its first epoch ends: its last.pt stays for a resume.
Expected<TrainResult> trainCancelledAfterTheFirstEpoch(const fs::path& root, const TrainOptions& options) {
    JobContext ctx;
    struct Killer : TrainObserver {
        JobContext* ctx = nullptr;
        void onEpoch(const EpochInfo&) override { ctx->cancel.cancel(); }
    } killer;
    killer.ctx = &ctx;
    return Trainer(options).train(root, &killer, ctx);
}

TrainOptions quick() {
    TrainOptions o;
    o.epochs = 2;
    o.imageSize = 32;
    o.batchSize = 8;
    o.augmentation = AugmentPreset::Light;
    o.threads = 1;
    o.device = "cpu";
    return o;
}

}  // namespace

// The choices of TrainOptions are types; their names are parsed where text comes in, each table the one spelling.
TEST(TrainChoices, NamesParseOnceAndUnknownNamesAreRefusedWithTheChoices) {
    auto mode = parseTrainMode("everything");
    ASSERT_FALSE(mode.ok());
    EXPECT_EQ(mode.error(), "unknown training mode 'everything' (expected linear-probe, partial or full)");
    EXPECT_EQ(*parseTrainMode("Linear-Probe"), TrainMode::LinearProbe);
    EXPECT_NE(parseAugmentPreset("wild").error().find("'wild' (expected none, light, strong or archaeology)"),
              std::string::npos);
    EXPECT_EQ(parseFraming("sideways").error(), "unknown framing 'sideways' (expected find or photo)");
    EXPECT_NE(parseComputePrecision("fp8").error().find("fp8"), std::string::npos);
    EXPECT_EQ(*parseSchedule("cosine"), ScheduleKind::WarmupCosine);  // an older spelling still read
    EXPECT_EQ(namesOf(kOptimizerNames), "adamw | sgd");
    for (const auto& entry : kComputePrecisionNames)
        EXPECT_EQ(*parseComputePrecision(nameOf(kComputePrecisionNames, entry.value)), entry.value);
}

TEST(TrainChoices, RunCardsKeepTheNamesAndAHandEditedUnknownNameFallsBackToTheDefault) {
    TrainOptions o;
    o.mode = TrainMode::Partial;
    o.optimizer = OptimizerKind::Sgd;
    o.schedule = ScheduleKind::OneCycle;
    o.augmentation = AugmentPreset::Archaeology;
    o.framing = Framing::Photo;
    o.precision = ComputePrecision::Bf16;
    auto json = RunCard::toJson(o);
    EXPECT_EQ(json["mode"], "partial");
    EXPECT_EQ(json["optimizer"], "sgd");
    EXPECT_EQ(json["schedule"], "onecycle");
    EXPECT_EQ(json["augmentation"], "archaeology");
    EXPECT_EQ(json["framing"], "photo");
    EXPECT_EQ(json["precision"], "bf16");
    EXPECT_EQ(RunCard::toJson(RunCard::optionsFromJson(json)), json);
    json["mode"] = "everything";
    json["augmentation"] = 7;
    const auto back = RunCard::optionsFromJson(json);
    EXPECT_EQ(back.mode, TrainOptions{}.mode);
    EXPECT_EQ(back.augmentation, TrainOptions{}.augmentation);
    EXPECT_EQ(back.optimizer, OptimizerKind::Sgd);
}

TEST(Trainer, AutomaticBatchOnAGpuGrowsWithTheCollectionAsMemoryAllows) {
    const int64_t gib = int64_t(1) << 30;
    // Small collections keep the CPU's batch: the recipe for small data, and every epoch has enough steps.
    EXPECT_EQ(Trainer::automaticGpuBatch(160, "resnet18", 224, 80 * gib), 16);
    EXPECT_EQ(Trainer::automaticGpuBatch(2000, "resnet18", 224, 80 * gib), 32);
    // Larger ones at least 64 steps per epoch, in powers of two up to 256.
    EXPECT_EQ(Trainer::automaticGpuBatch(5000, "resnet18", 224, 80 * gib), 64);
    EXPECT_EQ(Trainer::automaticGpuBatch(16384, "resnet18", 224, 80 * gib), 256);
    EXPECT_EQ(Trainer::automaticGpuBatch(1000000, "resnet50", 224, 80 * gib), 256);
    // A small GPU caps it: half of 8 GiB holds 40 ResNet-50 photos at 224 px, so 32; at 112 px four times as many.
    EXPECT_EQ(Trainer::automaticGpuBatch(1000000, "resnet50", 224, 8 * gib), 32);
    EXPECT_EQ(Trainer::automaticGpuBatch(1000000, "resnet50", 112, 8 * gib), 128);
    EXPECT_EQ(Trainer::automaticGpuBatch(1000000, "resnet18", 224, 8 * gib), 64);
    // A GPU with almost nothing free still gets a batch that trains (an out-of-memory halves it from there).
    EXPECT_EQ(Trainer::automaticGpuBatch(1000000, "resnet50", 224, 0), 2);
}

TEST(Trainer, AutomaticSizeAndBatchAreResolvedAndRecordedOnTheCpu) {
    test::TempDir dir("trainer");
    makeProject(dir.path, 6, 2);
    Messages obs;
    auto o = quick();
    o.epochs = 1;
    o.imageSize = 0;
    o.batchSize = 0;
    auto r = Trainer(o).train(dir.path, &obs, JobContext{});
    ASSERT_TRUE(r.ok()) << r.error();
    const int batch = Trainer::automaticBatch(r->trainImages);
    EXPECT_TRUE(obs.contains("128 px (automatic), batch " + std::to_string(batch) + " (automatic)"));
    auto model = nn::ModelBundleIO::load(r->bundlePath.string());
    ASSERT_TRUE(model.ok()) << model.error();
    EXPECT_EQ(model->manifest.preprocessing.inputSize, 128);
    EXPECT_EQ(model->runcard["options"]["imageSize"], 128);
    EXPECT_EQ(model->runcard["options"]["batchSize"], batch);
}

TEST(Trainer, TrainsAProjectAndWritesModelCardAndRun) {
    test::TempDir dir("trainer");
    makeProject(dir.path, 6, 3);
    Messages obs;
    auto o = quick();
    o.runName = "first";
    auto r = Trainer(o).train(dir.path, &obs, JobContext{});
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(obs.epochs, 2);
    EXPECT_EQ(r->trainImages + r->valImages, 18);
    EXPECT_EQ(r->valImages, 3);  // 0.2 x 6 rounds to one per class
    EXPECT_EQ(r->runDir, dir.path / ".tessera" / "runs" / "first");
    EXPECT_TRUE(fs::exists(r->runDir / "last.pt"));
    EXPECT_TRUE(obs.contains("18 decoded"));

    EXPECT_EQ(r->bundlePath, r->runDir / "model.tessera-model");
    auto model = nn::ModelBundleIO::load(r->bundlePath.string());
    ASSERT_TRUE(model.ok()) << model.error();
    EXPECT_EQ(model->manifest.classNames, (std::vector<std::string>{"disc", "bar", "stripes"}));
    EXPECT_EQ(model->manifest.arch, "resnet18");
    EXPECT_EQ(model->manifest.preprocessing.inputSize, 32);
    EXPECT_EQ(model->manifest.preprocessing.resizePolicy, "canvas_then_center_crop");
    EXPECT_EQ(model->manifest.preprocessing.canvasSize, ImageCache::canvasForCrop(32));
    EXPECT_EQ(model->manifest.preprocessing.framing, "find");  // the default: prediction frames photos the same way
    EXPECT_EQ(model->manifest.formatVersion, 2);
    EXPECT_EQ(model->runcard["options"]["framing"], "find");
    EXPECT_FLOAT_EQ(model->manifest.preprocessing.mean[0], 0.485f);
    EXPECT_EQ(model->runcard["run"], "first");
    EXPECT_EQ(model->runcard["dataset"].size(), 18u);
    // best.pt is last.pt of the best epoch, not a second serialisation.
    EXPECT_TRUE(fs::exists(r->runDir / "best.pt"));

    std::ifstream in(r->cardPath);
    auto card = nlohmann::json::parse(in);
    EXPECT_EQ(card["dataset"].size(), 18u);
    EXPECT_EQ(card["dataset"][0]["sha256"].get<std::string>().size(), 64u);
    EXPECT_EQ(card["history"].size(), 2u);
    EXPECT_TRUE(card["software"].contains("libtorch"));
    EXPECT_EQ(card["precision"], r->precision);  // what the run computed in, beside the requested option
    EXPECT_EQ(card["options"]["precision"], "auto");
    EXPECT_TRUE(r->precision == "bf16" || r->precision == "fp32") << r->precision;
    // Three validation photos are too few to fit a temperature: the model ships uncalibrated and says why.
    EXPECT_EQ(r->validationImageIds.size(), 3u);
    EXPECT_EQ(r->validationProbabilities.size(), 9u);
    EXPECT_FALSE(r->calibration.calibrated());
    EXPECT_DOUBLE_EQ(model->manifest.calibration.temperature, 1.0);
    EXPECT_EQ(model->manifest.calibration.photos, 3);
    EXPECT_EQ(card["calibration"]["photos"], 3);
    EXPECT_NE(card["calibration"]["note"].get<std::string>().find("at least"), std::string::npos);

    auto store = project::ProjectStore::open(dir.path, false);
    auto runs = store->runs();
    ASSERT_TRUE(runs.ok());
    ASSERT_EQ(runs->size(), 1u);
    EXPECT_EQ((*runs)[0].status, "finished");
    EXPECT_EQ((*runs)[0].modelPath, "runs/first/model.tessera-model");
    EXPECT_EQ(store->splits()->size(), 18u);

    // Second run: every photo comes from the cache.
    Messages obs2;
    o.runName = "second";
    auto r2 = Trainer(o).train(dir.path, &obs2, JobContext{});
    ASSERT_TRUE(r2.ok()) << r2.error();
    EXPECT_TRUE(obs2.contains("18 reused, 0 decoded"));
}

TEST(Trainer, KeepsNearIdenticalPhotosOnOneSideAndSaysSo) {
    // Every photo its own pHash, except that two photos of "disc" are near-identical (one bit apart, like a
    // re-encode): whatever the seed, they land on one side, and the run card and the log say so.
    test::TempDir dir("trainer-near");
    makeProject(dir.path, 6, 3);
    {
        auto store = project::ProjectStore::open(dir.path, false);
        uint64_t hash = 0x0123456789ABCDEFull;
        for (auto image : store->images().value()) {
            image.perceptualHash = hash = hash * 6364136223846793005ull + 1442695040888963407ull;
            if (image.relPath == "disc/img_1.png") image.perceptualHash = 0xF00DF00DF00DF00Dull;
            if (image.relPath == "disc/img_4.png") image.perceptualHash = 0xF00DF00DF00DF00Cull;
            ASSERT_TRUE(store->upsertImage(image).ok());
        }
    }
    for (uint64_t seed : {1, 2, 3}) {
        Messages obs;
        auto o = quick();
        o.epochs = 1;
        o.seed = seed;
        auto r = Trainer(o).train(dir.path, &obs, JobContext{});
        ASSERT_TRUE(r.ok()) << r.error();
        EXPECT_EQ(r->nearDuplicateGroups, 1);
        EXPECT_EQ(r->nearDuplicatePhotos, 2);
        EXPECT_TRUE(obs.contains("1 group of near-identical photos (2 photos) is kept on one side"));
        std::ifstream in(r->cardPath);
        const auto card = nlohmann::json::parse(in);
        EXPECT_EQ(card["split"]["nearDuplicateGroupsKeptTogether"], 1);
        EXPECT_EQ(card["split"]["nearDuplicateDistance"], 2);
        std::map<std::string, std::string> side;
        for (const auto& f : card["dataset"]) side[f["path"]] = f["split"];
        EXPECT_EQ(side.at("disc/img_1.png"), side.at("disc/img_4.png")) << "seed " << seed;
    }
}

TEST(Trainer, LeavesDisputedLabelsOutUnlessAskedAndSaysSo) {
    test::TempDir dir("trainer-disputed");
    makeProject(dir.path, 6, 3);
    std::set<std::string> disputed;
    {
        auto store = project::ProjectStore::open(dir.path, false);
        std::vector<int64_t> ids;
        for (const auto& image : store->images().value())
            if (image.relPath == "disc/img_2.png" || image.relPath == "disc/img_5.png") {
                ids.push_back(image.id);
                disputed.insert(image.relPath);
            }
        ASSERT_EQ(ids.size(), 2u);
        ASSERT_TRUE(store->setDisputed(ids, true).ok());
    }
    const auto cardOf = [](const TrainResult& r) {
        std::ifstream in(r.cardPath);
        return nlohmann::json::parse(in);
    };
    Messages obs;
    auto o = quick();
    o.epochs = 1;
    auto r = Trainer(o).train(dir.path, &obs, JobContext{});
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(r->disputedLeftOut, 2);
    EXPECT_TRUE(obs.contains("2 labelled photo(s) marked as disputed are left out of training"));
    auto card = cardOf(*r);
    EXPECT_EQ(card["disputed"]["leftOut"], 2);
    EXPECT_EQ(card["disputed"]["included"], false);
    for (const auto& f : card["dataset"]) EXPECT_FALSE(disputed.count(f["path"])) << f["path"];
    // Evaluation does not score an open attribution either, and says how many it left out.
    EvaluateOptions eo;
    eo.subset = "all";
    eo.device = "cpu";
    eo.threads = 1;
    auto rep = Evaluator::evaluate(r->bundlePath, dir.path, eo, JobContext{});
    ASSERT_TRUE(rep.ok()) << rep.error();
    EXPECT_EQ(rep->disputedLeftOut, 2);
    EXPECT_EQ(rep->images, 18 - 2);

    o.includeDisputed = true;
    o.runName = "with-disputed";
    r = Trainer(o).train(dir.path, nullptr, JobContext{});
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(r->disputedLeftOut, 0);
    card = cardOf(*r);
    EXPECT_EQ(card["disputed"]["included"], true);
    std::set<std::string> used;
    for (const auto& f : card["dataset"]) used.insert(f["path"]);
    for (const auto& d : disputed) EXPECT_TRUE(used.count(d)) << d;
}

TEST(Trainer, RefusesBadOptionsAndTooFewClasses) {
    auto o = quick();
    o.batchSize = 1;
    EXPECT_NE(Trainer::validate(o).error().find("batch size"), std::string::npos);
    o.batchSize = 0;  // automatic
    EXPECT_TRUE(Trainer::validate(o).ok());
    EXPECT_EQ(TrainOptions::defaults().batchSize, 0);
    EXPECT_EQ(Trainer::automaticBatch(128), 16);  // the demo: twice the steps of 32
    EXPECT_EQ(Trainer::automaticBatch(255), 16);
    EXPECT_EQ(Trainer::automaticBatch(256), 32);
    // From scratch the rate goes with the batch: 2e-3 for the small batch, 1e-3 for 32 and more.
    TrainOptions scratch = quick();
    scratch.weightsPath = "none";
    scratch.optimizer = OptimizerKind::AdamW;
    scratch.mode = TrainMode::Full;
    scratch.batchSize = 16;
    EXPECT_DOUBLE_EQ(Trainer::defaultLr(scratch), 2e-3);
    scratch.batchSize = 32;
    EXPECT_DOUBLE_EQ(Trainer::defaultLr(scratch), 1e-3);
    scratch.batchSize = 256;
    EXPECT_DOUBLE_EQ(Trainer::defaultLr(scratch), 1e-3);
    o = quick();
    o.imageSize = 16;
    EXPECT_NE(Trainer::validate(o).error().find("image size"), std::string::npos);
    o.imageSize = 0;  // automatic
    EXPECT_TRUE(Trainer::validate(o).ok());
    EXPECT_EQ(TrainOptions::defaults().imageSize, 0);
    EXPECT_EQ(Trainer::automaticImageSize(false), 128);
    EXPECT_EQ(Trainer::automaticImageSize(true), 224);
    o = quick();
    o.mode = TrainMode::LinearProbe;
    EXPECT_FALSE(Trainer::validate(o).ok());  // needs pretrained weights
    o = quick();
    o.precision = ComputePrecision::Fp16;  // quick() trains on the CPU
    EXPECT_NE(Trainer::validate(o).error().find("needs a CUDA GPU"), std::string::npos);
    EXPECT_GT(Trainer::defaultLr(quick()), 0.0);

    test::TempDir dir("trainer1");
    makeProject(dir.path, 3, 1);
    auto r = Trainer(quick()).train(dir.path, nullptr, JobContext{});
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("two classes"), std::string::npos);
}

TEST(Trainer, CancelledRunIsRecordedAndResumable) {
    test::TempDir dir("trainer2");
    makeProject(dir.path, 6, 2);
    auto o = quick();
    o.epochs = 3;
    ASSERT_FALSE(trainCancelledAfterTheFirstEpoch(dir.path, o).ok());
    auto store = project::ProjectStore::open(dir.path, false);
    EXPECT_EQ((*store->runs())[0].status, "cancelled");

    o.resume = true;
    Messages obs;
    auto resumed = Trainer(o).train(dir.path, &obs, JobContext{});
    ASSERT_TRUE(resumed.ok()) << resumed.error();
    EXPECT_TRUE(obs.contains("resuming"));
    EXPECT_EQ(obs.epochs, 2);
    EXPECT_EQ(resumed->history.size(), 3u);
}

// A checkpoint cut short (a full disk when it was written, a copy that stopped): the resume names the file and what
// to do, rather than failing as an internal error.
TEST(Trainer, ResumingFromATruncatedCheckpointNamesIt) {
    test::TempDir dir("trainer-truncated");
    makeProject(dir.path, 6, 2);
    auto o = quick();
    o.epochs = 3;
    ASSERT_FALSE(trainCancelledAfterTheFirstEpoch(dir.path, o).ok());
    fs::path last;
    for (const auto& e : fs::recursive_directory_iterator(dir.path / ".tessera" / "runs"))
        if (e.path().filename() == "last.pt") last = e.path();
    ASSERT_FALSE(last.empty());
    fs::resize_file(last, fs::file_size(last) / 2);
    o.resume = true;
    auto resumed = Trainer(o).train(dir.path, nullptr, JobContext{});
    ASSERT_FALSE(resumed.ok());
    EXPECT_NE(resumed.error().find(last.string()), std::string::npos) << resumed.error();
    EXPECT_NE(resumed.error().find("damaged or incomplete"), std::string::npos) << resumed.error();
}

// A run name is one folder under .tessera/runs: paths, '..' and a name already taken are refused before training.
TEST(Trainer, RunNamesAreOneNewFolderUnderRuns) {
    for (const std::string bad : {"../../../X", "/tmp/X", "a/b", "..", "tab\there"}) {
        auto o = quick();
        o.runName = bad;
        auto st = Trainer::validate(o);
        ASSERT_FALSE(st.ok()) << bad;
        EXPECT_NE(st.error().find("run name"), std::string::npos) << st.error();
    }
    auto o = quick();
    o.threads = 100000;
    EXPECT_FALSE(Trainer::validate(o).ok());

    test::TempDir dir("trainer-names");
    makeProject(dir.path, 4, 2);
    o = quick();
    o.epochs = 1;
    o.runName = "taken";
    ASSERT_TRUE(Trainer(o).train(dir.path, nullptr, JobContext{}).ok());
    auto again = Trainer(o).train(dir.path, nullptr, JobContext{});
    ASSERT_FALSE(again.ok());
    EXPECT_NE(again.error().find("'taken' exists already"), std::string::npos) << again.error();
    EXPECT_FALSE(fs::exists(dir.path.parent_path() / "X"));
}

TEST(Trainer, BadWeightsFailBeforeAnyPhotoIsDecoded) {
    test::TempDir dir("trainer3");
    makeProject(dir.path, 4, 2);
    const fs::path bad = dir.path / "broken.pth";
    std::ofstream(bad) << "PK this is not a checkpoint";
    auto o = quick();
    o.weightsPath = bad.string();
    auto r = Trainer(o).train(dir.path, nullptr, JobContext{});
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find(bad.string()), std::string::npos) << r.error();
    EXPECT_FALSE(fs::exists(dir.path / ".tessera" / "cache" / std::to_string(ImageCache::canvasForCrop(32))));

    o.weightsPath = (dir.path / "absent.safetensors").string();
    r = Trainer(o).train(dir.path, nullptr, JobContext{});
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("absent.safetensors"), std::string::npos) << r.error();
}

TEST(Trainer, FineTunesFromAnEarlierBundleAndShipsTheBestEpoch) {
    test::TempDir dir("trainer4");
    makeProject(dir.path, 5, 2);
    auto o = quick();
    o.epochs = 1;
    o.runName = "base";
    auto base = Trainer(o).train(dir.path, nullptr, JobContext{});
    ASSERT_TRUE(base.ok()) << base.error();

    Messages obs;
    o = quick();
    o.epochs = 3;
    o.runName = "tuned";
    o.weightsPath = base->bundlePath.string();
    o.mode = TrainMode::Partial;
    o.cutmixAlpha = 1.0;
    o.mixupAlpha = 0.2;
    auto tuned = Trainer(o).train(dir.path, &obs, JobContext{});
    ASSERT_TRUE(tuned.ok()) << tuned.error();
    EXPECT_TRUE(obs.contains("pretrained tensors from " + base->bundlePath.string())) << obs.lines.front();

    // The bundle holds the weights of the epoch with the lowest validation loss: its validation loss, recomputed
    // from the file, is that epoch's.
    auto bundle = nn::ModelBundleIO::load(tuned->bundlePath.string());
    ASSERT_TRUE(bundle.ok()) << bundle.error();
    const int best = bundle->runcard["shippedEpoch"].get<int>();
    ASSERT_GE(best, 0);
    double lowest = 1e9;
    for (const auto& e : tuned->history) lowest = std::min(lowest, e.valLoss);
    EXPECT_DOUBLE_EQ(tuned->history[size_t(best)].valLoss, lowest);
    EvaluateOptions eo;
    eo.subset = "validation";
    eo.device = "cpu";
    eo.threads = 1;
    auto rep = Evaluator::evaluate(tuned->bundlePath, dir.path, eo, JobContext{});
    ASSERT_TRUE(rep.ok()) << rep.error();
    EXPECT_EQ(rep->images, tuned->valImages);
    EXPECT_NEAR(rep->loss, lowest, 1e-4);
    EXPECT_EQ(bundle->runcard["options"]["cutmixAlpha"].get<double>(), 1.0);
}

// A run card is a file anyone may edit: Train mode reads it for its plots. Found by fuzz_runcard: a field of the
// wrong type threw out of the reader (and out of the GUI's slot). Now such a field keeps its default.
TEST(RunCard, SummaryToleratesFieldsOfTheWrongType) {
    auto summary = RunCard::parseSummary(
        R"({"classes": ["a", 7, "b"], "history": [{"epoch": "one", "valAcc": 0.5, "confusion": [[1, "x"]]},
                                                   3, {"epoch": 2, "best": true}]})",
        "runs/x/runcard.json");
    ASSERT_TRUE(summary.ok()) << summary.error();
    EXPECT_EQ(summary->classes, (std::vector<std::string>{"a", "b"}));
    ASSERT_EQ(summary->history.size(), 2u);
    EXPECT_EQ(summary->history[0].epoch, 0);
    EXPECT_DOUBLE_EQ(summary->history[0].valAcc, 0.5);
    EXPECT_TRUE(summary->history[0].confusion.empty());
    EXPECT_EQ(summary->history[1].epoch, 2);
    EXPECT_TRUE(summary->history[1].best);
    auto notJson = RunCard::parseSummary("{\"classes\": [", "runs/x/runcard.json");
    ASSERT_FALSE(notJson.ok());
    EXPECT_NE(notJson.error().find("runs/x/runcard.json"), std::string::npos) << notJson.error();
}

// A run card's recipe reads back as the options that wrote it (to cross-validate a trained model's recipe); a field
// of the wrong type keeps its default.
TEST(RunCard, OptionsRoundTripAndToleratesFieldsOfTheWrongType) {
    TrainOptions o;
    o.arch = "resnet34";
    o.weightsPath = "/weights/resnet34.pth";
    o.mode = TrainMode::Partial;
    o.epochs = 17;
    o.imageSize = 96;
    o.lr = 0.003;
    o.optimizer = OptimizerKind::Sgd;
    o.labelSmoothing = 0.05;
    o.cutmixAlpha = 1.0;
    o.balancedSampling = true;
    o.augmentation = AugmentPreset::Archaeology;
    o.framing = Framing::Photo;
    o.seed = 99;
    o.valFraction = 0.25;
    o.includeDisputed = true;
    const TrainOptions back = RunCard::optionsFromJson(RunCard::toJson(o));
    EXPECT_EQ(RunCard::toJson(back), RunCard::toJson(o));

    auto edited = RunCard::toJson(o);
    edited["epochs"] = "many";
    edited["arch"] = 34;
    const TrainOptions tolerant = RunCard::optionsFromJson(edited);
    EXPECT_EQ(tolerant.epochs, TrainOptions::defaults().epochs);
    EXPECT_EQ(tolerant.arch, TrainOptions::defaults().arch);
    EXPECT_EQ(tolerant.imageSize, 96);
    EXPECT_EQ(RunCard::toJson(RunCard::optionsFromJson(nullptr)), RunCard::toJson(TrainOptions::defaults()));
}

TEST(RunCard, ARunRecordsColumnsAreReadOnlyWhereTheyHoldATrainingsFigures) {
    TrainOptions o;
    o.arch = "resnet34";
    o.mode = TrainMode::Partial;
    const auto options = RunCard::optionsFromText(RunCard::toJson(o).dump());
    ASSERT_TRUE(options.has_value());
    EXPECT_EQ(options->arch, "resnet34");
    EXPECT_EQ(options->mode, TrainMode::Partial);
    EpochInfo e;
    e.valAcc = 0.75;
    e.valLoss = 0.5;
    e.confusion = {{3, 1}, {0, 4}};
    e.precision = {1.0, 0.8};
    const auto epoch = RunCard::epochFromText(RunCard::toJson(e).dump());
    ASSERT_TRUE(epoch.has_value());
    EXPECT_DOUBLE_EQ(epoch->valAcc, 0.75);
    EXPECT_EQ(epoch->confusion, e.confusion);
    EXPECT_EQ(epoch->precision, e.precision);
    // A quick-model run's options, a run that ended before its first epoch, text that is not a JSON object: nothing.
    EXPECT_FALSE(RunCard::optionsFromText(R"({"model": "m.pth", "model_key": "k"})").has_value());
    EXPECT_FALSE(RunCard::epochFromText("{}").has_value());
    EXPECT_FALSE(RunCard::epochFromText("").has_value());
    EXPECT_FALSE(RunCard::optionsFromText("[1, 2").has_value());
    EXPECT_FALSE(RunCard::epochFromText(R"(["valAcc"])").has_value());
}

TEST(Trainer, CrossValidationScoresEveryPhotoOnceARepeatAndLeavesTheProjectAsItWas) {
    test::TempDir dir("trainer-cv");
    makeProject(dir.path, 6, 2);
    TrainOptions o = quick();
    o.epochs = 1;
    CrossValidationOptions cv;
    cv.folds = 3;
    cv.repeats = 2;
    cv.bootstrapSamples = 200;
    Messages messages;
    auto r = crossValidate(dir.path, o, cv, &messages, JobContext{});
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(r->photos, 12);
    EXPECT_EQ(r->finds, 12) << "no find ids: every photo is its own group";
    EXPECT_EQ(r->foldAccuracy.size(), 6u);
    ASSERT_EQ(r->repeatAccuracy.size(), 2u);
    EXPECT_NEAR(r->accuracy.value, (r->repeatAccuracy[0] + r->repeatAccuracy[1]) / 2, 1e-9)
        << "every repeat scores every photo once";
    EXPECT_LE(r->accuracy.low, r->accuracy.value);
    EXPECT_GE(r->accuracy.high, r->accuracy.value);
    EXPECT_EQ(r->classPhotos, (std::vector<int64_t>{6, 6}));
    int64_t confusionTotal = 0, binned = 0;
    for (const auto& row : r->confusion)
        for (auto v : row) confusionTotal += v;
    EXPECT_EQ(confusionTotal, 24) << "12 photos, 2 repeats";
    for (const auto& b : r->calibration.bins) binned += b.count;
    EXPECT_EQ(binned, 24);
    ASSERT_EQ(r->recall.size(), 2u);
    EXPECT_GT(r->temperature, 0.0);
    EXPECT_TRUE(messages.contains("cross-validation: repeat 2 of 2, fold 3 of 3"));

    // The models are gone and the project is as it was: no run recorded, no split stored, no active model.
    auto store = project::ProjectStore::open(dir.path, false);
    ASSERT_TRUE(store.ok());
    EXPECT_TRUE(store->runs().value().empty());
    EXPECT_TRUE(store->splits().value().empty());
    EXPECT_FALSE(store->activeModel().value().has_value());
    std::error_code ec;
    EXPECT_TRUE(!fs::exists(store->dataDir() / "runs", ec) || fs::is_empty(store->dataDir() / "runs", ec));

    cv.folds = 1;
    EXPECT_FALSE(crossValidate(dir.path, o, cv, nullptr, JobContext{}).ok());
    o.folds = 25;
    EXPECT_FALSE(Trainer::validate(o).ok());
}
