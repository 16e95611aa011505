// Stratified, seeded, group-aware train/validation split and k-fold assignment.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/train/split.h"

using namespace tessera::learn;

namespace {

std::vector<SplitItem> makeItems(const std::vector<int>& perClass) {
    std::vector<SplitItem> items;
    int64_t id = 1;
    for (size_t c = 0; c < perClass.size(); ++c)
        for (int i = 0; i < perClass[c]; ++i) items.push_back({id++, int64_t(c), {}, 0});
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
        for (int k = 0; k < 3; ++k) items.push_back({id++, f % 2, "F" + std::to_string(f), 0});
    for (int i = 0; i < 20; ++i) items.push_back({id++, i % 2, {}, 0});  // loose photos
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

namespace {

// Photos of two classes with random pHashes (any two lie ~32 bits apart), then `pairs` extra photos of class 0,
// each a copy of an earlier one with its hash `distance` bits away.
std::vector<SplitItem> itemsWithNearPairs(int perClass, int pairs, int distance, uint64_t seed) {
    std::vector<SplitItem> items;
    uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
    auto next = [&state] {  // splitmix64
        uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    };
    int64_t id = 1;
    for (int c = 0; c < 2; ++c)
        for (int i = 0; i < perClass; ++i) items.push_back({id++, c, {}, next() | 1});
    for (int p = 0; p < pairs; ++p) {
        const uint64_t flip = distance == 0 ? 0 : (~0ull >> (64 - distance)) << p;
        items.push_back({id++, 0, {}, items[size_t(p)].perceptualHash ^ flip});
    }
    return items;
}

std::map<int64_t, bool> sideById(const SplitResult& s) {
    std::map<int64_t, bool> inValidation;
    for (auto id : s.train) inValidation[id] = false;
    for (auto id : s.validation) inValidation[id] = true;
    return inValidation;
}

}  // namespace

TEST(Split, NearIdenticalPhotosOfOneClassStayOnOneSide) {
    const int perClass = 100, pairs = 12;
    for (int distance : {0, 1, 2}) {
        auto items = itemsWithNearPairs(perClass, pairs, distance, 5);
        for (uint64_t seed = 0; seed < 8; ++seed) {
            SplitOptions o;
            o.seed = seed;
            const auto s = Split::stratified(items, o);
            EXPECT_EQ(s.nearDuplicateGroups, pairs);
            EXPECT_EQ(s.nearDuplicatePhotos, 2 * pairs);
            auto side = sideById(s);
            for (int p = 0; p < pairs; ++p)
                EXPECT_EQ(side.at(items[size_t(p)].imageId), side.at(items[size_t(2 * perClass + p)].imageId))
                    << "distance " << distance << ", seed " << seed << ": pair " << p << " split apart";
        }
    }
    // Farther than the option's distance, or the option off: the photos are independent again.
    auto far = itemsWithNearPairs(perClass, pairs, 3, 5);
    EXPECT_EQ(Split::stratified(far, SplitOptions::defaults()).nearDuplicateGroups, 0);
    SplitOptions off;
    off.nearDuplicateDistance = -1;
    EXPECT_EQ(Split::stratified(itemsWithNearPairs(perClass, pairs, 0, 5), off).nearDuplicateGroups, 0);
}

TEST(Split, NearDuplicatesJoinFindsButNotClassesOrUnhashedPhotos) {
    // Two finds of three photos; one photo of each is a re-encode of the other: the two finds become one group.
    std::vector<SplitItem> items;
    for (int64_t i = 1; i <= 40; ++i) items.push_back({i, i % 2, {}, uint64_t(i) * 0x9E3779B97F4A7C15ull});
    for (int64_t i = 41; i <= 43; ++i) items.push_back({i, 0, "A", 0xF0F0F0F0F0F0F000ull + uint64_t(i)});
    for (int64_t i = 44; i <= 46; ++i) items.push_back({i, 0, "B", 0x0F0F0F0F0F0F0F00ull + uint64_t(i)});
    items.back().perceptualHash = items[40].perceptualHash ^ 1;  // 46 ~ 41
    auto s = Split::stratified(items, SplitOptions::defaults());
    EXPECT_EQ(s.nearDuplicateGroups, 1);
    EXPECT_EQ(s.nearDuplicatePhotos, 6);
    auto side = sideById(s);
    for (int64_t i = 42; i <= 46; ++i) EXPECT_EQ(side.at(i), side.at(41));

    // The same near pair across two classes is a label question, not a copy to keep together.
    items.back().classId = 1;
    EXPECT_EQ(Split::stratified(items, SplitOptions::defaults()).nearDuplicateGroups, 0);
    // Photos without a pHash (0: not computed) are never linked, however many there are.
    auto unhashed = makeItems({30, 30});
    EXPECT_EQ(Split::stratified(unhashed, SplitOptions::defaults()).nearDuplicateGroups, 0);
}

TEST(Split, AChainOfSimilarSilhouettesCannotSwallowAClass) {
    // 60 photos of class 0 whose hashes form a chain one bit apart (distant ends, like distinct objects on one
    // background), among 200 photos per class: groups stay within a twentieth of the class (10), the split stays
    // stratified, and the result ignores the input order.
    auto items = makeItems({200, 200});
    uint64_t chain = 0x5555555555555555ull;
    for (size_t i = 0; i < items.size(); ++i) items[i].perceptualHash = (uint64_t(i) + 1) * 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < 60; ++i) items[i].perceptualHash = chain ^= (1ull << i);
    SplitOptions o;
    o.seed = 11;
    const auto s = Split::stratified(items, o);
    EXPECT_GE(s.nearDuplicateGroups, 6);
    EXPECT_LE(s.nearDuplicatePhotos, 60);
    auto val = countByClass(items, s.validation);
    EXPECT_NEAR(val[0], 40, 6);
    EXPECT_EQ(val[1], 40);

    auto joined = items;
    Split::keepNearDuplicatesTogether(joined, 2);
    std::map<std::string, int> groupSize;
    for (const auto& it : joined)
        if (!it.findId.empty()) groupSize[it.findId]++;
    for (const auto& [key, n] : groupSize) EXPECT_LE(n, 10) << "a group of " << n;

    auto reversed = items;
    std::reverse(reversed.begin(), reversed.end());
    const auto r = Split::stratified(reversed, o);
    EXPECT_EQ(r.validation, s.validation);
    EXPECT_EQ(r.nearDuplicateGroups, s.nearDuplicateGroups);
}
