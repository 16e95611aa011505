// Find provenance: schema v2 migration of a v1 database, find metadata round trip, file-name patterns (placeholders,
// regex, unicode, non-matching names), CSV import with line-numbered problems, and the ImageFolder export.
#include <gtest/gtest.h>

#include <SQLiteCpp/Database.h>

#include "core/project/filenamepattern.h"
#include "core/project/findimport.h"
#include "core/project/imagefolderexport.h"
#include "core/project/projectstore.h"
#include "core/project/schemamigrator.h"
#include "projecttestutil.h"

namespace fs = std::filesystem;
using namespace tessera;
using namespace tessera::project;
using tessera::project::testing::TempDir;
using tessera::project::testing::writeText;

namespace {

ImageRecord rec(const std::string& relPath) {
    ImageRecord r;
    r.relPath = relPath;
    r.contentHash = "h-" + relPath;
    r.width = 10;
    r.height = 10;
    return r;
}

ProjectStore storeWith(const fs::path& root, const std::vector<std::string>& paths) {
    auto store = ProjectStore::open(root);
    EXPECT_TRUE(store.ok()) << store.error();
    for (const auto& p : paths) EXPECT_TRUE(store->upsertImage(rec(p)).ok());
    return std::move(store).value();
}

FindInfo info(const std::string& find, const std::string& site, const std::string& context) {
    return FindInfo{find, site, context};
}

}  // namespace

TEST(FindMetadata, Version1DatabaseMigratesToVersion2KeepingData) {
    TempDir dir;
    fs::create_directories(dir.path() / ".tessera");
    const std::string dbPath = (dir.path() / ".tessera" / "project.db").string();
    {
        SQLite::Database db(dbPath, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        // Exactly what a version-1 Tessera wrote: only the first migration step.
        ASSERT_TRUE(SchemaMigrator::migrate(db, dbPath, {SchemaMigrator::migrations().front()}).ok());
        ASSERT_EQ(SchemaMigrator::userVersion(db), 1);
        db.exec("INSERT INTO images (rel_path, content_hash, find_id) VALUES ('a/x.jpg', 'abc', 'F-7')");
        db.exec("INSERT INTO runs (name, status) VALUES ('old run', 'finished')");
        db.exec("INSERT INTO classes (name, color, key, ord) VALUES ('amphora', '#ff0000', 1, 0)");
        db.exec("INSERT INTO labels (image_id, class_id, source, time_ms) VALUES (1, 1, 'imported', 1234)");
    }
    auto store = ProjectStore::open(dir.path(), false);
    ASSERT_TRUE(store.ok()) << store.error();
    EXPECT_EQ(store->schemaVersion(), ProjectStore::kSchemaVersion);
    EXPECT_TRUE(store->disputedImages().value().empty()) << "version 3's table exists after the upgrade";
    auto image = store->imageByPath("a/x.jpg");
    ASSERT_TRUE(image.ok() && image->has_value());
    EXPECT_EQ((*image)->findId, "F-7");
    EXPECT_EQ((*image)->site, "");
    EXPECT_EQ((*image)->context, "");
    auto runs = store->runs();
    ASSERT_TRUE(runs.ok());
    ASSERT_EQ(runs->size(), 1u);
    EXPECT_EQ(runs->front().kind, "train");  // runs from before v2 were all training runs
    // Version 4 rebuilt the labels table: the label is kept as it was, and a label may now be confirmed.
    auto label = store->label((*image)->id);
    ASSERT_TRUE(label.ok() && label->has_value());
    EXPECT_EQ((*label)->source, LabelSource::Imported);
    EXPECT_EQ((*label)->timeMs, 1234);
    EXPECT_TRUE(store->setLabels({(*image)->id}, (*label)->classId, LabelSource::Confirmed).ok());
    EXPECT_TRUE(store->labelIssues().value().empty()) << "version 4's table exists after the upgrade";
    EXPECT_TRUE(store->checkIntegrity().ok());
}

TEST(FindMetadata, FindInfoRoundTripAndSurvivesRescanUpsert) {
    TempDir dir;
    ProjectStore store = storeWith(dir.path(), {"a.jpg", "b.jpg", "c.jpg"});
    auto a = store.imageByPath("a.jpg")->value(), b = store.imageByPath("b.jpg")->value();
    ASSERT_TRUE(store.setFindInfo({{a.id, info("F1", "Tell Ürük", "SU 12")}, {b.id, info("F1", "Tell Ürük", "")}}).ok());
    auto all = store.findInfo();
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(all->size(), 3u);
    EXPECT_EQ(all->at(a.id), info("F1", "Tell Ürük", "SU 12"));
    EXPECT_EQ(all->at(b.id), info("F1", "Tell Ürük", ""));
    // The scanner upserts the record it read: provenance must come back unchanged.
    auto again = store.image(a.id).value();
    again.fileSize = 99;
    ASSERT_TRUE(store.upsertImage(again).ok());
    EXPECT_EQ(store.image(a.id)->site, "Tell Ürük");
    EXPECT_EQ(store.image(a.id)->context, "SU 12");
    EXPECT_FALSE(store.setFindInfo({{987654, info("x", "", "")}}).ok());

    RunRecord run;
    run.name = "q";
    run.kind = "quick model";
    auto id = store.addRun(run);
    ASSERT_TRUE(id.ok());
    EXPECT_EQ(store.runs()->back().kind, "quick model");
    run.id = *id;
    run.kind = "predict";
    ASSERT_TRUE(store.updateRun(run).ok());
    EXPECT_EQ(store.runs()->back().kind, "predict");
}

TEST(FileNamePattern, PlaceholdersSplitAtTheFirstSeparator) {
    auto p = FileNamePattern::compile("{site}_{context}_{find}_{view}.jpg");
    ASSERT_TRUE(p.ok()) << p.error();
    auto m = p->match("photos/TellB_L12_F003_a.jpg");
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(*m, info("F003", "TellB", "L12"));
    // Extension case does not matter; the file name is matched, not the folders.
    EXPECT_TRUE(p->match("x/y/TellB_L12_F003_top.JPG").has_value());
    // Non-matching names: too few parts, other extension.
    EXPECT_FALSE(p->match("TellB_L12.jpg").has_value());
    EXPECT_FALSE(p->match("TellB_L12_F003_a.png").has_value());
    EXPECT_FALSE(p->match("").has_value());
}

TEST(FileNamePattern, UnicodeNamesAndWildcards) {
    auto p = FileNamePattern::compile("{site}-{find}*.tif");
    ASSERT_TRUE(p.ok()) << p.error();
    auto m = p->match("Çatalhöyük-Ş12 (2).tif");
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->site, "Çatalhöyük");
    EXPECT_EQ(m->findId, "Ş");  // as few characters as possible: '*' takes the rest
    auto q = FileNamePattern::compile("{site}-{find} *.tif");
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(q->match("Çatalhöyük-Ş12 (2).tif")->findId, "Ş12");
    EXPECT_FALSE(q->match("Çatalhöyük_Ş12.tif").has_value());
}

