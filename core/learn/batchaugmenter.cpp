#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "core/learn/augment_torch.h"
#include "core/learn/splitrng.h"

namespace tessera::learn {

struct BatchAugmenter::ImageParams {
    double m[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};  // output -> input, homogeneous, row-major
    double brightness = 1, contrast = 1, saturation = 1, hueTurns = 0;
    bool gray = false;
    double blurSigma = 0;  // 0: no blur
};

namespace {

constexpr double kPi = 3.14159265358979323846;

void matmul3(const double a[9], const double b[9], double out[9]) {
    double r[9];
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) r[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
    std::copy(r, r + 9, out);
}

torch::Tensor grayOf(const torch::Tensor& x) {  // (B,3,H,W) -> (B,1,H,W), ITU-R 601 like torchvision
    return (x.select(1, 0) * 0.299 + x.select(1, 1) * 0.587 + x.select(1, 2) * 0.114).unsqueeze(1);
}

torch::Tensor perImage(const std::vector<double>& v, const torch::Tensor& like) {
    std::vector<float> f(v.begin(), v.end());
    return torch::tensor(f).to(like.device()).view({-1, 1, 1, 1});
}

double gammaSample(SplitRng& rng, double shape) {  // Marsaglia-Tsang, shape > 0
    if (shape < 1.0) return gammaSample(rng, shape + 1.0) * std::pow(std::max(rng.uniform(), 1e-12), 1.0 / shape);
    const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
        const double u1 = std::max(rng.uniform(), 1e-12), u2 = rng.uniform();
        const double n = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
        double v = 1.0 + c * n;
        if (v <= 0) continue;
        v = v * v * v;
        const double u = std::max(rng.uniform(), 1e-12);
        if (std::log(u) < 0.5 * n * n + d - d * v + d * std::log(v)) return d * v;
    }
}

double betaSample(SplitRng& rng, double alpha) {
    const double g1 = gammaSample(rng, alpha), g2 = gammaSample(rng, alpha);
    return g1 / (g1 + g2);
}

}  // namespace

MixPlan BatchAugmenter::planMix(double mixupAlpha, double cutmixAlpha, int64_t batch, int64_t size, uint64_t seed) {
    MixPlan plan;
    if (mixupAlpha <= 0 && cutmixAlpha <= 0) return plan;
    SplitRng rng(seed);
    bool cut = cutmixAlpha > 0;
    if (mixupAlpha > 0 && cutmixAlpha > 0) cut = rng.uniform() < 0.5;  // timm's switch_prob 0.5
    plan.kind = cut ? MixPlan::Kind::Cutmix : MixPlan::Kind::Mixup;
    plan.lambda = betaSample(rng, cut ? cutmixAlpha : mixupAlpha);
    plan.perm.resize(size_t(batch));
    for (size_t i = 0; i < plan.perm.size(); ++i) plan.perm[i] = int64_t(i);
    rng.shuffle(plan.perm);
    if (cut) {
        // timm's rand_bbox: a box of side S*sqrt(1 - lambda) centred anywhere, clipped to the image; lambda is then
        // corrected to the area actually kept.
        const double r = std::sqrt(1.0 - plan.lambda);
        const int64_t ch = int64_t(double(size) * r), cw = int64_t(double(size) * r);
        const int64_t cy = int64_t(rng.below(uint64_t(size))), cx = int64_t(rng.below(uint64_t(size)));
        plan.y0 = std::clamp<int64_t>(cy - ch / 2, 0, size), plan.y1 = std::clamp<int64_t>(cy + ch / 2, 0, size);
        plan.x0 = std::clamp<int64_t>(cx - cw / 2, 0, size), plan.x1 = std::clamp<int64_t>(cx + cw / 2, 0, size);
        plan.lambda = 1.0 - double((plan.y1 - plan.y0) * (plan.x1 - plan.x0)) / double(size * size);
    }
    return plan;
}

