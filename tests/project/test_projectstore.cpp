// Project store: open/create/reopen, schema migration and refusal, classes, labels with undo, runs and settings,
// and clear errors for read-only projects.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>

#include <SQLiteCpp/Database.h>

#include "core/project/projectbackup.h"
#include "core/project/projectstore.h"
#include "core/project/schemamigrator.h"
#include "project/projecttestutil.h"

namespace fs = std::filesystem;
using namespace tessera::project;
using tessera::project::testing::TempDir;
using tessera::project::testing::runUnprivileged;
using tessera::project::testing::ScopedEnv;

namespace {

ImageRecord record(const std::string& relPath, const std::string& hash = "") {
    ImageRecord r;
    r.relPath = relPath;
    r.contentHash = hash.empty() ? "hash-" + relPath : hash;
    r.fileSize = 1234;
    r.mtimeNs = 1'700'000'000'000'000'000;
    r.width = 640;
    r.height = 480;
    r.channels = 3;
    r.bitDepth = 8;
    r.format = "jpeg";
    r.perceptualHash = 0xF00DFACE12345678ull;
    r.blur = 12.5;
    return r;
}

ProjectStore openStore(const fs::path& root) {
    auto store = ProjectStore::open(root);
    if (!store.ok()) throw std::runtime_error(store.error());
    return std::move(store.value());
}

}  // namespace

TEST(ProjectStore, CreatesOpensAndReopens) {
    TempDir dir;
    int64_t id = 0;
    {
        auto store = ProjectStore::open(dir.path());
        ASSERT_TRUE(store.ok()) << store.error();
        EXPECT_EQ(store->schemaVersion(), ProjectStore::kSchemaVersion);
        EXPECT_TRUE(fs::exists(dir.path() / ".tessera" / "project.db"));
        EXPECT_EQ(store->dataDir(), dir.path() / ".tessera");
        auto added = store->upsertImage(record("a/b.jpg"));
        ASSERT_TRUE(added.ok()) << added.error();
        id = added.value();
        ASSERT_TRUE(store->setSetting("view", "grid").ok());
    }
    auto store = ProjectStore::open(dir.path(), /*create=*/false);
    ASSERT_TRUE(store.ok()) << store.error();
    auto image = store->image(id);
    ASSERT_TRUE(image.ok()) << image.error();
    const ImageRecord expected = record("a/b.jpg");
    EXPECT_EQ(image->relPath, "a/b.jpg");
    EXPECT_EQ(image->contentHash, expected.contentHash);
    EXPECT_EQ(image->mtimeNs, expected.mtimeNs);
    EXPECT_EQ(image->perceptualHash, expected.perceptualHash);  // full 64 bits survive the signed column
    EXPECT_DOUBLE_EQ(image->blur, 12.5);
    EXPECT_EQ(store->setting("view").value().value_or(""), "grid");
    EXPECT_FALSE(store->setting("nothing").value().has_value());
    EXPECT_TRUE(store->checkIntegrity().ok());

    // Upsert by path updates the same row.
    ImageRecord changed = record("a/b.jpg");
    changed.width = 10;
    EXPECT_EQ(store->upsertImage(changed).value(), id);
    EXPECT_EQ(store->image(id)->width, 10);
    EXPECT_EQ(store->imageCount().value(), 1);
    EXPECT_FALSE(store->image(id + 100).ok());
}

TEST(ProjectStore, OpenWithoutCreateNamesTheFolder) {
    TempDir dir;
    auto store = ProjectStore::open(dir.path(), /*create=*/false);
    ASSERT_FALSE(store.ok());
    EXPECT_NE(store.error().find(dir.path().string()), std::string::npos) << store.error();
    EXPECT_FALSE(fs::exists(dir.path() / ".tessera"));  // nothing created

    auto missing = ProjectStore::open(dir.path() / "nope");
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().find("does not exist"), std::string::npos) << missing.error();
}

TEST(ProjectStore, MigratesAnEmptyVersion0Database) {
    TempDir dir;
    fs::create_directories(dir.path() / ".tessera");
    {
        SQLite::Database db((dir.path() / ".tessera" / "project.db").string(),
                            SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        // A database of schema version 0 with something in it (a 0-byte file is an emptied project, refused).
        db.exec("CREATE TABLE notes (text TEXT)");
        EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 0);
    }
    auto store = ProjectStore::open(dir.path());
    ASSERT_TRUE(store.ok()) << store.error();
    EXPECT_EQ(store->schemaVersion(), ProjectStore::kSchemaVersion);
    EXPECT_TRUE(store->upsertImage(record("x.png")).ok());
    EXPECT_TRUE(store->addClass("bowl").ok());
}

TEST(ProjectStore, MigrationMechanismAddsALaterStepAndKeepsData) {
    TempDir dir;
    int64_t id = 0;
    {
        ProjectStore store = openStore(dir.path());
        id = store.upsertImage(record("keep.jpg")).value();
    }
    const std::string dbPath = (dir.path() / ".tessera" / "project.db").string();
    {
        SQLite::Database db(dbPath, SQLite::OPEN_READWRITE);
        std::vector<Migration> steps = SchemaMigrator::migrations();
        const int next = SchemaMigrator::latestVersion() + 1;
        steps.push_back({next, "ALTER TABLE images ADD COLUMN note TEXT NOT NULL DEFAULT 'later';"});
        ASSERT_TRUE(SchemaMigrator::migrate(db, dbPath, steps).ok());
        EXPECT_EQ(SchemaMigrator::userVersion(db), next);
        EXPECT_EQ(db.execAndGet("SELECT note FROM images WHERE id = " + std::to_string(id)).getString(), "later");
        // Running again is a no-op.
        ASSERT_TRUE(SchemaMigrator::migrate(db, dbPath, steps).ok());
        EXPECT_EQ(SchemaMigrator::userVersion(db), next);
    }
    // This build does not know the added step: the newer database is refused, not damaged.
    auto store = ProjectStore::open(dir.path());
    ASSERT_FALSE(store.ok());
    EXPECT_NE(store.error().find("newer Tessera"), std::string::npos) << store.error();
}

