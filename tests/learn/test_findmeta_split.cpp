// Splits with find provenance: photos of one find (same site, context and find id) stay on one side, while equal
// find numbers at different sites are different finds.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/train/split.h"

using namespace tessera::learn;

TEST(FindSplit, GroupKeySeparatesSitesAndKeepsViewsTogether) {
    EXPECT_EQ(Split::groupKey("A", "1", ""), "");
    EXPECT_NE(Split::groupKey("A", "1", "F1"), Split::groupKey("B", "1", "F1"));
    EXPECT_NE(Split::groupKey("A", "12", "3"), Split::groupKey("A", "1", "23"));
    EXPECT_EQ(Split::groupKey("A", "1", "F1"), Split::groupKey("A", "1", "F1"));

    // 2 sites x 10 finds x 3 views, one class: every find's views on one side, and both sides used.
    std::vector<SplitItem> items;
    std::map<int64_t, std::string> keyOf;
    int64_t id = 0;
    for (const char* site : {"A", "B"})
        for (int f = 0; f < 10; ++f)
            for (int v = 0; v < 3; ++v) {
                const std::string key = Split::groupKey(site, "SU1", "F" + std::to_string(f));
                items.push_back({++id, 1, key, 0});
                keyOf[id] = key;
            }
    SplitOptions o;
    o.valFraction = 0.3;
    auto s = Split::stratified(items, o);
    EXPECT_EQ(s.validation.size(), 6u * 3u);  // 6 of the 20 finds
    std::map<std::string, std::set<bool>> sides;
    for (auto i : s.train) sides[keyOf[i]].insert(false);
    for (auto i : s.validation) sides[keyOf[i]].insert(true);
    EXPECT_EQ(sides.size(), 20u);
    for (const auto& [key, side] : sides) EXPECT_EQ(side.size(), 1u) << key;
}
