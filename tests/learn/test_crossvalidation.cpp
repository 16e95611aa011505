// The statistics of cross-validation (core/train/crossvalidation.h) against values worked by hand or known in
// closed form: Wilson intervals and a bootstrap over groups that widens when photos come in clusters (calibration:
// test_calibration.cpp). The cross-validation run itself is tested with the trainer (test_trainer.cpp).
#include <gtest/gtest.h>

#include <cmath>

#include "core/train/crossvalidation.h"
#include "core/evaluate/evaluationreport.h"
#include "core/train/splitrng.h"

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