TEST(ProjectStore, RefusesADatabaseFromANewerVersion) {
    TempDir dir;
    { openStore(dir.path()); }
    const std::string dbPath = (dir.path() / ".tessera" / "project.db").string();
    {
        SQLite::Database db(dbPath, SQLite::OPEN_READWRITE);
        db.exec("PRAGMA user_version = 99");
    }
    auto store = ProjectStore::open(dir.path());
    ASSERT_FALSE(store.ok());
    EXPECT_NE(store.error().find(dbPath), std::string::npos) << store.error();
    EXPECT_NE(store.error().find("99"), std::string::npos) << store.error();
    EXPECT_NE(store.error().find("newer"), std::string::npos) << store.error();
    SQLite::Database db(dbPath, SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 99);
}

TEST(ProjectStore, ClassesGetKeysColoursAndOrder) {
    TempDir dir;
    ProjectStore store = openStore(dir.path());
    const int64_t a = store.addClass("bowl").value();
    const int64_t b = store.addClass(" jar ").value();  // trimmed
    const int64_t c = store.addClass("Schüssel, groß").value();
    auto classes = store.classes().value();
    ASSERT_EQ(classes.size(), 3u);
    EXPECT_EQ(classes[0].name, "bowl");
    EXPECT_EQ(classes[1].name, "jar");
    EXPECT_EQ(classes[2].name, "Schüssel, groß");
    std::set<std::string> colours;
    for (size_t i = 0; i < classes.size(); ++i) {
        EXPECT_EQ(classes[i].key, int(i) + 1);
        EXPECT_EQ(classes[i].order, int(i));
        EXPECT_EQ(classes[i].color.size(), 7u);
        colours.insert(classes[i].color);
    }
    EXPECT_EQ(colours.size(), 3u);

    EXPECT_FALSE(store.addClass("bowl").ok());
    EXPECT_FALSE(store.addClass("   ").ok());
    EXPECT_EQ(store.ensureClass("jar").value(), b);
    EXPECT_TRUE(store.renameClass(b, "amphora").ok());
    EXPECT_FALSE(store.renameClass(b, "bowl").ok());
    EXPECT_FALSE(store.renameClass(9999, "x").ok());

    // Taking key 1 for c frees it from a; invalid keys and colours are refused.
    ASSERT_TRUE(store.setClassKey(c, 1).ok());
    classes = store.classes().value();
    EXPECT_EQ(classes[0].key, 0);
    EXPECT_EQ(classes[2].key, 1);
    EXPECT_FALSE(store.setClassKey(a, 10).ok());
    EXPECT_FALSE(store.setClassColor(a, "red").ok());
    ASSERT_TRUE(store.setClassColor(a, "#A0B1C2").ok());
    EXPECT_EQ(store.classes().value()[0].color, "#a0b1c2");

    // Keys run out after nine classes.
    for (int i = 0; i < 8; ++i) ASSERT_TRUE(store.addClass("extra" + std::to_string(i)).ok());
    classes = store.classes().value();
    std::set<int> keys;
    for (const auto& cls : classes)
        if (cls.key) keys.insert(cls.key);
    EXPECT_EQ(keys.size(), 9u);
    EXPECT_EQ(classes.back().key, 0);
}

TEST(ProjectStore, MergeMovesLabelsAndRemoveDeletesThem) {
    TempDir dir;
    ProjectStore store = openStore(dir.path());
    const int64_t i1 = store.upsertImage(record("1.jpg")).value();
    const int64_t i2 = store.upsertImage(record("2.jpg")).value();
    const int64_t i3 = store.upsertImage(record("3.jpg")).value();
    const int64_t a = store.addClass("a").value();
    const int64_t b = store.addClass("b").value();
    const int64_t c = store.addClass("c").value();
    ASSERT_TRUE(store.setLabel(i1, a).ok());
    ASSERT_TRUE(store.setLabel(i2, b).ok());
    ASSERT_TRUE(store.setLabel(i3, c).ok());
    const int64_t run = store.addRun(RunRecord{}).value();
    ASSERT_TRUE(store.putPredictions({{i1, run, a, 0.9, {}}, {i3, run, c, 0.7, {}}}).ok());

    ASSERT_TRUE(store.mergeClasses(a, b).ok());
    EXPECT_EQ(store.label(i1).value()->classId, b);
    EXPECT_EQ(store.label(i2).value()->classId, b);
    EXPECT_EQ(store.predictions(run).value()[0].classId, b);
    EXPECT_EQ(store.classes().value().size(), 2u);
    EXPECT_FALSE(store.mergeClasses(a, b).ok());  // a is gone
    EXPECT_FALSE(store.mergeClasses(b, b).ok());

    ASSERT_TRUE(store.removeClass(c).ok());
    EXPECT_FALSE(store.label(i3).value().has_value());
    EXPECT_EQ(store.predictions(run).value()[1].classId, 0);  // prediction kept, class gone
    EXPECT_EQ(store.labels().value().size(), 2u);
    EXPECT_FALSE(store.removeClass(c).ok());
}