TEST(FileNamePattern, PathPatternsUseFolders) {
    auto p = FileNamePattern::compile("{site}/{context}/{find}_?.png");
    ASSERT_TRUE(p.ok()) << p.error();
    EXPECT_TRUE(p->matchesWholePath());
    auto m = p->match("Pompeii/VII.2/1234_a.png");
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(*m, info("1234", "Pompeii", "VII.2"));
    EXPECT_FALSE(p->match("1234_a.png").has_value());
    EXPECT_FALSE(p->match("extra/Pompeii/VII.2/1234_a.png").has_value());
}

TEST(FileNamePattern, RegexWithNamedGroups) {
    auto p = FileNamePattern::compile(R"(re:(?<site>[A-Z]+)(?:-x)?_(?P<find>\d+)(_[a-z])?\.jpg)");
    ASSERT_TRUE(p.ok()) << p.error();
    auto m = p->match("dir/ABC_0042_b.jpg");
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(*m, info("0042", "ABC", ""));
    EXPECT_EQ(p->match("ABC-x_7.jpg")->findId, "7");
    EXPECT_FALSE(p->match("ABC_seven.jpg").has_value());
}

TEST(FileNamePattern, ErrorsNameThePatternAndTheProblem) {
    auto unknown = FileNamePattern::compile("{site}_{contxt}.jpg");
    ASSERT_FALSE(unknown.ok());
    EXPECT_NE(unknown.error().find("{contxt}"), std::string::npos) << unknown.error();
    EXPECT_NE(unknown.error().find("{site}_{contxt}.jpg"), std::string::npos);
    EXPECT_FALSE(FileNamePattern::compile("{site_{find}.jpg").ok());
    EXPECT_FALSE(FileNamePattern::compile("site}.jpg").ok());
    EXPECT_FALSE(FileNamePattern::compile("{view}.jpg").ok());  // reads nothing
    EXPECT_FALSE(FileNamePattern::compile("").ok());
    auto badRegex = FileNamePattern::compile("re:(?<find>[0-9+");
    ASSERT_FALSE(badRegex.ok());
    EXPECT_NE(badRegex.error().find("regular expression"), std::string::npos) << badRegex.error();
    EXPECT_FALSE(FileNamePattern::compile("re:(?<colour>.+)").ok());
    auto lookAround = FileNamePattern::compile("re:(?<find>\\d+)(?=_a)");  // not in RE2's syntax: said, not ignored
    ASSERT_FALSE(lookAround.ok());
    EXPECT_NE(lookAround.error().find("regular expression"), std::string::npos) << lookAround.error();
}

