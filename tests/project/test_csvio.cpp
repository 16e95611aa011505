// CSV labels: RFC 4180 parsing, import matching by path then unique file name, problems with line numbers, and an
// export/import round trip with awkward names.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/project/csvio.h"
#include "core/project/csvreader.h"
#include "project/projecttestutil.h"

namespace fs = std::filesystem;
using namespace tessera::project;
using tessera::project::testing::TempDir;
using tessera::project::testing::writeText;

namespace {

ProjectStore storeWith(const fs::path& root, const std::vector<std::string>& paths) {
    fs::create_directories(root);
    auto store = ProjectStore::open(root);
    if (!store.ok()) throw std::runtime_error(store.error());
    std::vector<ImageRecord> records;
    for (const auto& p : paths) {
        ImageRecord r;
        r.relPath = p;
        r.contentHash = "h:" + p;
        records.push_back(r);
    }
    if (!store->upsertImages(records).ok()) throw std::runtime_error("upsert failed");
    return std::move(store.value());
}

std::map<std::string, std::string> labelsByPath(const ProjectStore& store) {
    std::map<std::string, std::string> out;
    std::map<int64_t, std::string> names;
    const auto classes = store.classes().value();
    for (const auto& c : classes) names[c.id] = c.name;
    auto labels = store.classByImage().value();
    const auto images = store.images().value();
    for (const auto& r : images)
        if (labels.count(r.id)) out[r.relPath] = names[labels[r.id]];
    return out;
}

bool hasProblem(const CsvImportReport& report, const std::string& needle) {
    for (const auto& p : report.problems)
        if (p.find(needle) != std::string::npos) return true;
    return false;
}

}  // namespace

TEST(CsvReader, ParsesQuotedFieldsAcrossLinesWithLineNumbers) {
    const std::string text =
        "\xEF\xBB\xBF"
        "file,label\r\n"
        "\"a, b.jpg\",\"say \"\"hi\"\"\"\r\n"
        "\n"
        "\"multi\nline.jpg\",x\n"
        "plain.jpg,y,extra\n"
        "last.jpg,";
    const CsvParseResult parsed = CsvReader::parse(text);
    EXPECT_TRUE(parsed.problems.empty());
    ASSERT_EQ(parsed.records.size(), 5u);
    EXPECT_EQ(parsed.records[0].fields, (std::vector<std::string>{"file", "label"}));  // BOM dropped
    EXPECT_EQ(parsed.records[1].fields, (std::vector<std::string>{"a, b.jpg", "say \"hi\""}));
    EXPECT_EQ(parsed.records[1].line, 2);
    EXPECT_EQ(parsed.records[2].fields[0], "multi\nline.jpg");
    EXPECT_EQ(parsed.records[2].line, 4);  // the blank line 3 is skipped
    EXPECT_EQ(parsed.records[3].line, 6);  // the quoted line break counted
    EXPECT_EQ(parsed.records[3].fields.size(), 3u);
    EXPECT_EQ(parsed.records[4].fields, (std::vector<std::string>{"last.jpg", ""}));

    const CsvParseResult broken = CsvReader::parse("a,b\n\"never closed,x\n");
    ASSERT_EQ(broken.problems.size(), 1u);
    EXPECT_EQ(broken.problems[0].first, 2);

    EXPECT_EQ(CsvReader::quote("plain"), "plain");
    EXPECT_EQ(CsvReader::quote("a,b"), "\"a,b\"");
    EXPECT_EQ(CsvReader::quote("say \"x\""), "\"say \"\"x\"\"\"");
    EXPECT_EQ(CsvReader::quote("two\nlines"), "\"two\nlines\"");
}

// Found by fuzz_csv: every field the exporters quote reads back unchanged, even one the importer would otherwise
// trim (white space at either end) or take for the file's own byte-order mark.
TEST(CsvIo, QuotedFieldsReadBackUnchanged) {
    for (const std::string field : {"\xEF\xBB\xBF", "\xEF\xBB\xBFlabel", "tab\t", "\vx", " lead", "trail ", "x\f"}) {
        const auto parsed = CsvReader::parse(CsvReader::quote(field) + "\n");
        ASSERT_EQ(parsed.records.size(), 1u) << field;
        ASSERT_EQ(parsed.records[0].fields.size(), 1u) << field;
        EXPECT_EQ(parsed.records[0].fields[0], field);
    }
}