TEST(ProjectStore, SetLabelReturnsThePreviousLabelAndRestoreUndoesExactly) {
    TempDir dir;
    ProjectStore store = openStore(dir.path());
    const int64_t img = store.upsertImage(record("x.jpg")).value();
    const int64_t other = store.upsertImage(record("y.jpg")).value();
    const int64_t a = store.addClass("a").value();
    const int64_t b = store.addClass("b").value();

    auto first = store.setLabel(img, a, LabelSource::Imported);
    ASSERT_TRUE(first.ok()) << first.error();
    EXPECT_FALSE(first->has_value());
    const Label imported = store.label(img).value().value();
    EXPECT_EQ(imported.source, LabelSource::Imported);
    EXPECT_GT(imported.timeMs, 0);

    auto second = store.setLabel(img, b);
    ASSERT_TRUE(second.ok());
    ASSERT_TRUE(second->has_value());
    EXPECT_EQ((*second)->classId, a);
    EXPECT_EQ((*second)->source, LabelSource::Imported);
    EXPECT_EQ((*second)->timeMs, imported.timeMs);
    EXPECT_EQ(store.label(img).value()->classId, b);

    // Undo: back to exactly the imported label, time included.
    ASSERT_TRUE(store.restoreLabel(img, *second).ok());
    const Label restored = store.label(img).value().value();
    EXPECT_EQ(restored.classId, a);
    EXPECT_EQ(restored.source, LabelSource::Imported);
    EXPECT_EQ(restored.timeMs, imported.timeMs);
    // Undo of the first assignment: no label.
    ASSERT_TRUE(store.restoreLabel(img, *first).ok());
    EXPECT_FALSE(store.label(img).value().has_value());

    // clearLabel returns what it removed.
    ASSERT_TRUE(store.setLabel(img, b, LabelSource::AcceptedPrediction).ok());
    auto cleared = store.clearLabel(img);
    ASSERT_TRUE(cleared.ok() && cleared->has_value());
    EXPECT_EQ((*cleared)->source, LabelSource::AcceptedPrediction);
    EXPECT_FALSE(store.label(img).value().has_value());

    // Bulk: previous labels in input order, undone one by one.
    ASSERT_TRUE(store.setLabel(other, a).ok());
    auto bulk = store.setLabels({img, other}, b);
    ASSERT_TRUE(bulk.ok()) << bulk.error();
    ASSERT_EQ(bulk->size(), 2u);
    EXPECT_FALSE((*bulk)[0].has_value());
    ASSERT_TRUE((*bulk)[1].has_value());
    EXPECT_EQ((*bulk)[1]->classId, a);
    EXPECT_EQ(store.classByImage().value().at(img), b);
    EXPECT_EQ(store.classByImage().value().at(other), b);
    ASSERT_TRUE(store.restoreLabel(img, (*bulk)[0]).ok());
    ASSERT_TRUE(store.restoreLabel(other, (*bulk)[1]).ok());
    EXPECT_FALSE(store.label(img).value().has_value());
    EXPECT_EQ(store.label(other).value()->classId, a);

    // Bad ids give errors, and a failed bulk call changes nothing.
    EXPECT_FALSE(store.setLabel(9999, a).ok());
    EXPECT_FALSE(store.setLabel(img, 9999).ok());
    EXPECT_FALSE(store.setLabels({img, 9999}, b).ok());
    EXPECT_FALSE(store.label(img).value().has_value());

    // Deleting an image takes its label with it.
    ASSERT_TRUE(store.removeImages({other}).ok());
    EXPECT_TRUE(store.labels().value().empty());
}

TEST(ProjectStore, DisputesAreMarkedClearedAllOrNothingAndGoWithTheirPhoto) {
    TempDir dir;
    ProjectStore store = openStore(dir.path());
    const int64_t x = store.upsertImage(record("x.jpg")).value();
    const int64_t y = store.upsertImage(record("y.jpg")).value();
    const int64_t unlabelled = store.upsertImage(record("z.jpg")).value();
    const int64_t cls = store.addClass("a").value();
    ASSERT_TRUE(store.setLabels({x, y}, cls).ok());
    EXPECT_TRUE(store.disputedImages().value().empty());

    auto changed = store.setDisputed({x, y, unlabelled}, true);
    ASSERT_TRUE(changed.ok()) << changed.error();
    EXPECT_EQ(*changed, (std::vector<int64_t>{x, y})) << "only a label can be disputed: z has none";
    EXPECT_EQ(store.setDisputed({x}, true).value(), std::vector<int64_t>{}) << "already disputed: no change";
    EXPECT_EQ(store.disputedImages().value(), (std::unordered_set<int64_t>{x, y}));
    EXPECT_EQ(store.label(x).value()->classId, cls) << "a disputed photo keeps its label";

    // An id that is no photo: an error naming it, and nothing changes (the transaction is rolled back).
    auto bad = store.setDisputed({y, 424242}, false);
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().find("424242"), std::string::npos) << bad.error();
    EXPECT_EQ(store.disputedImages().value(), (std::unordered_set<int64_t>{x, y}));

    EXPECT_EQ(store.setDisputed({y}, false).value(), std::vector<int64_t>{y});
    ASSERT_TRUE(store.removeImages({x}).ok());
    EXPECT_TRUE(store.disputedImages().value().empty()) << "the dispute goes with its photo";
}

TEST(ProjectStore, ADisputeGoesWithItsLabelAndComesBackWithIt) {
    TempDir dir;
    ProjectStore store = openStore(dir.path());
    const int64_t x = store.upsertImage(record("x.jpg")).value();
    const int64_t y = store.upsertImage(record("y.jpg")).value();
    const int64_t a = store.addClass("a").value();
    const int64_t b = store.addClass("b").value();
    ASSERT_TRUE(store.setLabel(x, a).ok());
    ASSERT_TRUE(store.setLabel(y, b).ok());
    ASSERT_TRUE(store.setDisputed({x, y}, true).ok());
    EXPECT_TRUE(store.label(x).value()->disputed);
    ASSERT_EQ(store.labels().value().size(), 2u);
    EXPECT_TRUE(store.labels().value()[0].disputed && store.labels().value()[1].disputed);

    // A new class keeps the dispute: the attribution is still open until someone clears it.
    ASSERT_TRUE(store.setLabels({x}, b).ok());
    EXPECT_TRUE(store.disputedImages().value().count(x));

    // Clearing the label clears its dispute; labelling the photo again later starts undisputed.
    auto previous = store.clearLabel(x);
    ASSERT_TRUE(previous.ok() && previous->has_value());
    EXPECT_TRUE((*previous)->disputed) << "the undo record knows the label was disputed";
    EXPECT_FALSE(store.disputedImages().value().count(x));
    ASSERT_TRUE(store.setLabel(x, a).ok());
    EXPECT_FALSE(store.label(x).value()->disputed);

    // The undo path puts back exactly the state it was given, dispute included.
    ASSERT_TRUE(store.restoreLabel(x, *previous).ok());
    EXPECT_EQ(store.label(x).value()->classId, b);
    EXPECT_TRUE(store.label(x).value()->disputed);
    ASSERT_TRUE(store.restoreLabel(x, std::nullopt).ok());
    EXPECT_FALSE(store.disputedImages().value().count(x));

    // Removing a class removes its labels and their disputes.
    ASSERT_TRUE(store.removeClass(b).ok());
    EXPECT_TRUE(store.disputedImages().value().empty());
    ASSERT_TRUE(store.setLabel(y, a).ok());
    EXPECT_FALSE(store.label(y).value()->disputed);
}