// Found by fuzz_filename_pattern: with std::regex, "re:(?<find>a*)*b" on 25 a's never finished (backtracking) and a
// 60 KB name overflowed the stack. Matching is now linear in the name.
TEST(FileNamePattern, HostilePatternsAndLongNamesMatchQuickly) {
    auto p = FileNamePattern::compile("re:(?<find>a*)*b");
    ASSERT_TRUE(p.ok()) << p.error();
    EXPECT_FALSE(p->match(std::string(25, 'a')).has_value());
    EXPECT_TRUE(p->match(std::string(25, 'a') + "b").has_value());
    auto any = FileNamePattern::compile("re:(?<find>.*)");
    ASSERT_TRUE(any.ok()) << any.error();
    const std::string longName(60000, 'x');
    ASSERT_TRUE(any->match(longName).has_value());
    EXPECT_EQ(any->match(longName)->findId.size(), longName.size());
    // Case does not matter for accented letters either.
    auto accented = FileNamePattern::compile("Şile-{find}.jpg");
    ASSERT_TRUE(accented.ok()) << accented.error();
    EXPECT_TRUE(accented->match("ŞILE-12.JPG").has_value());
    EXPECT_EQ(accented->match("şile-12.jpg")->findId, "12");
}

TEST(FindImport, PatternReportsMatchedAndUnmatched) {
    TempDir dir;
    ProjectStore store = storeWith(dir.path(), {"A_1_F1_a.jpg", "A_1_F1_b.jpg", "B_2_F9_a.jpg", "notes.jpg"});
    auto p = FileNamePattern::compile("{site}_{context}_{find}_{view}.jpg");
    ASSERT_TRUE(p.ok());
    auto report = FindImport::fromPattern(store, *p);
    ASSERT_TRUE(report.ok()) << report.error();
    EXPECT_EQ(report->matched.size(), 3u);
    EXPECT_EQ(report->changed, 3);
    ASSERT_EQ(report->unmatched.size(), 1u);
    EXPECT_EQ(report->unmatched.front(), "notes.jpg");
    ASSERT_TRUE(FindImport::apply(store, *report).ok());
    EXPECT_EQ(store.imageByPath("B_2_F9_a.jpg")->value().context, "2");
    EXPECT_EQ(store.imageByPath("A_1_F1_b.jpg")->value().findId, "F1");
    // Applying the same pattern again changes nothing.
    EXPECT_EQ(FindImport::fromPattern(store, *p)->changed, 0);
    // A pattern naming only the find keeps the stored site.
    auto onlyFind = FindImport::fromPattern(store, *FileNamePattern::compile("{any}_{any}_{find}_{view}.jpg"));
    ASSERT_TRUE(onlyFind.ok());
    EXPECT_EQ(onlyFind->matched.front().second.site, "A");
}