TEST(CsvIo, ExportImportRoundTripWithAwkwardNames) {
    TempDir dir;
    const std::vector<std::string> paths = {"jar, large/a \"1\".jpg", "Schüssel/ü-2.png", "plain/c.jpg",
                                            "unlabelled.jpg", "multi\nline.jpg"};
    const fs::path csv = dir.path() / "labels.csv";
    std::map<std::string, std::string> expected;
    {
        ProjectStore store = storeWith(dir.path() / "one", paths);
        const int64_t jar = store.addClass("jar, large").value();
        const int64_t bowl = store.addClass("Schüssel \"tief\"").value();
        auto images = store.images().value();
        for (const auto& r : images) {
            if (r.relPath == "unlabelled.jpg") continue;
            const bool isJar = r.relPath.rfind("jar", 0) == 0 || r.relPath.rfind("multi", 0) == 0;
            ASSERT_TRUE(store.setLabel(r.id, isJar ? jar : bowl, LabelSource::Manual).ok());
            expected[r.relPath] = isJar ? "jar, large" : "Schüssel \"tief\"";
        }
        auto rows = exportLabelsCsv(store, csv);
        ASSERT_TRUE(rows.ok()) << rows.error();
        EXPECT_EQ(rows.value(), 4);
    }
    std::ifstream in(csv, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(text.str().rfind("file,label,source\r\n", 0), 0u);
    EXPECT_NE(text.str().find("\"jar, large/a \"\"1\"\".jpg\",\"jar, large\",manual\r\n"), std::string::npos)
        << text.str();

    ProjectStore other = storeWith(dir.path() / "two", paths);
    auto report = importLabelsCsv(other, csv);
    ASSERT_TRUE(report.ok()) << report.error();
    EXPECT_EQ(report->rows, 4);
    EXPECT_EQ(report->applied, 4);
    EXPECT_EQ(report->classesCreated, 2);
    EXPECT_TRUE(report->problems.empty()) << report->problems.front();
    EXPECT_EQ(labelsByPath(other), expected);
    const auto imported = other.labels().value();
    for (const auto& l : imported) EXPECT_EQ(l.source, LabelSource::Imported);
}

TEST(CsvIo, ImportReportsEveryRowItCannotApply) {
    TempDir dir;
    ProjectStore store = storeWith(dir.path() / "p", {"a/one.jpg", "b/two.jpg", "c/two.jpg", "d/three.jpg"});
    ASSERT_TRUE(store.addClass("known").ok());
    writeText(dir.path() / "in.csv",
              "one.jpg,bowl\n"            // 1: unique file name: applied
              "a/missing.jpg,bowl\n"      // 2: no such image
              "two.jpg,bowl\n"            // 3: ambiguous name
              "d/three.jpg,\n"            // 4: no label
              "onlyonecolumn\n"           // 5: too few columns
              "./c/two.jpg,known\n"       // 6: path with ./: applied
              "C:\\x\\nothere.png,bowl\n" // 7: no such image
              );
    auto report = importLabelsCsv(store, dir.path() / "in.csv", LabelSource::Manual);
    ASSERT_TRUE(report.ok()) << report.error();
    EXPECT_EQ(report->rows, 7);  // no header detected: the first row is data
    EXPECT_EQ(report->applied, 2);
    EXPECT_EQ(report->classesCreated, 1);
    EXPECT_EQ(report->problems.size(), 5u);
    EXPECT_TRUE(hasProblem(*report, "in.csv:2: no image 'a/missing.jpg'"));
    EXPECT_TRUE(hasProblem(*report, "in.csv:3: 'two.jpg' matches 2 images"));
    EXPECT_TRUE(hasProblem(*report, "in.csv:4: no label"));
    EXPECT_TRUE(hasProblem(*report, "in.csv:5:"));
    EXPECT_TRUE(hasProblem(*report, "in.csv:7: no image 'C:/x/nothere.png'"));
    auto labels = labelsByPath(store);
    EXPECT_EQ(labels["a/one.jpg"], "bowl");
    EXPECT_EQ(labels["c/two.jpg"], "known");
    EXPECT_EQ(labels.size(), 2u);
    EXPECT_EQ(store.label(store.imageByPath("a/one.jpg").value()->id).value()->source, LabelSource::Manual);
}

TEST(CsvIo, HeaderWithOtherColumnOrderAndBom) {
    TempDir dir;
    ProjectStore store = storeWith(dir.path() / "p", {"x/1.jpg", "x/2.jpg"});
    writeText(dir.path() / "h.csv", "\xEF\xBB\xBFLabel,File\r\ncup,x/1.jpg\r\n\r\nbowl,x/2.jpg\r\n");
    auto report = importLabelsCsv(store, dir.path() / "h.csv");
    ASSERT_TRUE(report.ok()) << report.error();
    EXPECT_EQ(report->rows, 2);
    EXPECT_EQ(report->applied, 2);
    EXPECT_TRUE(report->problems.empty());
    auto labels = labelsByPath(store);
    EXPECT_EQ(labels["x/1.jpg"], "cup");
    EXPECT_EQ(labels["x/2.jpg"], "bowl");

    auto missing = importLabelsCsv(store, dir.path() / "nope.csv");
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().find("nope.csv"), std::string::npos);
}

// An empty file is no import, and a file far larger than any label list is refused before it is read (parsing
// holds the file and its fields in memory).
TEST(CsvReader, EmptyAndHugeFilesAreRefusedByName) {
    TempDir dir;
    const auto empty = dir.path() / "empty.csv";
    writeText(empty, "");
    auto e = CsvReader::parseFile(empty);
    ASSERT_FALSE(e.ok());
    EXPECT_NE(e.error().find("empty.csv"), std::string::npos) << e.error();
    EXPECT_NE(e.error().find("is empty"), std::string::npos) << e.error();

    const auto huge = dir.path() / "huge.csv";
    writeText(huge, "file,label\n");
    std::filesystem::resize_file(huge, CsvReader::kMaxFileBytes + 1);  // sparse: nothing is written
    auto h = CsvReader::parseFile(huge);
    ASSERT_FALSE(h.ok());
    EXPECT_NE(h.error().find("huge.csv"), std::string::npos) << h.error();
    EXPECT_NE(h.error().find("too large"), std::string::npos) << h.error();
}