torch::Tensor BatchAugmenter::applyMix(const torch::Tensor& x, const MixPlan& plan) {
    torch::NoGradGuard noGrad;
    if (plan.kind == MixPlan::Kind::None) return x;
    auto perm = torch::tensor(plan.perm, torch::kLong).to(x.device());
    if (plan.kind == MixPlan::Kind::Mixup) return x * plan.lambda + x.index_select(0, perm) * (1.0 - plan.lambda);
    auto out = x.clone();
    if (plan.y1 > plan.y0 && plan.x1 > plan.x0) {
        auto region = [&](const torch::Tensor& t) {
            return t.narrow(2, plan.y0, plan.y1 - plan.y0).narrow(3, plan.x0, plan.x1 - plan.x0);
        };
        region(out).copy_(region(x.index_select(0, perm)));
    }
    return out;
}

torch::Tensor BatchAugmenter::centerCrop(const torch::Tensor& canvas, int size) {
    torch::NoGradGuard noGrad;
    // torchvision's CenterCrop offset, int(round(d / 2)) with round-half-to-even, as InferencePreprocess uses.
    const int64_t C = canvas.size(2), S = std::min<int64_t>(size, C), d = C - S;
    const int64_t off = d % 2 == 0 ? d / 2 : ((d / 2) % 2 == 0 ? d / 2 : d / 2 + 1);
    auto x = canvas.narrow(2, off, S).narrow(3, off, S).to(torch::kFloat).div_(255.0);
    return normalizeImageNet(x);
}

BatchAugmenter::BatchAugmenter(AugmentConfig config, int outputSize) : config_(config), size_(outputSize) {}

std::vector<BatchAugmenter::ImageParams> BatchAugmenter::sample(const std::vector<ContentBox>& boxes,
                                                                uint64_t seed) const {
    SplitRng rng(seed);
    const auto& c = config_;
    std::vector<ImageParams> out(boxes.size());
    for (size_t i = 0; i < boxes.size(); ++i) {
        auto& p = out[i];
        const auto& box = boxes[i];
        const double W = box[2] - box[0], H = box[3] - box[1];
        double a = 1, b = 1, cx = 0, cy = 0;
        if (c.randomCrop) {
            // torchvision RandomResizedCrop: area share and log-uniform aspect, 10 tries, else the whole photo.
            a = W / 2, b = H / 2;
            for (int t = 0; t < 10; ++t) {
                const double area = rng.uniform(c.scaleMin, c.scaleMax) * W * H;
                const double r = std::exp(rng.uniform(std::log(c.ratioMin), std::log(c.ratioMax)));
                const double cw = std::sqrt(area * r), ch = std::sqrt(area / r);
                if (cw <= W && ch <= H) { a = cw / 2, b = ch / 2; break; }
            }
        }
        const double theta = rng.uniform(-c.maxRotationDeg, c.maxRotationDeg) * kPi / 180.0;
        const double fx = rng.bernoulli(c.hflipP) ? -1.0 : 1.0;
        const double fy = rng.bernoulli(c.vflipP) ? -1.0 : 1.0;
        const double cs = std::cos(theta), sn = std::sin(theta);
        // Shrink a rotated crop until its bounding box fits the canvas: no sample ever falls outside.
        double ex = a * std::abs(cs) + b * std::abs(sn), ey = a * std::abs(sn) + b * std::abs(cs);
        const double k = std::min(1.0, 1.0 / std::max(ex, ey));
        a *= k, b *= k, ex *= k, ey *= k;
        if (c.randomCrop) {
            auto centre = [&](double lo, double hi, double ext) {
                double l = std::max(lo, -1.0 + ext), h = std::min(hi, 1.0 - ext);
                if (l > h) return std::clamp((lo + hi) / 2, -1.0 + ext, 1.0 - ext);
                return rng.uniform(l, h);
            };
            cx = centre(box[0] + a, box[2] - a, ex);
            cy = centre(box[1] + b, box[3] - b, ey);
        }
        double affine[9] = {cs * a * fx, -sn * b * fy, cx, sn * a * fx, cs * b * fy, cy, 0, 0, 1};
        std::copy(affine, affine + 9, p.m);
        if (rng.bernoulli(c.perspectiveP)) {
            // Output square -> a quad with inward-moved corners (inside the square, so inside the canvas).
            const double d = c.perspectiveScale;
            const cv::Point2f src[4] = {{-1, -1}, {1, -1}, {1, 1}, {-1, 1}};
            const float sx[4] = {1, -1, -1, 1}, sy[4] = {1, 1, -1, -1};
            cv::Point2f dst[4];
            for (int q = 0; q < 4; ++q)
                dst[q] = {src[q].x + sx[q] * float(rng.uniform(0, d)), src[q].y + sy[q] * float(rng.uniform(0, d))};
            cv::Mat P = cv::getPerspectiveTransform(src, dst);
            double persp[9];
            for (int q = 0; q < 9; ++q) persp[q] = P.at<double>(q / 3, q % 3);
            matmul3(affine, persp, p.m);
        }
        if (c.brightness > 0) p.brightness = rng.uniform(std::max(0.0, 1 - c.brightness), 1 + c.brightness);
        if (c.contrast > 0) p.contrast = rng.uniform(std::max(0.0, 1 - c.contrast), 1 + c.contrast);
        if (c.saturation > 0) p.saturation = rng.uniform(std::max(0.0, 1 - c.saturation), 1 + c.saturation);
        if (c.hue > 0) p.hueTurns = rng.uniform(-c.hue, c.hue);
        p.gray = rng.bernoulli(c.grayscaleP);
        if (rng.bernoulli(c.blurP)) p.blurSigma = rng.uniform(c.blurSigmaMin, c.blurSigmaMax);
    }
    return out;
}

