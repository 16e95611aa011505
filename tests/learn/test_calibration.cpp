// Calibration (core/evaluate/calibration.h) against values worked by hand or known in closed form: the expected
// calibration error and log loss of a small table, a temperature that recovers the known overconfidence of generated
// scores, and the calibration a model ships with (fitted on enough held-out photos, else none, with the reason).
#include <gtest/gtest.h>

#include <cmath>
#include <utility>

#include "core/evaluate/calibration.h"
#include "core/train/splitrng.h"

using namespace tessera::learn;

namespace {

// N photos of K classes whose labels are drawn from softmax(z), scored softmax(sharpness x z).
std::pair<std::vector<float>, std::vector<int>> overconfidentScores(size_t K, size_t N, double sharpness,
                                                                    uint64_t seed = 7) {
    SplitRng rng(seed);
    std::vector<float> scores;
    std::vector<int> labels;
    std::vector<double> z(K), truth(K), sharp(K);
    for (size_t n = 0; n < N; ++n) {
        double st = 0, ss = 0;
        for (size_t k = 0; k < K; ++k) {
            z[k] = rng.uniform(-2.0, 2.0);
            st += truth[k] = std::exp(z[k]);
            ss += sharp[k] = std::exp(sharpness * z[k]);
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
    return {scores, labels};
}

}  // namespace

TEST(Calibration, CalibrationErrorAndLogLossOfATableWorkedByHand) {
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

TEST(Calibration, TemperatureRecoversKnownOverconfidence) {
    // Labels drawn from softmax(z); the scores are softmax(3 z): three times too sure. T should come out near 3.
    const size_t K = 4;
    const auto [scores, labels] = overconfidentScores(K, 6000, 3.0);
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

TEST(Calibration, AModelIsCalibratedOnEnoughHeldOutPhotosWithAWrongCall) {
    const size_t K = 3;
    const auto [scores, labels] = overconfidentScores(K, 400, 2.0, 11);
    const auto c = calibrateOnHeldOut(scores, labels, K, "validation");
    EXPECT_TRUE(c.calibrated());
    EXPECT_EQ(c.fittedOn, "validation");
    EXPECT_EQ(c.photos, 400);
    EXPECT_DOUBLE_EQ(c.temperature, fitTemperature(scores, labels, K));
    EXPECT_GT(c.temperature, 1.3) << "two times too sure: the temperature must soften";
    EXPECT_DOUBLE_EQ(c.eceBefore, calibrationOf(scores, labels, K, 10).ece);
    EXPECT_LT(c.eceAfter, c.eceBefore);
    EXPECT_NE(describeCalibration(c).find("400 validation photos"), std::string::npos) << describeCalibration(c);
}

TEST(Calibration, TooFewPhotosOrNoWrongCallLeaveTheScoresAsTheyAreAndSayWhy) {
    const size_t K = 3;
    const auto [scores, labels] = overconfidentScores(K, kMinCalibrationPhotos - 1, 2.0, 5);
    const auto few = calibrateOnHeldOut(scores, labels, K, "validation");
    EXPECT_FALSE(few.calibrated());
    EXPECT_DOUBLE_EQ(few.temperature, 1.0);
    EXPECT_NE(few.note.find("at least 30"), std::string::npos) << few.note;
    EXPECT_NE(describeCalibration(few).find("not calibrated"), std::string::npos);

    // Every call right: the log loss would push T to its floor and every score to certainty. Not calibrated.
    std::vector<float> right;
    std::vector<int> rightLabels;
    for (int i = 0; i < 60; ++i) {
        const int label = i % 3;
        for (int k = 0; k < 3; ++k) right.push_back(k == label ? 0.7f : 0.15f);
        rightLabels.push_back(label);
    }
    const auto perfect = calibrateOnHeldOut(right, rightLabels, K, "validation");
    EXPECT_FALSE(perfect.calibrated());
    EXPECT_DOUBLE_EQ(perfect.temperature, 1.0);
    EXPECT_NE(perfect.note.find("called right"), std::string::npos) << perfect.note;

    const auto none = calibrateOnHeldOut({}, {}, K, "validation");
    EXPECT_FALSE(none.calibrated());
    EXPECT_EQ(none.photos, 0);
}
