#include "core/demo/sherdpainter.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "core/demo/demorandom.h"

namespace tessera::demo {
namespace {

constexpr double kPi = 3.14159265358979323846;

uchar clampByte(int v) { return uchar(std::clamp(v, 0, 255)); }

cv::Scalar jitter(DemoRandom& rng, cv::Vec3b base, int amount) {
    return cv::Scalar(clampByte(base[0] + rng.uniformInt(-amount, amount)),
                      clampByte(base[1] + rng.uniformInt(-amount, amount)),
                      clampByte(base[2] + rng.uniformInt(-amount, amount)));
}

cv::Scalar scaled(const cv::Scalar& c, double f) { return cv::Scalar(c[0] * f, c[1] * f, c[2] * f); }

// Adds grain in [-amp, amp] to every channel alike (luminance noise, like a camera sensor).
void addGrain(cv::Mat& img, DemoRandom& rng, int amp) {
    const int span = 2 * amp + 1;
    for (int y = 0; y < img.rows; ++y) {
        auto* row = img.ptr<cv::Vec3b>(y);
        uint32_t bits = 0;
        for (int x = 0; x < img.cols; ++x) {
            if ((x & 3) == 0) bits = rng.next();
            const int n = int(bits & 0xFF) % span - amp;
            bits >>= 8;
            for (int c = 0; c < 3; ++c) row[x][c] = clampByte(row[x][c] + n);
        }
    }
}

// Low-frequency mottling of fired clay: a coarse random grid, bilinearly enlarged, added to the sherd colour.
void addMottling(cv::Mat& img, DemoRandom& rng, int amp) {
    const int cell = std::max(8, std::min(img.cols, img.rows) / 14);
    cv::Mat coarse(img.rows / cell + 2, img.cols / cell + 2, CV_8UC1);
    for (int y = 0; y < coarse.rows; ++y)
        for (int x = 0; x < coarse.cols; ++x) coarse.at<uchar>(y, x) = uchar(rng.uniformInt(0, 2 * amp));
    cv::Mat big;
    cv::resize(coarse, big, cv::Size(coarse.cols * cell, coarse.rows * cell), 0, 0, cv::INTER_LINEAR_EXACT);
    for (int y = 0; y < img.rows; ++y) {
        auto* row = img.ptr<cv::Vec3b>(y);
        const uchar* m = big.ptr<uchar>(y);
        for (int x = 0; x < img.cols; ++x)
            for (int c = 0; c < 3; ++c) row[x][c] = clampByte(row[x][c] + int(m[x]) - amp);
    }
}

// Temper grains and pores: dense fine speckle that gives fired clay its grit (and a photo of it its sharpness).
void addTemper(cv::Mat& sherd, DemoRandom& rng, cv::Point2d c, double radius, double scale, const cv::Scalar& clay) {
    const int grains = int(radius * radius / 60.0);
    const int maxR = std::max(1, int(std::lround(1.5 * scale)));
    for (int i = 0; i < grains; ++i) {
        const cv::Point p(int(std::lround(c.x + rng.uniform(-1.1, 1.1) * radius)),
                          int(std::lround(c.y + rng.uniform(-1.1, 1.1) * radius)));
        cv::circle(sherd, p, rng.uniformInt(1, maxR), scaled(clay, rng.chance(0.5) ? 0.7 : 1.25), -1, cv::LINE_8);
    }
}

std::vector<cv::Point> sherdOutline(DemoRandom& rng, cv::Point2d centre, double radius) {
    const int k = rng.uniformInt(6, 11);
    const double phase = rng.uniform(0.0, 2.0 * kPi);
    std::vector<cv::Point> pts;
    for (int j = 0; j < k; ++j) {
        const double a = phase + 2.0 * kPi * (j + rng.uniform(-0.3, 0.3)) / k;
        const double r = radius * rng.uniform(0.65, 1.12);
        pts.emplace_back(int(std::lround(centre.x + r * std::cos(a))), int(std::lround(centre.y + r * std::sin(a))));
    }
    return pts;
}

// Parallel strokes across the sherd along direction `angle`, `count` of them `spacing` apart, centred on `c`.
template <class Draw>
void strokes(cv::Point2d c, double angle, double length, int count, double spacing, Draw draw) {
    const cv::Point2d d(std::cos(angle), std::sin(angle)), n(-d.y, d.x);
    for (int i = 0; i < count; ++i) {
        const double off = (i - (count - 1) / 2.0) * spacing;
        const cv::Point2d m = c + n * off;
        draw(cv::Point(int(std::lround(m.x - d.x * length)), int(std::lround(m.y - d.y * length))),
             cv::Point(int(std::lround(m.x + d.x * length)), int(std::lround(m.y + d.y * length))));
    }
}

void decorate(cv::Mat& sherd, Decoration deco, DemoRandom& rng, cv::Point2d c, double radius, double scale,
              const cv::Scalar& clay) {
    const double angle = rng.uniform(0.0, kPi);
    switch (deco) {
    case Decoration::Incised: {
        const cv::Scalar groove = scaled(clay, rng.uniform(0.35, 0.5));
        const int thick = std::max(1, int(std::lround(scale * rng.uniform(1.5, 3.0))));
        const double spacing = radius * rng.uniform(0.12, 0.22);
        auto line = [&](cv::Point a, cv::Point b) { cv::line(sherd, a, b, groove, thick, cv::LINE_AA); };
        strokes(c, angle, 2 * radius, rng.uniformInt(4, 8), spacing, line);
        if (rng.chance(0.5)) strokes(c, angle + rng.uniform(0.8, 1.3), 2 * radius, rng.uniformInt(3, 6), spacing, line);
        break;
    }
    case Decoration::Dots: {
        const cv::Scalar pit = scaled(clay, rng.uniform(0.4, 0.55)), rim = scaled(clay, 1.15);
        const double spacing = radius * rng.uniform(0.16, 0.24);
        const int dot = std::max(2, int(std::lround(spacing * rng.uniform(0.18, 0.3))));
        const cv::Point2d d(std::cos(angle), std::sin(angle)), n(-d.y, d.x);
        const int rows = rng.uniformInt(3, 6), cols = int(2 * radius / spacing) + 2;
        for (int r = 0; r < rows; ++r)
            for (int k = -cols; k <= cols; ++k) {
                const cv::Point2d p = c + n * ((r - (rows - 1) / 2.0) * spacing * 1.3) +
                                      d * (k * spacing + (r % 2) * spacing / 2 + rng.uniform(-2, 2) * scale);
                const cv::Point ip(int(std::lround(p.x)), int(std::lround(p.y)));
                cv::circle(sherd, ip + cv::Point(1, 1), dot, rim, -1, cv::LINE_AA);
                cv::circle(sherd, ip, dot, pit, -1, cv::LINE_AA);
            }
        break;
    }
    case Decoration::Painted: {
        static const cv::Vec3b paints[] = {{30, 30, 35}, {40, 45, 150}, {215, 222, 228}, {25, 60, 110}};
        const cv::Scalar paint = jitter(rng, paints[rng.uniformInt(0, 3)], 12);
        const int bands = rng.uniformInt(2, 4);
        const int thick = std::max(3, int(std::lround(radius * rng.uniform(0.08, 0.16))));
        strokes(c, angle, 2 * radius, bands, radius * rng.uniform(0.35, 0.5),
                [&](cv::Point a, cv::Point b) { cv::line(sherd, a, b, paint, thick, cv::LINE_AA); });
        break;
    }
    case Decoration::Plain: {
        // Only a few inclusions (temper grains), so "plain" still has fine structure.
        const int grains = rng.uniformInt(5, 15);
        for (int i = 0; i < grains; ++i) {
            const cv::Point p(int(c.x + rng.uniform(-radius, radius)), int(c.y + rng.uniform(-radius, radius)));
            cv::circle(sherd, p, std::max(1, int(scale * rng.uniform(0.8, 2.0))), scaled(clay, rng.uniform(0.7, 1.3)),
                       -1, cv::LINE_AA);
        }
        break;
    }
    }
}

}  // namespace

cv::Mat SherdPainter::paint(Decoration deco, int width, int height, uint64_t seed) {
    DemoRandom rng(seed);
    const double scale = std::min(width, height) / 480.0;

    // Background: a photo table (grey, beige or blue-grey) with a gentle vertical light falloff.
    static const cv::Vec3b tables[] = {{200, 200, 200}, {185, 205, 215}, {200, 190, 175}, {90, 90, 92}};
    const cv::Scalar table = jitter(rng, tables[rng.uniformInt(0, 3)], 10);
    cv::Mat img(height, width, CV_8UC3);
    const double falloff = rng.uniform(0.0, 0.15);
    for (int y = 0; y < height; ++y) {
        const double f = 1.0 - falloff * y / std::max(1, height - 1);
        img.row(y).setTo(scaled(table, f));
    }

    const cv::Point2d centre(width / 2.0 + rng.uniform(-0.08, 0.08) * width,
                             height / 2.0 + rng.uniform(-0.08, 0.08) * height);
    const double radius = 0.36 * std::min(width, height) * rng.uniform(0.8, 1.05);
    const auto outline = sherdOutline(rng, centre, radius);

    // Soft shadow: the outline shifted down-right, blurred, darkening the table.
    cv::Mat shadow = cv::Mat::zeros(height, width, CV_8UC1);
    const cv::Point shift(int(std::lround(6 * scale)), int(std::lround(8 * scale)));
    std::vector<cv::Point> shifted;
    for (const auto& p : outline) shifted.push_back(p + shift);
    cv::fillPoly(shadow, std::vector<std::vector<cv::Point>>{shifted}, cv::Scalar(255), cv::LINE_AA);
    cv::GaussianBlur(shadow, shadow, cv::Size(0, 0), std::max(1.0, 6 * scale));
    for (int y = 0; y < height; ++y) {
        auto* row = img.ptr<cv::Vec3b>(y);
        const uchar* s = shadow.ptr<uchar>(y);
        for (int x = 0; x < width; ++x)
            for (int c = 0; c < 3; ++c) row[x][c] = uchar(row[x][c] * (255 * 5 - 2 * s[x]) / (255 * 5));
    }

    // The sherd: clay colour, mottling, decoration, then the darker break edge; pasted through its mask.
    static const cv::Vec3b clays[] = {{60, 95, 165}, {120, 165, 205}, {95, 108, 125}, {55, 75, 120}, {85, 130, 185}};
    const cv::Scalar clay = jitter(rng, clays[rng.uniformInt(0, 4)], 15);
    cv::Mat sherd(height, width, CV_8UC3, clay);
    addMottling(sherd, rng, 14);
    addTemper(sherd, rng, centre, radius, scale, clay);
    decorate(sherd, deco, rng, centre, radius, scale, clay);
    cv::Mat mask = cv::Mat::zeros(height, width, CV_8UC1);
    cv::fillPoly(mask, std::vector<std::vector<cv::Point>>{outline}, cv::Scalar(255), cv::LINE_8);
    sherd.copyTo(img, mask);
    cv::polylines(img, std::vector<std::vector<cv::Point>>{outline}, true, scaled(clay, 0.6),
                  std::max(1, int(std::lround(2 * scale))), cv::LINE_AA);

    addGrain(img, rng, 5);
    return img;
}

}  // namespace tessera::demo
