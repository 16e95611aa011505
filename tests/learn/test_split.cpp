// Stratified, seeded, group-aware train/validation split and k-fold assignment.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/learn/split.h"

using namespace tessera::learn;

namespace {

std::vector<SplitItem> makeItems(const std::vector<int>& perClass) {
    std::vector<SplitItem> items;
    int64_t id = 1;
    for (size_t c = 0; c < perClass.size(); ++c)
        for (int i = 0; i < perClass[c]; ++i) items.push_back({id++, int64_t(c), {}});
    return items;
}

std::map<int64_t, int> countByClass(const std::vector<SplitItem>& items, const std::vector<int64_t>& ids) {
    std::map<int64_t, int64_t> cls;
    for (const auto& it : items) cls[it.imageId] = it.classId;
    std::map<int64_t, int> n;
    for (auto id : ids) n[cls.at(id)]++;
    return n;
}

}  // namespace

TEST(Split, StratifiedProportionsPerClass) {
    auto items = makeItems({100, 40, 10, 3});
    SplitOptions o;
    o.valFraction = 0.2;
    o.seed = 7;
    auto s = Split::stratified(items, o);
    EXPECT_EQ(s.train.size() + s.validation.size(), items.size());
    auto val = countByClass(items, s.validation);
    EXPECT_EQ(val[0], 20);
    EXPECT_EQ(val[1], 8);
    EXPECT_EQ(val[2], 2);
    EXPECT_EQ(val[3], 1);  // 0.6 rounds to one: every class is validated
    std::set<int64_t> all(s.train.begin(), s.train.end());
    for (auto id : s.validation) EXPECT_TRUE(all.insert(id).second) << "image on both sides";
    EXPECT_TRUE(std::is_sorted(s.train.begin(), s.train.end()));
}

TEST(Split, DeterministicUnderSeedAndInputOrder) {
    auto items = makeItems({30, 30, 30});
    SplitOptions o;
    o.seed = 123;
    auto a = Split::stratified(items, o);
    auto shuffled = items;
    std::reverse(shuffled.begin(), shuffled.end());
    auto b = Split::stratified(shuffled, o);
    EXPECT_EQ(a.validation, b.validation);
    EXPECT_EQ(a.train, b.train);
    o.seed = 124;
    auto c = Split::stratified(items, o);
    EXPECT_NE(a.validation, c.validation);
}

TEST(Split, SingleImageClassStaysInTraining) {
    auto items = makeItems({10, 1});
    auto s = Split::stratified(items, SplitOptions::defaults());
    auto train = countByClass(items, s.train);
    EXPECT_EQ(train[1], 1);
}

TEST(Split, FindIdsKeepPhotosTogether) {
    std::vector<SplitItem> items;
    int64_t id = 1;
    for (int f = 0; f < 30; ++f)  // 30 finds of class 0/1, three photos each
        for (int k = 0; k < 3; ++k) items.push_back({id++, f % 2, "F" + std::to_string(f)});
    for (int i = 0; i < 20; ++i) items.push_back({id++, i % 2, {}});  // loose photos
    for (uint64_t seed = 0; seed < 5; ++seed) {
        SplitOptions o;
        o.seed = seed;
        o.valFraction = 0.3;
        auto s = Split::stratified(items, o);
        std::set<int64_t> val(s.validation.begin(), s.validation.end());
        std::map<std::string, std::set<bool>> sides;
        for (const auto& it : items)
            if (!it.findId.empty()) sides[it.findId].insert(val.count(it.imageId) > 0);
        for (const auto& [find, side] : sides) EXPECT_EQ(side.size(), 1u) << "find " << find << " split apart";
        EXPECT_NEAR(double(s.validation.size()) / double(items.size()), 0.3, 0.06);
    }
}

TEST(Split, KFoldCoversEveryImageOnceAndBalances) {
    auto items = makeItems({50, 25});
    auto folds = Split::kFoldAssignment(items, 5, 3);
    ASSERT_EQ(folds.size(), items.size());
    std::map<int, std::map<int64_t, int>> count;
    for (size_t i = 0; i < items.size(); ++i) count[folds[i]][items[i].classId]++;
    ASSERT_EQ(count.size(), 5u);
    for (auto& [f, byClass] : count) {
        EXPECT_EQ(byClass[0], 10);
        EXPECT_EQ(byClass[1], 5);
    }
    SplitOptions o;
    o.folds = 5;
    o.fold = 2;
    o.seed = 3;
    auto s = Split::stratified(items, o);
    EXPECT_EQ(s.validation.size(), 15u);
    EXPECT_EQ(s.train.size(), 60u);
}
