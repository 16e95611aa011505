// Confident learning on out-of-sample probabilities: a hand-worked case, flipped labels found exactly when the
// probabilities know the true classes, and bad input giving an empty report rather than a crash.
#include <gtest/gtest.h>

#include <set>

#include "core/fewshot/labelissues.h"

using namespace tessera::learn;

TEST(LabelIssues, HandWorkedExample) {
    // Label 0: thresholds t0 = (0.9 + 0.2) / 2 = 0.55, t1 = (0.7 + 0.9) / 2 = 0.8. Row 1 (labelled 0) is confident
    // in class 1 (0.8 >= t1), row 2 is confident in nothing (0.3 < t0, 0.7 < t1): the joint is [[1, 1], [0, 1]],
    // so one photo labelled 0 belongs to class 1: the one with the largest margin p1 - p0, row 1.
    const std::vector<float> p = {0.9f, 0.1f, 0.2f, 0.8f, 0.3f, 0.7f, 0.1f, 0.9f};
    const auto r = findLabelIssues(p, {0, 0, 1, 1}, 2);
    ASSERT_EQ(r.thresholds.size(), 2u);
    EXPECT_NEAR(r.thresholds[0], 0.55, 1e-6);
    EXPECT_NEAR(r.thresholds[1], 0.8, 1e-6);
    EXPECT_EQ(r.confidentJoint, (std::vector<std::vector<long long>>{{1, 1}, {0, 1}}));
    ASSERT_EQ(r.issues.size(), 1u);
    EXPECT_EQ(r.issues[0].row, 1u);
    EXPECT_EQ(r.issues[0].label, 0);
    EXPECT_EQ(r.issues[0].suggested, 1);
    EXPECT_NEAR(r.issues[0].selfConfidence, 0.2, 1e-6);
}

TEST(LabelIssues, FindsFlippedLabelsAndSuggestsTheTrueClass) {
    // 3 classes x 100 photos; the model puts 0.7 on the true class (0.15 elsewhere, with a little per-photo
    // variation); every tenth photo's label was moved to the next class.
    const size_t K = 3, N = 300;
    std::vector<float> p;
    std::vector<int> labels;
    std::set<size_t> flipped;
    for (size_t n = 0; n < N; ++n) {
        const size_t truth = n % K;
        const float wiggle = 0.01f * float(n % 7);
        for (size_t k = 0; k < K; ++k) p.push_back(k == truth ? 0.7f - wiggle : 0.15f + wiggle / 2);
        labels.push_back(int(truth));
        if (n % 10 == 3) {
            labels.back() = int((truth + 1) % K);
            flipped.insert(n);
        }
    }
    const auto r = findLabelIssues(p, labels, K);
    std::set<size_t> found;
    for (const auto& issue : r.issues) {
        found.insert(issue.row);
        EXPECT_EQ(size_t(issue.suggested), issue.row % K) << "row " << issue.row;
        EXPECT_NEAR(issue.selfConfidence, p[issue.row * K + size_t(issue.label)], 1e-6);
    }
    EXPECT_EQ(found, flipped);
    for (size_t i = 1; i < r.issues.size(); ++i)
        EXPECT_LE(r.issues[i - 1].selfConfidence, r.issues[i].selfConfidence) << "most suspect first";
}

TEST(LabelIssues, CleanLabelsAndBadInputFlagNothing) {
    // Every photo most probable under its own label: nothing to flag.
    EXPECT_TRUE(findLabelIssues({0.6f, 0.4f, 0.3f, 0.7f, 0.9f, 0.1f}, {0, 1, 0}, 2).issues.empty());
    EXPECT_TRUE(findLabelIssues({}, {}, 2).issues.empty());
    EXPECT_TRUE(findLabelIssues({0.5f, 0.5f}, {0, 1}, 2).issues.empty());         // sizes disagree
    EXPECT_TRUE(findLabelIssues({0.1f, 0.9f, 0.2f, 0.8f}, {7, -1}, 2).issues.empty());  // labels out of range
    // A class must keep a photo: a single photo labelled 0 that looks like 1 is not flagged away.
    EXPECT_TRUE(findLabelIssues({0.1f, 0.9f, 0.2f, 0.8f}, {0, 1}, 2).issues.empty());
}
