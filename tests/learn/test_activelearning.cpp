// Active learning and per-find aggregation on generated data whose answers are known: margin and entropy values,
// the uncertainty ranking, the diversity step skipping near-duplicates, and per-find means.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/fewshot/activelearning.h"
#include "core/predict/findaggregation.h"

using namespace tessera;
using namespace tessera::learn;

TEST(ActiveLearning, MarginAndEntropyValues) {
    const float sure[3] = {1.f, 0.f, 0.f}, tie[3] = {0.5f, 0.5f, 0.f}, uniform[3] = {1 / 3.f, 1 / 3.f, 1 / 3.f};
    const float mid[3] = {0.6f, 0.3f, 0.1f};
    EXPECT_NEAR(ActiveLearning::margin(sure, 3), 0.0, 1e-6);
    EXPECT_NEAR(ActiveLearning::margin(tie, 3), 1.0, 1e-6);
    EXPECT_NEAR(ActiveLearning::margin(mid, 3), 0.7, 1e-6);
    EXPECT_NEAR(ActiveLearning::entropy(sure, 3), 0.0, 1e-6);
    EXPECT_NEAR(ActiveLearning::entropy(uniform, 3), 1.0, 1e-6);
    EXPECT_NEAR(ActiveLearning::entropy(tie, 3), std::log(2.0) / std::log(3.0), 1e-6);
    const double h = -(0.6 * std::log(0.6) + 0.3 * std::log(0.3) + 0.1 * std::log(0.1)) / std::log(3.0);
    EXPECT_NEAR(ActiveLearning::entropy(mid, 3), h, 1e-6);
    EXPECT_EQ(parseUncertainty("entropy").value(), Uncertainty::Entropy);
    EXPECT_FALSE(parseUncertainty("variance").ok());
}

TEST(ActiveLearning, RanksByUncertaintyWithKnownOrder) {
    // Row r has top-1 probability 1 - r/20 over two classes: the margin grows with r, so the expected order is
    // r = 9, 8, ..., 0 (row 9 has p = 0.55 vs 0.45).
    std::vector<float> probs;
    for (int r = 0; r < 10; ++r) {
        const float p = 1.f - float(r) / 20.f;
        probs.push_back(r % 2 ? p : 1.f - p);  // the winning class alternates; it must not matter
        probs.push_back(r % 2 ? 1.f - p : p);
    }
    SuggestOptions o;
    o.count = 4;
    auto s = ActiveLearning::suggest(probs, 2, {}, 0, o);
    ASSERT_EQ(s.size(), 4u);
    for (size_t i = 0; i < 4; ++i) EXPECT_EQ(s[i].row, 9 - i);
    EXPECT_NEAR(s[0].uncertainty, 1.0 - 0.1, 1e-6);
    // The same order by entropy (two classes: entropy is monotone in the margin).
    o.strategy = Uncertainty::Entropy;
    auto e = ActiveLearning::suggest(probs, 2, {}, 0, o);
    for (size_t i = 0; i < 4; ++i) EXPECT_EQ(e[i].row, 9 - i);
    // More asked than there are rows: every row once.
    o.count = 50;
    EXPECT_EQ(ActiveLearning::suggest(probs, 2, {}, 0, o).size(), 10u);
}

TEST(ActiveLearning, EntropyAndMarginDisagreeWhereTheyShould) {
    // Row 0: two classes tie, the third is impossible: the margin's most uncertain. Row 1: 0.5/0.3/0.2 spreads its
    // mass over three classes: normalised entropy 0.937 against row 0's log 2 / log 3 = 0.631.
    std::vector<float> probs = {0.5f, 0.5f, 0.0f, 0.5f, 0.3f, 0.2f};
    SuggestOptions o;
    o.count = 1;
    EXPECT_EQ(ActiveLearning::suggest(probs, 3, {}, 0, o).front().row, 0u);
    o.strategy = Uncertainty::Entropy;
    EXPECT_EQ(ActiveLearning::suggest(probs, 3, {}, 0, o).front().row, 1u);
}

TEST(ActiveLearning, DiversitySkipsNearDuplicates) {
    // Six candidates in three embedding clusters (two near-identical photos each). Uncertainty order: 0,1,2,3,4,5
    // with rows 0/1 one cluster, 2/3 another, 4/5 the third. Asking for 3 must give one per cluster: 0, 2, 4.
    std::mt19937 rng(3);
    std::normal_distribution<float> noise(0.f, 0.01f);
    const size_t dim = 8;
    std::vector<float> emb, probs;
    for (int r = 0; r < 6; ++r) {
        const int cluster = r / 2;
        for (size_t k = 0; k < dim; ++k) emb.push_back((k == size_t(cluster) ? 1.f : 0.f) + noise(rng));
        const float p = 0.5f + 0.05f * float(r);
        probs.push_back(p);
        probs.push_back(1.f - p);
    }
    SuggestOptions o;
    o.count = 3;
    o.maxSimilarity = 0.9;
    auto s = ActiveLearning::suggest(probs, 2, emb, dim, o);
    ASSERT_EQ(s.size(), 3u);
    EXPECT_EQ(s[0].row, 0u);
    EXPECT_EQ(s[1].row, 2u);
    EXPECT_EQ(s[2].row, 4u);
    for (const auto& x : s) EXPECT_FALSE(x.nearDuplicate);
    // Without diversity, the plain ranking.
    o.maxSimilarity = 1.0;
    auto plain = ActiveLearning::suggest(probs, 2, emb, dim, o);
    EXPECT_EQ(plain[1].row, 1u);
    // Asking for more than there are clusters: the skipped near-duplicates fill up, flagged, in uncertainty order.
    o.maxSimilarity = 0.9;
    o.count = 5;
    auto fill = ActiveLearning::suggest(probs, 2, emb, dim, o);
    ASSERT_EQ(fill.size(), 5u);
    EXPECT_EQ(fill[3].row, 1u);
    EXPECT_TRUE(fill[3].nearDuplicate);
    EXPECT_EQ(fill[4].row, 3u);
}