TEST(ProjectStore, TheLabelChecksFlagsStandWhileTheirLabelStandsUnquestioned) {
    TempDir dir;
    ProjectStore store = openStore(dir.path());
    const int64_t a = store.addClass("a").value(), b = store.addClass("b").value(), c = store.addClass("c").value();
    std::vector<int64_t> ids;
    for (const char* name : {"1.jpg", "2.jpg", "3.jpg", "4.jpg", "5.jpg"}) ids.push_back(store.upsertImage(record(name)).value());
    ASSERT_TRUE(store.setLabels(ids, a).ok());
    std::vector<LabelIssueRecord> issues;
    for (size_t i = 0; i < ids.size(); ++i) issues.push_back({ids[i], a, b, 0.05 * double(5 - i), 1000});
    ASSERT_TRUE(store.replaceLabelIssues(issues).ok());
    const auto imagesOf = [&] {
        std::vector<int64_t> out;
        for (const auto& r : store.labelIssues().value()) out.push_back(r.imageId);
        return out;
    };
    EXPECT_EQ(imagesOf(), (std::vector<int64_t>{ids[4], ids[3], ids[2], ids[1], ids[0]})) << "most suspect first";
    const auto first = store.labelIssues().value().front();
    EXPECT_EQ(first.classId, a);
    EXPECT_EQ(first.suggestedClassId, b);
    EXPECT_DOUBLE_EQ(first.selfConfidence, 0.05);
    EXPECT_EQ(first.timeMs, 1000);

    // Accepting the suggestion, relabelling, keeping the label (Confirmed), disputing it: each ends its flag.
    ASSERT_TRUE(store.setLabel(ids[4], b).ok());
    ASSERT_TRUE(store.setLabel(ids[3], c).ok());
    auto kept = store.setLabels({ids[2]}, a, LabelSource::Confirmed);
    ASSERT_TRUE(kept.ok());
    ASSERT_TRUE(store.setDisputed({ids[1]}, true).ok());
    EXPECT_EQ(imagesOf(), (std::vector<int64_t>{ids[0]}));
    // Undo puts the flags back, with no bookkeeping of its own.
    ASSERT_TRUE(store.restoreLabel(ids[2], kept->front()).ok());
    ASSERT_TRUE(store.setDisputed({ids[1]}, false).ok());
    EXPECT_EQ(imagesOf(), (std::vector<int64_t>{ids[2], ids[1], ids[0]}));
    ASSERT_TRUE(store.clearLabel(ids[0]).ok());
    EXPECT_EQ(imagesOf(), (std::vector<int64_t>{ids[2], ids[1]})) << "no label, nothing to question";

    // A new check replaces the list; an id that is no photo changes nothing.
    ASSERT_FALSE(store.replaceLabelIssues({{424242, a, b, 0.1, 2000}}).ok());
    EXPECT_EQ(imagesOf().size(), 2u);
    ASSERT_TRUE(store.replaceLabelIssues({}).ok());
    EXPECT_TRUE(store.labelIssues().value().empty());
    ASSERT_TRUE(store.replaceLabelIssues({{ids[1], a, c, 0.2, 3000}}).ok());
    ASSERT_TRUE(store.removeImages({ids[1]}).ok());
    EXPECT_TRUE(store.labelIssues().value().empty()) << "the flag goes with its photo";
}

TEST(ProjectStore, AssignLabelsOnlyUnlabelledKeepsExistingLabels) {
    TempDir dir;
    ProjectStore store = openStore(dir.path());
    const int64_t i1 = store.upsertImage(record("1.jpg")).value();
    const int64_t i2 = store.upsertImage(record("2.jpg")).value();
    const int64_t a = store.addClass("a").value();
    const int64_t b = store.addClass("b").value();
    ASSERT_TRUE(store.setLabel(i1, a).ok());
    auto applied = store.assignLabels({{i1, b}, {i2, b}}, LabelSource::Imported, /*onlyUnlabelled=*/true);
    ASSERT_TRUE(applied.ok()) << applied.error();
    EXPECT_EQ(applied.value(), 1);
    EXPECT_EQ(store.label(i1).value()->classId, a);
    EXPECT_EQ(store.label(i2).value()->source, LabelSource::Imported);
    EXPECT_EQ(store.assignLabels({{i1, b}}, LabelSource::Manual).value(), 1);
    EXPECT_EQ(store.label(i1).value()->classId, b);
}

TEST(ProjectStore, ImagesRenameFlagsAndFindIds) {
    TempDir dir;
    ProjectStore store = openStore(dir.path());
    std::vector<ImageRecord> batch = {record("b.jpg", "same"), record("a.jpg", "same"), record("c.jpg")};
    ASSERT_TRUE(store.upsertImages(batch).ok());
    for (const auto& r : batch) EXPECT_GT(r.id, 0);
    auto all = store.images().value();
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].relPath, "a.jpg");  // ordered by path
    EXPECT_EQ(store.imagesByHash("same").value().size(), 2u);
    EXPECT_FALSE(store.imageByPath("zzz.jpg").value().has_value());

    ASSERT_TRUE(store.renameImage(batch[2].id, "sub/c2.jpg").ok());
    EXPECT_EQ(store.imageByPath("sub/c2.jpg").value()->id, batch[2].id);
    EXPECT_FALSE(store.renameImage(batch[2].id, "a.jpg").ok());  // taken
    ASSERT_TRUE(store.setFlags({{batch[0].id, FlagMissing | FlagBlurry}}).ok());
    EXPECT_EQ(store.image(batch[0].id)->flags, uint32_t(FlagMissing | FlagBlurry));
    ASSERT_TRUE(store.setFindIds({{batch[0].id, "F-12"}, {batch[1].id, "F-12"}}).ok());
    EXPECT_EQ(store.image(batch[1].id)->findId, "F-12");
}

