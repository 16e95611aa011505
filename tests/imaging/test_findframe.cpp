// locateFind: the box around a find on a plain backdrop, the whole photo when there is no plain backdrop.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "core/imaging/findframe.h"

namespace tessera::imaging {
namespace {

const cv::Scalar kBackdrop(200, 205, 198);

// A light grey backdrop with sensor noise, a brown polygonal "sherd" with a soft shadow inside `where`.
cv::Mat findPhoto(cv::Size size, cv::Rect where, unsigned seed = 1) {
    cv::Mat img(size, CV_8UC3, kBackdrop);
    cv::Mat noise(size, CV_8UC3);
    cv::randn(noise, cv::Scalar::all(0), cv::Scalar::all(3));
    cv::theRNG().state = seed;
    img += noise;
    const std::vector<cv::Point> sherd{{where.x + where.width / 5, where.y},
                                       {where.x + where.width, where.y + where.height / 4},
                                       {where.x + where.width * 4 / 5, where.y + where.height},
                                       {where.x, where.y + where.height * 3 / 4}};
    std::vector<cv::Point> shadow;
    for (auto p : sherd) shadow.push_back(p + cv::Point(where.width / 40, where.height / 40));
    cv::fillPoly(img, std::vector<std::vector<cv::Point>>{shadow}, cv::Scalar(150, 155, 150), cv::LINE_AA);
    cv::fillPoly(img, std::vector<std::vector<cv::Point>>{sherd}, cv::Scalar(150, 100, 60), cv::LINE_AA);
    for (int k = 0; k < 12; ++k)  // decoration: dark dots
        cv::circle(img, {where.x + where.width * (2 + k % 4) / 7, where.y + where.height * (2 + k / 4) / 6},
                   std::max(1, where.width / 60), cv::Scalar(60, 40, 30), cv::FILLED);
    return img;
}

cv::Rect2d relative(const cv::Rect& r, cv::Size s) {
    return {double(r.x) / s.width, double(r.y) / s.height, double(r.width) / s.width, double(r.height) / s.height};
}

TEST(FindFrameTest, BoxHoldsTheFindWithAMarginAndLittleElse) {
    const cv::Size size(1200, 900);
    const cv::Rect sherd(500, 300, 240, 200);
    const cv::Rect box = locateFind(findPhoto(size, sherd));
    EXPECT_EQ(box & sherd, sherd) << box;  // the whole find is kept
    EXPECT_EQ(box & cv::Rect({0, 0}, size), box);  // inside the photo
    // A margin of about 8 % of the find's long side on each side, the shadow included, and nothing more.
    EXPECT_LE(box.width, sherd.width * 1.35) << box;
    EXPECT_LE(box.height, sherd.height * 1.4) << box;
    EXPECT_GE(box.x, sherd.x - 40);
    EXPECT_GE(box.y, sherd.y - 40);
}

TEST(FindFrameTest, SameBoxAtEveryDecodeSize) {
    // The trainer and the predictor decode at different sizes (DCT-reduced JPEGs): the box must agree to 2 % of
    // the photo, down to a 200 px decode.
    const cv::Size size(1600, 1200);
    const cv::Mat full = findPhoto(size, {300, 700, 400, 300});
    const cv::Rect2d big = relative(locateFind(full), size);
    for (int div : {2, 4, 8}) {
        cv::Mat small;
        cv::resize(full, small, size / div, 0, 0, cv::INTER_AREA);
        const cv::Rect2d r = relative(locateFind(small), small.size());
        EXPECT_NEAR(r.x, big.x, 0.015) << div;
        EXPECT_NEAR(r.y, big.y, 0.015) << div;
        EXPECT_NEAR(r.width, big.width, 0.02) << div;
        EXPECT_NEAR(r.height, big.height, 0.02) << div;
    }
}

TEST(FindFrameTest, ASpeckOfDustDoesNotWidenTheBox) {
    cv::Mat img = findPhoto({1000, 800}, {100, 100, 300, 260});
    cv::circle(img, {900, 700}, 4, cv::Scalar(20, 20, 20), cv::FILLED);
    const cv::Rect box = locateFind(img);
    EXPECT_LT(box.x + box.width, 500) << box;
    EXPECT_LT(box.y + box.height, 450) << box;
}

TEST(FindFrameTest, AGentleBackdropGradientIsStillABackdrop) {
    cv::Mat img = findPhoto({900, 900}, {350, 380, 200, 180});
    for (int y = 0; y < img.rows; ++y)  // vignetting: up to 12 levels darker towards the bottom right
        for (int x = 0; x < img.cols; ++x)
            img.at<cv::Vec3b>(y, x) -= cv::Vec3b::all(uchar(12 * (x + y) / (img.cols + img.rows)));
    const cv::Rect box = locateFind(img);
    EXPECT_LT(box.area(), img.total() / 4) << box;
    EXPECT_EQ(box & cv::Rect(350, 380, 200, 180), cv::Rect(350, 380, 200, 180)) << box;
}

TEST(FindFrameTest, PhotosWithoutAPlainBackdropKeepTheirWholeFrame) {
    const cv::Rect whole(0, 0, 640, 480);
    {  // a find in situ: soil texture everywhere
        cv::Mat busy(480, 640, CV_8UC3);
        cv::randu(busy, cv::Scalar::all(0), cv::Scalar::all(255));
        EXPECT_EQ(locateFind(busy), whole);
    }
    {  // a close-up: the find fills the frame
        EXPECT_EQ(locateFind(findPhoto({640, 480}, {-40, -30, 720, 540})), whole);
    }
    {  // an empty backdrop
        cv::Mat empty(480, 640, CV_8UC3, kBackdrop);
        EXPECT_EQ(locateFind(empty), whole);
    }
    {  // a find cut by the frame on two sides: the border is not a plain backdrop
        cv::Mat cut = findPhoto({640, 480}, {300, 200, 500, 400});
        const cv::Rect box = locateFind(cut);
        EXPECT_EQ(box & cv::Rect(300, 200, 340, 280), cv::Rect(300, 200, 340, 280)) << box;
    }
}

TEST(FindFrameTest, TinyOrNonColourImagesAreReturnedWhole) {
    EXPECT_EQ(locateFind(cv::Mat()), cv::Rect());
    EXPECT_EQ(locateFind(cv::Mat(8, 8, CV_8UC3, cv::Scalar::all(0))), cv::Rect(0, 0, 8, 8));
    EXPECT_EQ(locateFind(cv::Mat(100, 50, CV_8UC1, cv::Scalar(0))), cv::Rect(0, 0, 50, 100));
}

}  // namespace
}  // namespace tessera::imaging
