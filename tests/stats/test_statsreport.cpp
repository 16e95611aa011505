// JSON and text renderings carry the computed numbers (the JSON round-trips through the parser).
#include <gtest/gtest.h>

#include "core/stats/statsreport.h"

using namespace tessera;

namespace {
stats::ProjectStatistics sample() {
    std::vector<project::ImageRecord> images;
    for (int i = 0; i < 5; ++i) {
        project::ImageRecord r;
        r.id = i + 1;
        r.relPath = "cls/img" + std::to_string(i) + ".jpg";
        r.width = i < 3 ? 640 : 100;
        r.height = i < 3 ? 480 : 80;
        r.contentHash = i == 4 ? "same" : (i == 3 ? "same" : "h" + std::to_string(i));
        r.perceptualHash = uint64_t(0x1111111111111111ull) * uint64_t(i + 1);
        r.blur = 500;
        images.push_back(r);
    }
    std::vector<project::ClassInfo> classes = {{1, "incised", "#000000", 1, 0}, {2, "plain", "#ffffff", 2, 1}};
    std::unordered_map<int64_t, int64_t> labels = {{1, 1}, {2, 1}, {3, 2}};
    return stats::computeStatistics(images, classes, labels);
}
}  // namespace

TEST(StatsReport, JsonCarriesTheNumbers) {
    const auto s = sample();
    const auto j = nlohmann::json::parse(stats::toJson(s).dump());
    EXPECT_EQ(j["images"]["total"], 5);
    EXPECT_EQ(j["images"]["readable"], 5);
    EXPECT_EQ(j["resolutions"][0]["width"], 640);
    EXPECT_EQ(j["resolutions"][0]["count"], 3);
    EXPECT_EQ(j["classes"][0]["name"], "incised");
    EXPECT_EQ(j["classes"][0]["count"], 2);
    EXPECT_EQ(j["unlabelled"], 2);
    EXPECT_DOUBLE_EQ(j["imbalanceRatio"].get<double>(), 2.0);
    EXPECT_EQ(j["flags"]["tooSmall"].size(), 2u);
    EXPECT_EQ(j["flags"]["exactDuplicates"][0]["files"],
              (std::vector<std::string>{"cls/img3.jpg", "cls/img4.jpg"}));
    EXPECT_EQ(j["options"]["minShortSide"], 224);
    EXPECT_DOUBLE_EQ(j["height"]["median"].get<double>(), 480.0);
}

TEST(StatsReport, TextHasAlignedTablesAndEveryFlag) {
    const auto text = stats::toText(sample());
    EXPECT_NE(text.find("Images: 5 (5 readable, 0 unreadable)"), std::string::npos) << text;
    EXPECT_NE(text.find("640 x 480       3"), std::string::npos) << text;  // right-aligned under "images"
    EXPECT_NE(text.find("100 x 80       2"), std::string::npos) << text;
    EXPECT_NE(text.find("imbalance (largest / smallest class): 2.00"), std::string::npos) << text;
    EXPECT_NE(text.find("Too small (shorter side < 224) (2)"), std::string::npos) << text;
    EXPECT_NE(text.find("cls/img3.jpg cls/img4.jpg"), std::string::npos) << text;
    // Truncation of long lists.
    const auto shortText = stats::toText(sample(), 1);
    EXPECT_NE(shortText.find("... and 1 more"), std::string::npos) << shortText;
}