TEST(ProjectStore, SplitsRunsPredictionsAndSettings) {
    TempDir dir;
    ProjectStore store = openStore(dir.path());
    const int64_t i1 = store.upsertImage(record("1.jpg")).value();
    const int64_t i2 = store.upsertImage(record("2.jpg")).value();
    const int64_t cls = store.addClass("a").value();
    ASSERT_TRUE(store.setSplits({{i1, SplitKind::Train}, {i2, SplitKind::Validation}}).ok());
    ASSERT_TRUE(store.setSplits({{i1, SplitKind::Test}}, /*fold=*/1).ok());
    auto fold0 = store.splits(0).value();
    EXPECT_EQ(fold0.at(i1), SplitKind::Train);
    EXPECT_EQ(fold0.at(i2), SplitKind::Validation);
    EXPECT_EQ(store.splits(1).value().at(i1), SplitKind::Test);
    ASSERT_TRUE(store.setSplits({{i2, SplitKind::Test}}).ok());  // replaces fold 0
    EXPECT_EQ(store.splits(0).value().size(), 1u);

    RunRecord run;
    run.name = "resnet18";
    run.optionsJson = R"({"epochs": 3})";
    const int64_t runId = store.addRun(run).value();
    run.id = runId;
    run.status = "finished";
    run.finishedMs = 42;
    ASSERT_TRUE(store.updateRun(run).ok());
    auto runs = store.runs().value();
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].status, "finished");
    EXPECT_EQ(runs[0].optionsJson, R"({"epochs": 3})");
    EXPECT_GT(runs[0].createdMs, 0);
    EXPECT_EQ(runs[0].finishedMs, 42);
    run.id = 999;
    EXPECT_FALSE(store.updateRun(run).ok());

    ASSERT_TRUE(store.putPredictions({{i1, runId, cls, 0.5, {{"a", 0.5}, {"b", 0.25}}}}).ok());
    auto stored = store.predictions(runId).value();
    ASSERT_EQ(stored.size(), 1u);
    ASSERT_EQ(stored[0].top.size(), 2u);
    EXPECT_EQ(stored[0].top[1].className, "b");
    EXPECT_DOUBLE_EQ(stored[0].top[1].probability, 0.25);
    ASSERT_TRUE(store.putPredictions({{i1, runId, cls, 0.8, {}}}).ok());  // replaces
    auto predictions = store.predictions(runId).value();
    ASSERT_EQ(predictions.size(), 1u);
    EXPECT_DOUBLE_EQ(predictions[0].confidence, 0.8);
    EXPECT_TRUE(predictions[0].top.empty());
    // A stored list that is not [{"class", "p"}, ...] (a damaged or hand-edited row) reads as no list.
    for (const char* bad : {"not json", R"({"class":"a"})", R"([{"class":"a","p":"high"}])", R"([{"p":0.5}])"}) {
        SQLite::Database db((dir.path() / ".tessera" / "project.db").string(), SQLite::OPEN_READWRITE);
        db.exec(std::string("UPDATE predictions SET top_json = '") + bad + "'");
        auto read = store.predictions(runId);
        ASSERT_TRUE(read.ok()) << read.error();
        EXPECT_TRUE(read->at(0).top.empty()) << bad;
    }
    EXPECT_FALSE(store.putPredictions({{i1, 777, cls, 0.1, {}}}).ok());  // no such run: foreign key
}

TEST(ProjectStore, ReplacePredictionsRewritesOneRunAndLatestRunFindsIt) {
    TempDir dir;
    ProjectStore store = openStore(dir.path());
    const int64_t i1 = store.upsertImage(record("1.jpg")).value();
    const int64_t i2 = store.upsertImage(record("2.jpg")).value();
    const int64_t cls = store.addClass("a").value();
    EXPECT_EQ(store.latestPredictionRun().value(), 0);
    const int64_t first = store.addRun(RunRecord{}).value();
    const int64_t second = store.addRun(RunRecord{}).value();
    ASSERT_TRUE(store.putPredictions({{i1, first, cls, 0.5, {}}}).ok());
    EXPECT_EQ(store.latestPredictionRun().value(), first);  // `second` has no predictions yet

    ASSERT_TRUE(store.putPredictions({{i1, second, cls, 0.6, {}}, {i2, second, cls, 0.7, {}}}).ok());
    ASSERT_TRUE(store.replacePredictions(second, {{i2, second, 0, 0.9, {}}}).ok());
    auto now = store.predictions(second).value();
    ASSERT_EQ(now.size(), 1u);  // i1's row of the run is gone
    EXPECT_EQ(now[0].imageId, i2);
    EXPECT_EQ(now[0].classId, 0);
    EXPECT_DOUBLE_EQ(now[0].confidence, 0.9);
    EXPECT_EQ(store.predictions(first).value().size(), 1u);  // other runs untouched
    EXPECT_EQ(store.latestPredictionRun().value(), second);

    // A row of another run is refused and nothing changes.
    EXPECT_FALSE(store.replacePredictions(second, {{i1, first, cls, 0.1, {}}}).ok());
    EXPECT_EQ(store.predictions(second).value().size(), 1u);
    ASSERT_TRUE(store.replacePredictions(second, {}).ok());
    EXPECT_EQ(store.latestPredictionRun().value(), first);
}

TEST(ProjectStore, LabelSourceStrings) {
    for (LabelSource s : {LabelSource::Manual, LabelSource::Imported, LabelSource::AcceptedPrediction}) {
        LabelSource back = LabelSource::Manual;
        ASSERT_TRUE(labelSourceFromString(toString(s), &back));
        EXPECT_EQ(back, s);
    }
    EXPECT_STREQ(toString(LabelSource::AcceptedPrediction), "accepted-prediction");
    LabelSource untouched = LabelSource::Imported;
    EXPECT_FALSE(labelSourceFromString("Manual", &untouched));
    EXPECT_EQ(untouched, LabelSource::Imported);
}

// --- read-only projects: a clear error naming the path, never a crash. Run in a child as an unprivileged user,
// because root ignores permission bits.

// A photo folder Tessera may not write to keeps its project in the per-user location; nothing is written into it.
// Checked as root too: a folder without any write permission is read-only to Tessera even where root could write.
class ReadOnlyPhotoFolder : public ::testing::Test {
protected:
    void SetUp() override {
        fs::create_directories(root / "bowls");
        std::ofstream(root / "bowls" / "a.jpg") << "not really a photo";
        fs::permissions(root / "bowls", fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write,
                        fs::perm_options::remove);
        fs::permissions(root, fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write,
                        fs::perm_options::remove);
    }
    void TearDown() override {
        fs::permissions(root, fs::perms::owner_all, fs::perm_options::add);
        fs::permissions(root / "bowls", fs::perms::owner_all, fs::perm_options::add);
    }