TEST(FindImport, CsvWithHeaderKeepsAbsentColumnsAndReportsLines) {
    TempDir dir;
    ProjectStore store = storeWith(dir.path(), {"sub/a.jpg", "sub/b.jpg", "c.jpg", "d.jpg"});
    ASSERT_TRUE(store.setFindInfo({{store.imageByPath("c.jpg")->value().id, info("old", "S", "ctx-kept")}}).ok());
    const fs::path csv = dir.path() / "finds.csv";
    writeText(csv, "\xEF\xBB\xBF" "File,Find_ID,Site\r\n"
                   "sub/a.jpg,F1,\"Tell, North\"\r\n"
                   "missing.jpg,F2,X\r\n"
                   "b.jpg,F1,Tell North\r\n"
                   "c.jpg,F3,S2\r\n"
                   ",F4,S\r\n");
    auto report = FindImport::fromCsv(store, csv);
    ASSERT_TRUE(report.ok()) << report.error();
    EXPECT_EQ(report->rows, 5);
    EXPECT_EQ(report->matched.size(), 3u);
    ASSERT_EQ(report->problems.size(), 2u);
    EXPECT_EQ(report->problems[0], "finds.csv:3: no image 'missing.jpg' in the project");
    EXPECT_EQ(report->problems[1].rfind("finds.csv:6: ", 0), 0u) << report->problems[1];
    ASSERT_EQ(report->unmatched.size(), 1u);
    EXPECT_EQ(report->unmatched.front(), "d.jpg");
    ASSERT_TRUE(FindImport::apply(store, *report).ok());
    EXPECT_EQ(store.imageByPath("sub/a.jpg")->value().site, "Tell, North");
    EXPECT_EQ(store.imageByPath("sub/b.jpg")->value().findId, "F1");
    const auto c = store.imageByPath("c.jpg")->value();
    EXPECT_EQ(c.findId, "F3");
    EXPECT_EQ(c.site, "S2");
    EXPECT_EQ(c.context, "ctx-kept");  // no context column: kept
}

TEST(FindImport, CsvWithoutHeaderIsFileFindSiteContext) {
    TempDir dir;
    ProjectStore store = storeWith(dir.path(), {"a.jpg", "b.jpg"});
    const fs::path csv = dir.path() / "plain.csv";
    writeText(csv, "a.jpg,F1,Site,SU1\nb.jpg,F2\n");
    auto report = FindImport::fromCsv(store, csv);
    ASSERT_TRUE(report.ok()) << report.error();
    EXPECT_TRUE(report->problems.empty());
    ASSERT_EQ(report->matched.size(), 2u);
    EXPECT_EQ(report->matched[0].second, info("F1", "Site", "SU1"));
    EXPECT_EQ(report->matched[1].second, info("F2", "", ""));
}

TEST(ImageFolderExport, SafeFolderNames) {
    EXPECT_EQ(ImageFolderExport::safeFolderName("Terra sigillata"), "Terra sigillata");
    EXPECT_EQ(ImageFolderExport::safeFolderName("a/b:c*?"), "a_b_c__");
    EXPECT_EQ(ImageFolderExport::safeFolderName("amphora. "), "amphora");
    EXPECT_EQ(ImageFolderExport::safeFolderName(".."), "class");
    EXPECT_EQ(ImageFolderExport::safeFolderName(""), "class");
    EXPECT_EQ(ImageFolderExport::safeFolderName("CON"), "CON_");
    EXPECT_EQ(ImageFolderExport::safeFolderName("Keramik – Öllampe"), "Keramik – Öllampe");
}

TEST(ImageFolderExport, DisputedLabelsAreLeftOutAndListedUnlessIncluded) {
    TempDir dir;
    tessera::project::testing::writeImage(dir.path() / "x.png", 1);
    tessera::project::testing::writeImage(dir.path() / "y.png", 2);
    ProjectStore store = storeWith(dir.path(), {"x.png", "y.png"});
    const int64_t cls = store.addClass("amphora").value();
    auto id = [&](const std::string& p) { return store.imageByPath(p)->value().id; };
    ASSERT_TRUE(store.assignLabels({{id("x.png"), cls}, {id("y.png"), cls}}, LabelSource::Manual).ok());
    ASSERT_TRUE(store.setDisputed({id("y.png")}, true).ok());
    auto report = ImageFolderExport::run(store, dir.path() / "out", ImageFolderExportOptions::defaults(), JobContext{});
    ASSERT_TRUE(report.ok()) << report.error();
    EXPECT_EQ(report->written, 1);
    EXPECT_TRUE(report->skipped.empty()) << "a disputed label is no failure";
    EXPECT_EQ(report->disputed, std::vector<std::string>{"y.png"});
    EXPECT_FALSE(fs::exists(dir.path() / "out" / "amphora" / "y.png"));

    auto options = ImageFolderExportOptions::defaults();
    options.includeDisputed = true;
    auto all = ImageFolderExport::run(store, dir.path() / "all", options, JobContext{});
    ASSERT_TRUE(all.ok()) << all.error();
    EXPECT_EQ(all->written, 2);
    EXPECT_TRUE(all->disputed.empty());
}