torch::Tensor BatchAugmenter::gridFrom(const std::vector<ImageParams>& params) const {
    const int64_t B = int64_t(params.size()), S = size_;
    // Pixel centres of the output in align_corners=false coordinates; identity then samples input centres exactly.
    std::vector<float> base(size_t(S) * S * 3);
    for (int64_t y = 0; y < S; ++y)
        for (int64_t x = 0; x < S; ++x) {
            float* q = &base[size_t(y * S + x) * 3];
            q[0] = float((2.0 * x + 1.0) / double(S) - 1.0);
            q[1] = float((2.0 * y + 1.0) / double(S) - 1.0);
            q[2] = 1.f;
        }
    std::vector<float> mats(size_t(B) * 9);
    for (int64_t i = 0; i < B; ++i)
        for (int q = 0; q < 9; ++q) mats[size_t(i) * 9 + q] = float(params[size_t(i)].m[q]);
    auto baseT = torch::from_blob(base.data(), {1, S * S, 3}, torch::kFloat).clone();
    auto M = torch::from_blob(mats.data(), {B, 3, 3}, torch::kFloat).clone();
    auto pts = torch::matmul(baseT, M.transpose(1, 2));  // (B, S*S, 3)
    auto xy = pts.narrow(2, 0, 2) / pts.narrow(2, 2, 1);
    // Construction keeps every point inside; the clamp only absorbs float rounding at the edge.
    return xy.clamp(-1.0, 1.0).view({B, S, S, 2});
}

torch::Tensor BatchAugmenter::samplingGrid(const std::vector<ContentBox>& boxes, uint64_t seed) const {
    return gridFrom(sample(boxes, seed));
}