    TempDir dir;
    fs::path root = dir.path() / "photos";
    ScopedEnv projectsDir{"TESSERA_PROJECTS_DIR", (dir.path() / "user-projects").string()};
};

TEST_F(ReadOnlyPhotoFolder, ItsProjectIsKeptPerUserAndFoundAgain) {
    EXPECT_FALSE(folderIsWritable(root));
    {
        auto store = ProjectStore::open(root);
        ASSERT_TRUE(store.ok()) << store.error();
        EXPECT_FALSE(store->inPhotoFolder());
        EXPECT_EQ(store->dataDir(), userProjectDirFor(root));
        EXPECT_EQ(store->dataDir().parent_path(), dir.path() / "user-projects");
        EXPECT_EQ(store->root(), root);
        EXPECT_EQ(store->setting(ProjectStore::kPhotoRootKey).value(), root.string());
        ASSERT_TRUE(store->addClass("bowl").ok());
    }
    EXPECT_FALSE(fs::exists(root / ".tessera"));
    auto found = findProject(root);
    ASSERT_TRUE(found.has_value());
    EXPECT_FALSE(found->inPhotoFolder);
    auto again = ProjectStore::open(root / "", /*create=*/false);  // a trailing '/' names the same folder
    ASSERT_TRUE(again.ok()) << again.error();
    EXPECT_EQ(again->classes().value().size(), 1u);
}

TEST_F(ReadOnlyPhotoFolder, KeepingItInThePhotoFolderIsRefusedByName) {
    auto where = locateProject(root, ProjectPlace::PhotoFolder);
    ASSERT_FALSE(where.ok());
    EXPECT_NE(where.error().find(root.string()), std::string::npos) << where.error();
    EXPECT_NE(where.error().find("read-only"), std::string::npos) << where.error();
}

TEST_F(ReadOnlyPhotoFolder, MovedPhotosTakeTheirProjectAlong) {
    { ASSERT_TRUE(ProjectStore::open(root).value().addClass("bowl").ok()); }
    EXPECT_TRUE(ProjectStore::projectsWithMissingPhotos().empty());
    const fs::path moved = dir.path() / "archive-2026";
    fs::rename(root, moved);
    // What the GUI offers when a folder without a project is opened: the project whose photos went missing.
    const auto missing = ProjectStore::projectsWithMissingPhotos();
    ASSERT_EQ(missing.size(), 1u);
    EXPECT_EQ(missing[0].photoRoot, root);
    EXPECT_EQ(missing[0].dataDir, userProjectDirFor(root));
    auto where = repointUserProject(root, moved);
    ASSERT_TRUE(where.ok()) << where.error();
    EXPECT_FALSE(findProject(root).has_value());
    auto store = ProjectStore::open(moved, /*create=*/false);
    ASSERT_TRUE(store.ok()) << store.error();
    EXPECT_EQ(store->dataDir(), userProjectDirFor(moved));
    EXPECT_EQ(store->setting(ProjectStore::kPhotoRootKey).value(), moved.string());
    EXPECT_EQ(store->classes().value().size(), 1u);
    EXPECT_TRUE(ProjectStore::projectsWithMissingPhotos().empty());
    fs::rename(moved, root);  // for TearDown
    EXPECT_FALSE(repointUserProject(dir.path() / "nowhere", root).ok());
}

// A project made elsewhere and then put where it cannot be written (a DVD, a read-only share): it opens on a
// per-user working copy, labels, runs and the active model kept. (tests/cli/test_cli_readonly.cpp checks that
// nothing in the photo folder changes.)
TEST(ProjectStore, AReadOnlyProjectIsWorkedOnInAPerUserCopy) {
    TempDir dir;
    const fs::path root = dir.path() / "photos";
    fs::create_directories(root / "bowls");
    std::ofstream(root / "bowls" / "a.jpg") << "not really a photo";
    {
        ProjectStore store = openStore(root);
        ASSERT_TRUE(store.addClass("bowl").ok());
        fs::create_directories(store.dataDir() / "runs" / "first");
        std::ofstream(store.dataDir() / "runs" / "first" / "model.tessera-model") << "model bytes";
        ASSERT_TRUE(store.setActiveModel(store.dataDir() / "runs" / "first" / "model.tessera-model").ok());
        fs::create_directories(store.dataDir() / "cache" / "160");
        std::ofstream(store.dataDir() / "cache" / "160" / "x.bin") << "cached canvas";
    }
    ScopedEnv projects("TESSERA_PROJECTS_DIR", (dir.path() / "user-projects").string());
    const auto noWrite = fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write;
    fs::permissions(root / ".tessera", noWrite, fs::perm_options::remove);  // TempDir puts the permissions back
    EXPECT_FALSE(folderIsWritable(root / ".tessera"));
    {
        auto store = ProjectStore::open(root, /*create=*/false);
        ASSERT_TRUE(store.ok()) << store.error();
        EXPECT_FALSE(store->inPhotoFolder());
        EXPECT_EQ(store->copiedFrom(), root / ".tessera");
        EXPECT_EQ(store->dataDir(), userProjectDirFor(root));
        EXPECT_EQ(store->classes().value().size(), 1u);
        EXPECT_EQ(store->activeModel().value(), store->dataDir() / "runs" / "first" / "model.tessera-model");
        EXPECT_TRUE(fs::exists(store->dataDir() / "runs" / "first" / "model.tessera-model"));
        EXPECT_FALSE(fs::exists(store->dataDir() / "cache"));  // remade when needed
        ASSERT_TRUE(store->addClass("jar").ok());                  // the copy is writable
    }
    {
        auto again = ProjectStore::open(root, /*create=*/true);  // finds the copy: copied once, work kept
        ASSERT_TRUE(again.ok()) << again.error();
        EXPECT_TRUE(again->copiedFrom().empty());
        EXPECT_EQ(again->dataDir(), userProjectDirFor(root));
        EXPECT_EQ(again->classes().value().size(), 2u);
    }
    EXPECT_EQ(findProject(root)->dataDir, userProjectDirFor(root));
}