TEST(FindAggregation, MeanOfPhotoProbabilitiesPerFind) {
    using tessera::project::FindInfo;
    // Find F1 (site A): photos 0.9/0.1 and 0.3/0.7 -> mean 0.6/0.4, class 0. Find F1 at site B is another find.
    // F2: one photo 0.2/0.8. A photo without a find id is counted and left out.
    std::vector<FindInfo> finds = {{"F1", "A", "1"}, {"F2", "A", "1"}, {"F1", "A", "1"}, {"", "A", "1"},
                                   {"F1", "B", "1"}};
    std::vector<int64_t> ids = {10, 11, 12, 13, 14};
    std::vector<float> probs = {0.9f, 0.1f, 0.2f, 0.8f, 0.3f, 0.7f, 0.5f, 0.5f, 0.4f, 0.6f};
    int64_t loose = -1;
    auto rows = FindAggregation::aggregate(finds, ids, probs, 2, &loose);
    EXPECT_EQ(loose, 1);
    ASSERT_EQ(rows.size(), 3u);
    // Ordered by site, context, find id.
    EXPECT_EQ(rows[0].find.findId, "F1");
    EXPECT_EQ(rows[0].find.site, "A");
    EXPECT_EQ(rows[0].photos, 2);
    EXPECT_NEAR(rows[0].meanProbabilities[0], 0.6, 1e-6);
    EXPECT_NEAR(rows[0].meanProbabilities[1], 0.4, 1e-6);
    EXPECT_EQ(rows[0].topClass, 0);
    EXPECT_NEAR(rows[0].probability, 0.6, 1e-6);
    EXPECT_EQ(rows[0].imageIds, (std::vector<int64_t>{10, 12}));
    EXPECT_EQ(rows[1].find.findId, "F2");
    EXPECT_EQ(rows[1].topClass, 1);
    EXPECT_NEAR(rows[1].probability, 0.8, 1e-6);
    EXPECT_EQ(rows[2].find.site, "B");
    EXPECT_EQ(rows[2].topClass, 1);
    EXPECT_NEAR(rows[2].probability, 0.6, 1e-6);
}

TEST(FindAggregation, CallsWithTopKOnlyGiveOneRowPerFindWithItsUnreadablePhotos) {
    using tessera::learn::PhotoCall;
    using tessera::project::FindInfo;
    const std::vector<std::string> classes = {"amphora", "bowl", "lamp"};
    // F1: amphora 0.9 / bowl 0.1 and bowl 0.6 / lamp 0.4 (top-2 each; a class outside the top-k counts as 0), and
    // one unreadable photo. F2: only an unreadable photo, still a row. One call without a find id.
    std::vector<PhotoCall> calls = {
        {{"F1", "A", "1"}, 1, {{"amphora", 0.9f}, {"bowl", 0.1f}}, false, "p.csv:2"},
        {{"F1", "A", "1"}, 2, {{"bowl", 0.6f}, {"lamp", 0.4f}}, false, "p.csv:3"},
        {{"F1", "A", "1"}, 3, {}, true, "p.csv:4"},
        {{"F2", "A", "1"}, 4, {}, true, "p.csv:5"},
        {{"", "A", "1"}, 5, {{"lamp", 1.0f}}, false, "p.csv:6"},
    };
    int64_t loose = -1;
    auto rows = FindAggregation::fromCalls(calls, classes, &loose);
    ASSERT_TRUE(rows.ok()) << rows.error();
    EXPECT_EQ(loose, 1);
    ASSERT_EQ(rows->size(), 2u);
    const auto& f1 = (*rows)[0];
    EXPECT_EQ(f1.mean.find.findId, "F1");
    EXPECT_EQ(f1.mean.photos, 2);
    EXPECT_EQ(f1.unreadable, 1);
    EXPECT_NEAR(f1.mean.meanProbabilities[0], 0.45, 1e-6);
    EXPECT_NEAR(f1.mean.meanProbabilities[1], 0.35, 1e-6);
    EXPECT_NEAR(f1.mean.meanProbabilities[2], 0.2, 1e-6);
    const auto& f2 = (*rows)[1];
    EXPECT_EQ(f2.mean.find.findId, "F2");
    EXPECT_EQ(f2.mean.photos, 0);
    EXPECT_EQ(f2.unreadable, 1);

    calls[1].top.emplace_back("coin", 0.0f);
    auto bad = FindAggregation::fromCalls(calls, classes);
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().find("p.csv:3: class 'coin'"), std::string::npos) << bad.error();
}