void BatchAugmenter::colour(torch::Tensor& x, const std::vector<ImageParams>& params) const {
    const auto& c = config_;
    std::vector<double> br, co, sa, hu;
    std::vector<float> gray;
    bool anyGray = false;
    for (const auto& p : params) {
        br.push_back(p.brightness), co.push_back(p.contrast), sa.push_back(p.saturation), hu.push_back(p.hueTurns);
        gray.push_back(p.gray ? 1.f : 0.f);
        anyGray = anyGray || p.gray;
    }
    if (c.brightness > 0) x = (x * perImage(br, x)).clamp(0, 1);
    if (c.contrast > 0) {
        auto mean = grayOf(x).mean({1, 2, 3}, true);
        x = ((x - mean) * perImage(co, x) + mean).clamp(0, 1);
    }
    if (c.saturation > 0) {
        auto g = grayOf(x);
        x = ((x - g) * perImage(sa, x) + g).clamp(0, 1);
    }
    if (c.hue > 0) {
        // Hue shift as a rotation of the chroma plane in YIQ: one 3x3 matrix per image, no HSV round trip.
        static const double T[9] = {0.299, 0.587, 0.114, 0.596, -0.274, -0.322, 0.211, -0.523, 0.312};
        cv::Mat Tm(3, 3, CV_64F, const_cast<double*>(T)), Ti = Tm.inv();
        std::vector<float> mats;
        for (double h : hu) {
            const double ang = h * 2 * kPi, cs = std::cos(ang), sn = std::sin(ang);
            cv::Mat R = (cv::Mat_<double>(3, 3) << 1, 0, 0, 0, cs, -sn, 0, sn, cs);
            cv::Mat M = Ti * R * Tm;
            for (int q = 0; q < 9; ++q) mats.push_back(float(M.at<double>(q / 3, q % 3)));
        }
        auto M = torch::tensor(mats).view({-1, 3, 3}).to(x.device());
        const auto B = x.size(0), H = x.size(2), W = x.size(3);
        x = torch::bmm(M, x.reshape({B, 3, H * W})).view({B, 3, H, W}).clamp(0, 1);
    }
    if (anyGray) {
        auto mask = torch::tensor(gray).to(x.device()).view({-1, 1, 1, 1}) > 0.5f;
        x = torch::where(mask, grayOf(x).expand_as(x), x);
    }
}

void BatchAugmenter::blur(torch::Tensor& x, const std::vector<ImageParams>& params) const {
    bool any = false;
    for (const auto& p : params) any = any || p.blurSigma > 0;
    if (!any) return;
    // Separable Gaussian, one kernel per image (identity where no blur), as a depthwise conv over B*3 channels.
    const int radius = 4, k = 2 * radius + 1;
    const auto B = x.size(0), H = x.size(2), W = x.size(3);
    std::vector<float> w;
    for (const auto& p : params) {
        std::vector<float> kern(k, 0.f);
        if (p.blurSigma > 0) {
            double sum = 0;
            for (int i = 0; i < k; ++i) sum += kern[i] = float(std::exp(-0.5 * (i - radius) * (i - radius) /
                                                                         (p.blurSigma * p.blurSigma)));
            for (auto& v : kern) v = float(v / sum);
        } else {
            kern[radius] = 1.f;
        }
        for (int ch = 0; ch < 3; ++ch) w.insert(w.end(), kern.begin(), kern.end());
    }
    auto kx = torch::tensor(w).to(x.device()).view({B * 3, 1, 1, k});
    auto ky = kx.view({B * 3, 1, k, 1});
    namespace F = torch::nn::functional;
    auto y = x.reshape({1, B * 3, H, W});
    y = F::pad(y, F::PadFuncOptions({radius, radius, 0, 0}).mode(torch::kReflect));
    y = F::conv2d(y, kx, F::Conv2dFuncOptions().groups(B * 3));
    y = F::pad(y, F::PadFuncOptions({0, 0, radius, radius}).mode(torch::kReflect));
    y = F::conv2d(y, ky, F::Conv2dFuncOptions().groups(B * 3));
    x = y.view({B, 3, H, W});
}

torch::Tensor BatchAugmenter::normalizeImageNet(const torch::Tensor& x01) {
    auto mean = torch::tensor({0.485f, 0.456f, 0.406f}).to(x01.device()).view({1, 3, 1, 1});
    auto stdv = torch::tensor({0.229f, 0.224f, 0.225f}).to(x01.device()).view({1, 3, 1, 1});
    return (x01 - mean) / stdv;
}

torch::Tensor BatchAugmenter::apply(const torch::Tensor& canvas, const std::vector<ContentBox>& boxes, uint64_t seed,
                                    bool normalize) const {
    torch::NoGradGuard noGrad;
    auto params = sample(boxes, seed);
    auto grid = gridFrom(params).to(canvas.device());
    auto x = canvas.to(torch::kFloat).div_(255.0);
    namespace F = torch::nn::functional;
    x = F::grid_sample(x, grid,
                       F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kBorder).align_corners(false));
    colour(x, params);
    blur(x, params);
    return normalize ? normalizeImageNet(x) : x;
}

}  // namespace tessera::learn