TEST(ProjectStore, AWritableFolderKeepsItsProjectInside) {
    TempDir dir;
    auto where = locateProject(dir.path());
    ASSERT_TRUE(where.ok()) << where.error();
    EXPECT_TRUE(where->inPhotoFolder);
    EXPECT_EQ(where->dataDir, dir.path() / ".tessera");
    EXPECT_FALSE(locateProject(dir.path(), ProjectPlace::UserFolder).value().inPhotoFolder);
}

TEST(ProjectStore, ReadOnlyDatabaseGivesAClearError) {
    TempDir dir;
    { openStore(dir.path()); }
    const fs::path db = dir.path() / ".tessera" / "project.db";
    fs::permissions(dir.path() / ".tessera", fs::perms::all);
    fs::permissions(db, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
    const std::string message = runUnprivileged([&] {
        auto store = ProjectStore::open(dir.path());
        return store.ok() ? std::string("OPENED") : store.error();
    });
    EXPECT_NE(message, "OPENED");
    EXPECT_NE(message.find(db.string()), std::string::npos) << message;
    EXPECT_NE(message.find("read-only"), std::string::npos) << message;
}

TEST(ProjectStore, PathsThatCannotHoldAProjectGiveErrors) {
    TempDir dir;
    tessera::project::testing::writeText(dir.path() / "file.txt", "x");
    auto underFile = ProjectStore::open(dir.path() / "file.txt");
    ASSERT_FALSE(underFile.ok());
    EXPECT_NE(underFile.error().find("file.txt"), std::string::npos) << underFile.error();

    const fs::path root = dir.path() / "proj";
    tessera::project::testing::writeText(root / ".tessera", "not a folder");
    auto blocked = ProjectStore::open(root);
    ASSERT_FALSE(blocked.ok());
    EXPECT_NE(blocked.error().find((root / ".tessera").string()), std::string::npos) << blocked.error();
}

TEST(ProjectStore, ANewRunBecomesTheActiveModelOnlyWhenThereIsNone) {
    TempDir dir;
    ProjectStore store = openStore(dir.path());
    auto none = store.activeModel();
    ASSERT_TRUE(none.ok()) << none.error();
    EXPECT_FALSE(none->has_value());

    const fs::path first = store.dataDir() / "runs" / "a" / "model.tessera-model";
    const fs::path second = store.dataDir() / "runs" / "b" / "model.tessera-model";
    fs::create_directories(first.parent_path());
    fs::create_directories(second.parent_path());
    std::ofstream(first) << "bundle a";
    std::ofstream(second) << "bundle b";

    auto adopted = store.adoptAsActiveModelIfNone(first);
    ASSERT_TRUE(adopted.ok()) << adopted.error();
    EXPECT_TRUE(*adopted);
    EXPECT_EQ(store.activeModel()->value(), first);
    // A later run leaves the user's active model alone.
    adopted = store.adoptAsActiveModelIfNone(second);
    ASSERT_TRUE(adopted.ok());
    EXPECT_FALSE(*adopted);
    EXPECT_EQ(store.activeModel()->value(), first);
    // Stored relative to the project's data folder: a moved project keeps its active model.
    EXPECT_EQ(store.setting("active_model")->value(), "runs/a/model.tessera-model");
    // When the active model's file is gone, the next run takes its place.
    fs::remove(first);
    adopted = store.adoptAsActiveModelIfNone(second);
    ASSERT_TRUE(adopted.ok());
    EXPECT_TRUE(*adopted);
    EXPECT_EQ(store.activeModel()->value(), second);
    // A bundle outside the project is refused with the path in the message.
    auto outside = store.setActiveModel(dir.path().parent_path() / "elsewhere.tessera-model");
    ASSERT_FALSE(outside.ok());
    EXPECT_NE(outside.error().find("elsewhere.tessera-model"), std::string::npos);
}

// A project database cut to 0 bytes (a full disk, a failed copy) holds none of the labels: it is refused by name,
// never taken for a new, empty project; and the file stays as it was.
TEST(ProjectStore, AnEmptiedDatabaseIsRefusedNotReplaced) {
    TempDir dir;
    {
        ProjectStore store = openStore(dir.path());
        ASSERT_TRUE(store.upsertImage(record("a.jpg")).ok());
    }
    const fs::path db = dir.path() / ".tessera" / "project.db";
    fs::resize_file(db, 0);
    for (bool create : {false, true}) {
        auto store = ProjectStore::open(dir.path(), create);
        ASSERT_FALSE(store.ok());
        EXPECT_NE(store.error().find(db.string()), std::string::npos) << store.error();
        EXPECT_NE(store.error().find("empty (0 bytes)"), std::string::npos) << store.error();
        EXPECT_EQ(fs::file_size(db), 0u);
    }
}

// Damaged pages (overwritten bytes) and a file that is no database at all: refused with the file's name, and the
// file is left untouched for a recovery.
TEST(ProjectStore, ADamagedDatabaseIsRefusedAndLeftAlone) {
    TempDir dir;
    {
        ProjectStore store = openStore(dir.path());
        std::vector<ImageRecord> many;
        for (int i = 0; i < 400; ++i) many.push_back(record("photo-" + std::to_string(i) + ".jpg"));
        ASSERT_TRUE(store.upsertImages(many).ok());
    }
    const fs::path db = dir.path() / ".tessera" / "project.db";
    ASSERT_GT(fs::file_size(db), 3u * 4096u);
    {
        std::fstream f(db, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(2 * 4096);
        const std::string junk(4096, '\xA5');
        f.write(junk.data(), std::streamsize(junk.size()));
    }
    const std::string before = tessera::project::testing::readText(db);
    auto damaged = ProjectStore::open(dir.path());
    ASSERT_FALSE(damaged.ok());
    EXPECT_NE(damaged.error().find(db.string()), std::string::npos) << damaged.error();
    EXPECT_NE(damaged.error().find("damaged"), std::string::npos) << damaged.error();
    EXPECT_EQ(tessera::project::testing::readText(db), before);

    tessera::project::testing::writeText(db, std::string(8192, 'x'));
    auto notADatabase = ProjectStore::open(dir.path());
    ASSERT_FALSE(notADatabase.ok());
    EXPECT_NE(notADatabase.error().find(db.string()), std::string::npos) << notADatabase.error();
}

// A project folder from someone else whose database names photos outside the folder (or names that are not text)
// is refused at opening, before anything could read or copy such a file; the store never writes such a path.
TEST(ProjectStore, RowsThatLeaveThePhotoFolderAreRefused) {
    TempDir dir;
    {
        ProjectStore store = openStore(dir.path());
        ASSERT_TRUE(store.upsertImage(record("a.jpg")).ok());
        for (const std::string bad : {"../../../../etc/passwd", "/etc/passwd", "a/../../b.jpg", "caf\xE9.jpg"}) {
            auto refused = store.upsertImage(record(bad));
            ASSERT_FALSE(refused.ok()) << bad;
            EXPECT_NE(refused.error().find("cannot store a photo"), std::string::npos) << refused.error();
        }
    }
    const fs::path db = dir.path() / ".tessera" / "project.db";
    {
        SQLite::Database raw(db.string(), SQLite::OPEN_READWRITE);
        raw.exec("UPDATE images SET rel_path = '../../../../etc/passwd' WHERE rel_path = 'a.jpg'");
    }
    auto outside = ProjectStore::open(dir.path());
    ASSERT_FALSE(outside.ok());
    EXPECT_NE(outside.error().find(db.string()), std::string::npos) << outside.error();
    EXPECT_NE(outside.error().find("../../../../etc/passwd"), std::string::npos) << outside.error();
    EXPECT_NE(outside.error().find("not a path inside the photo folder"), std::string::npos) << outside.error();
    {
        SQLite::Database raw(db.string(), SQLite::OPEN_READWRITE);
        raw.exec("UPDATE images SET rel_path = 'a.jpg'");
        raw.exec("INSERT INTO classes (name, color, key, ord) VALUES (CAST(X'616D70686F7261FF' AS TEXT), '#000', 0, 9)");
    }
    auto badName = ProjectStore::open(dir.path());
    ASSERT_FALSE(badName.ok());
    EXPECT_NE(badName.error().find("not UTF-8"), std::string::npos) << badName.error();
    EXPECT_NE(badName.error().find("amphora\\xFF"), std::string::npos) << badName.error();
}

// Class names are text a person can read in every export: UTF-8, no control characters, of a sane length.
TEST(ProjectStore, ClassNamesMustBeText) {
    TempDir dir;
    ProjectStore store = openStore(dir.path());
    for (const std::string bad : {std::string("caf\xE9"), std::string("a\0b", 3), std::string("two\nlines"),
                                  std::string(201, 'x')}) {
        auto added = store.addClass(bad);
        ASSERT_FALSE(added.ok()) << bad;
        EXPECT_NE(added.error().find("class name"), std::string::npos) << added.error();
    }
    auto good = store.addClass("Dressel 20 (Baetica)");
    ASSERT_TRUE(good.ok()) << good.error();
    auto renamed = store.renameClass(*good, "bad\xFF");
    ASSERT_FALSE(renamed.ok());
    EXPECT_EQ(store.classes()->front().name, "Dressel 20 (Baetica)");
}

// Opening keeps rotating backups of a database with something in it; a database later emptied or damaged is
// refused by every reader with the newest backup named, and opening to scan puts that backup in place, keeps the
// damaged file, and says so: the labels come back.
TEST(ProjectStore, ADamagedDatabaseComesBackFromTheNewestBackup) {
    TempDir dir;
    int64_t imageId = 0, classId = 0;
    {
        ProjectStore store = openStore(dir.path());
        EXPECT_TRUE(store.backups().empty());  // nothing to keep yet
        imageId = store.upsertImage(record("trench 1/a.jpg")).value();
        classId = store.addClass("Dressel 20").value();
        ASSERT_TRUE(store.setLabel(imageId, classId).ok());
    }
    {
        ProjectStore store = openStore(dir.path());
        ASSERT_EQ(store.backups().size(), 1u);
        EXPECT_TRUE(store.restoredFrom().empty());
    }
    { EXPECT_EQ(openStore(dir.path()).backups().size(), 1u); }  // a fresh one is not replaced at once

    const fs::path db = dir.path() / ".tessera" / "project.db";
    const fs::path backup = openStore(dir.path()).backups().front();
    fs::resize_file(db, 0);
    auto reader = ProjectStore::open(dir.path(), false);
    ASSERT_FALSE(reader.ok());
    EXPECT_NE(reader.error().find(backup.string()), std::string::npos) << reader.error();
    EXPECT_NE(reader.error().find("tessera-cli scan"), std::string::npos) << reader.error();
    EXPECT_EQ(fs::file_size(db), 0u);

    auto restored = ProjectStore::open(dir.path(), true);
    ASSERT_TRUE(restored.ok()) << restored.error();
    EXPECT_EQ(restored->restoredFrom(), backup);
    ASSERT_FALSE(restored->damagedKeptAs().empty());
    EXPECT_EQ(fs::file_size(restored->damagedKeptAs()), 0u);
    auto label = restored->label(imageId);
    ASSERT_TRUE(label.ok() && label->has_value());
    EXPECT_EQ((*label)->classId, classId);
    EXPECT_EQ(restored->classes()->front().name, "Dressel 20");
}

TEST(ProjectStore, OnlyTheNewestBackupsAreKept) {
    TempDir dir;
    {
        ProjectStore store = openStore(dir.path());
        ASSERT_TRUE(store.upsertImage(record("a.jpg")).ok());
    }
    SQLite::Database db((dir.path() / ".tessera" / "project.db").string(), SQLite::OPEN_READONLY);
    for (int i = 0; i < kBackupsKept + 3; ++i)
        ASSERT_TRUE(writeDatabaseBackup(db.getHandle(), dir.path() / ".tessera").ok());
    const auto kept = databaseBackups(dir.path() / ".tessera");
    ASSERT_EQ(kept.size(), size_t(kBackupsKept));
    SQLite::Database copy(kept.front().string(), SQLite::OPEN_READONLY);
    EXPECT_EQ(copy.execAndGet("SELECT rel_path FROM images").getString(), "a.jpg");
}
