// The statistics of cross-validation (core/learn/crossvalidation.h) against values worked by hand or known in
// closed form: Wilson intervals, the expected calibration error and log loss of a small table, a temperature that
// recovers the known overconfidence of generated scores, and a bootstrap over groups that widens when photos come in
// clusters. The cross-validation run itself is tested with the trainer (test_trainer.cpp).
#include <gtest/gtest.h>

#include <cmath>

#include "core/learn/crossvalidation.h"
#include "core/learn/evaluationreport.h"
#include "core/learn/splitrng.h"

using namespace tessera::learn;

TEST(CrossValidationStatistics, WilsonIntervalMatchesTheClosedForm) {
    // 8 of 10: the textbook 95 % Wilson interval is [0.490, 0.943].
    const Interval i = wilsonInterval(8, 10);
    EXPECT_DOUBLE_EQ(i.value, 0.8);
    EXPECT_NEAR(i.low, 0.4902, 5e-4);
    EXPECT_NEAR(i.high, 0.9433, 5e-4);
    // All right still leaves room below; nothing scored says nothing.
    const Interval all = wilsonInterval(20, 20);
    EXPECT_DOUBLE_EQ(all.high, 1.0);
    EXPECT_NEAR(all.low, 0.8389, 5e-4);
    const Interval none = wilsonInterval(0, 0);
    EXPECT_EQ(none.low, 0.0);
    EXPECT_EQ(none.high, 1.0);
}

TEST(CrossValidationStatistics, CalibrationErrorAndLogLossOfATableWorkedByHand) {
    // Four scores in four bins (away from the bin edges): right at 0.92, wrong at 0.83, right at 0.64 and at 0.75.
    const std::vector<float> p{0.92f, 0.08f, 0.83f, 0.17f, 0.64f, 0.36f, 0.25f, 0.75f};
    const std::vector<int> labels{0, 1, 0, 1};
    const Calibration c = calibrationOf(p, labels, 2, 10);
    EXPECT_NEAR(c.ece, (0.08 + 0.83 + 0.36 + 0.25) / 4.0, 1e-6);
    EXPECT_NEAR(c.logLoss, -(std::log(0.92) + std::log(0.17) + std::log(0.64) + std::log(0.75)) / 4.0, 1e-6);
    ASSERT_EQ(c.bins.size(), 10u);
    EXPECT_EQ(c.bins[8].count, 1);
    EXPECT_NEAR(c.bins[8].confidence, 0.83, 1e-6);
    EXPECT_EQ(c.bins[8].accuracy, 0.0);
    EXPECT_EQ(c.bins[0].count, 0);
}

TEST(CrossValidationStatistics, TemperatureRecoversKnownOverconfidence) {
    // Labels drawn from softmax(z); the scores are softmax(3 z): three times too sure. T should come out near 3.
    SplitRng rng(7);
    const size_t K = 4, N = 6000;
    std::vector<float> scores;
    std::vector<int> labels;
    for (size_t n = 0; n < N; ++n) {
        double z[K], truth[K], sharp[K], st = 0, ss = 0;
        for (size_t k = 0; k < K; ++k) {
            z[k] = rng.uniform(-2.0, 2.0);
            st += truth[k] = std::exp(z[k]);
            ss += sharp[k] = std::exp(3.0 * z[k]);
        }
        double u = rng.uniform() * st;
        int label = int(K) - 1;
        for (size_t k = 0; k < K; ++k)
            if ((u -= truth[k]) < 0) {
                label = int(k);
                break;
            }
        labels.push_back(label);
        for (size_t k = 0; k < K; ++k) scores.push_back(float(sharp[k] / ss));
    }
    const double T = fitTemperature(scores, labels, K);
    EXPECT_NEAR(T, 3.0, 0.25);
    const auto before = calibrationOf(scores, labels, K, 10);
    const auto after = calibrationOf(withTemperature(scores, K, T), labels, K, 10);
    EXPECT_LT(after.ece, before.ece / 3) << before.ece << " -> " << after.ece;
    EXPECT_LT(after.logLoss, before.logLoss);
    // T = 1 changes nothing.
    const auto same = withTemperature(scores, K, 1.0);
    for (size_t i = 0; i < 40; ++i) EXPECT_NEAR(same[i], scores[i], 1e-5);
}

TEST(CrossValidationStatistics, BootstrapOverGroupsWidensForClusteredPhotos) {
    // 200 photos, half right. As 200 groups of one, or as 10 finds of 20 photos that are all right or all wrong:
    // the same mean, but the clustered case carries the evidence of 10 finds, not of 200 photos.
    std::vector<double> values;
    std::vector<int> single, clustered;
    for (int i = 0; i < 200; ++i) {
        values.push_back((i / 20) % 2 == 0 ? 1.0 : 0.0);
        single.push_back(i);
        clustered.push_back(i / 20);
    }
    const Interval a = groupBootstrapInterval(values, single, 200, 2000, 1);
    const Interval b = groupBootstrapInterval(values, clustered, 10, 2000, 1);
    EXPECT_DOUBLE_EQ(a.value, 0.5);
    EXPECT_DOUBLE_EQ(b.value, 0.5);
    EXPECT_LT(a.low, 0.5);
    EXPECT_GT(a.high, 0.5);
    EXPECT_NEAR(a.high - a.low, 2 * 1.96 * std::sqrt(0.25 / 200), 0.03) << "about the binomial width";
    EXPECT_GT(b.high - b.low, 2.5 * (a.high - a.low));
    // One seed, one interval.
    const Interval again = groupBootstrapInterval(values, clustered, 10, 2000, 1);
    EXPECT_EQ(again.low, b.low);
    EXPECT_EQ(again.high, b.high);
}

TEST(EvaluationReport, EscapesTextAndEncodesBase64AsRfc4648) {
    EXPECT_EQ(htmlEscape("a<b> & \"c\" 'd'"), "a&lt;b&gt; &amp; &quot;c&quot; &#39;d&#39;");
    EXPECT_EQ(base64(""), "");
    EXPECT_EQ(base64("f"), "Zg==");
    EXPECT_EQ(base64("fo"), "Zm8=");
    EXPECT_EQ(base64("foo"), "Zm9v");
    EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
    EXPECT_EQ(base64(std::string("\xff\x00\x10", 3)), "/wAQ");
}

TEST(EvaluationReport, AClassNameCannotInjectMarkup) {
    EvaluationReportInput in;
    in.projectName = "<script>alert(1)</script>";
    in.cv.classNames = {"<img src=x onerror=alert(1)>", "b"};
    in.cv.classPhotos = {1, 1};
    in.cv.recall = {wilsonInterval(1, 1), wilsonInterval(0, 1)};
    in.cv.confusion = {{1, 0}, {1, 0}};
    in.settings = {{"arch", "resnet18\"><script>"}};
    const std::string page = evaluationReportHtml(in);
    EXPECT_EQ(page.find("<script"), std::string::npos);
    EXPECT_EQ(page.find("<img src=x"), std::string::npos);
    EXPECT_NE(page.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
}