TEST(ImageFolderExport, CopiesResolvesCollisionsAndNeverOverwrites) {
    TempDir dir;
    tessera::project::testing::writeImage(dir.path() / "x" / "p.png", 1);
    tessera::project::testing::writeImage(dir.path() / "y" / "p.png", 2);
    tessera::project::testing::writeImage(dir.path() / "z.png", 3);
    tessera::project::testing::writeImage(dir.path() / "u.png", 4);
    ProjectStore store = storeWith(dir.path(), {"x/p.png", "y/p.png", "z.png", "u.png"});
    const int64_t c1 = store.addClass("a/b").value(), c2 = store.addClass("a_b").value();
    auto id = [&](const std::string& p) { return store.imageByPath(p)->value().id; };
    ASSERT_TRUE(store.assignLabels({{id("x/p.png"), c1}, {id("y/p.png"), c1}, {id("z.png"), c2}},
                                   LabelSource::Manual).ok());
    const fs::path out = dir.path() / "export";
    auto report = ImageFolderExport::run(store, out, ImageFolderExportOptions::defaults(), JobContext{});
    ASSERT_TRUE(report.ok()) << report.error();
    EXPECT_EQ(report->written, 3);
    EXPECT_TRUE(report->skipped.empty());
    EXPECT_EQ(report->classFolder.at("a/b"), "a_b");
    EXPECT_EQ(report->classFolder.at("a_b"), "a_b-2");
    EXPECT_TRUE(fs::is_regular_file(out / "a_b" / "p.png"));
    EXPECT_TRUE(fs::is_regular_file(out / "a_b" / "p-2.png"));  // y/p.png comes after x/p.png
    EXPECT_EQ(fs::file_size(out / "a_b" / "p-2.png"), fs::file_size(dir.path() / "y" / "p.png"));
    EXPECT_TRUE(fs::is_regular_file(out / "a_b-2" / "z.png"));
    EXPECT_FALSE(fs::exists(out / "a_b" / "u.png"));  // unlabelled: not exported
    EXPECT_TRUE(report->disputed.empty());

    // A second export into the same folder overwrites nothing and says so.
    auto again = ImageFolderExport::run(store, out, ImageFolderExportOptions::defaults(), JobContext{});
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->written, 0);
    ASSERT_EQ(again->skipped.size(), 3u);
    EXPECT_NE(again->skipped.front().find("already exists"), std::string::npos) << again->skipped.front();
}

TEST(ImageFolderExport, SplitTreesAndLinks) {
    TempDir dir;
    tessera::project::testing::writeImage(dir.path() / "a.png", 1);
    tessera::project::testing::writeImage(dir.path() / "b.png", 2);
    tessera::project::testing::writeImage(dir.path() / "c.png", 3);
    ProjectStore store = storeWith(dir.path(), {"a.png", "b.png", "c.png"});
    const int64_t bowl = store.addClass("bowl").value();
    auto id = [&](const std::string& p) { return store.imageByPath(p)->value().id; };
    ASSERT_TRUE(store.assignLabels({{id("a.png"), bowl}, {id("b.png"), bowl}, {id("c.png"), bowl}},
                                   LabelSource::Manual).ok());
    ImageFolderExportOptions o;
    o.split = true;
    o.link = true;
    EXPECT_FALSE(ImageFolderExport::run(store, dir.path() / "none", o, JobContext{}).ok());  // no split stored
    ASSERT_TRUE(store.setSplits({{id("a.png"), SplitKind::Train}, {id("b.png"), SplitKind::Validation}}).ok());
    auto report = ImageFolderExport::run(store, dir.path() / "out", o, JobContext{});
    ASSERT_TRUE(report.ok()) << report.error();
    EXPECT_EQ(report->written, 2);
    ASSERT_EQ(report->skipped.size(), 1u);  // c.png is in no split
    EXPECT_EQ(report->skipped.front().rfind("c.png: ", 0), 0u);
    EXPECT_TRUE(fs::is_symlink(dir.path() / "out" / "train" / "bowl" / "a.png"));
    EXPECT_TRUE(fs::is_symlink(dir.path() / "out" / "val" / "bowl" / "b.png"));
    EXPECT_EQ(fs::file_size(dir.path() / "out" / "val" / "bowl" / "b.png"), fs::file_size(dir.path() / "b.png"));
}
