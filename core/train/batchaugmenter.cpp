#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "core/train/augment_torch.h"
#include "core/device/cudadevice_torch.h"
#include "core/train/splitrng.h"

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

// An AugmentPlan's row per image: the output -> input sampling matrix, the colour factors, the hue rotation as a 3x3
// matrix, the grayscale flag and the Gaussian blur's taps (identity where an image is not blurred).
constexpr int64_t kMatrix = 0, kBrightness = 9, kContrast = 10, kSaturation = 11, kHue = 12, kGray = 21, kBlur = 22;
constexpr int kBlurRadius = 4, kBlurTaps = 2 * kBlurRadius + 1;
constexpr int64_t kColumns = kBlur + kBlurTaps;

torch::Tensor column(const torch::Tensor& params, int64_t c) { return params.select(1, c).view({-1, 1, 1, 1}); }

// Hue shift as a rotation of the chroma plane in YIQ: one 3x3 matrix per image, no HSV round trip.
void hueMatrix(double turns, float out[9]) {
    static const double T[9] = {0.299, 0.587, 0.114, 0.596, -0.274, -0.322, 0.211, -0.523, 0.312};
    static const cv::Mat Tm(3, 3, CV_64F, const_cast<double*>(T)), Ti = Tm.inv();
    const double ang = turns * 2 * kPi, cs = std::cos(ang), sn = std::sin(ang);
    cv::Mat R = (cv::Mat_<double>(3, 3) << 1, 0, 0, 0, cs, -sn, 0, sn, cs);
    cv::Mat M = Ti * R * Tm;
    for (int q = 0; q < 9; ++q) out[q] = float(M.at<double>(q / 3, q % 3));
}

void blurTaps(double sigma, float out[kBlurTaps]) {
    std::fill(out, out + kBlurTaps, 0.f);
    if (sigma <= 0) {
        out[kBlurRadius] = 1.f;
        return;
    }
    double sum = 0;
    for (int i = 0; i < kBlurTaps; ++i)
        sum += out[i] = float(std::exp(-0.5 * (i - kBlurRadius) * (i - kBlurRadius) / (sigma * sigma)));
    for (int i = 0; i < kBlurTaps; ++i) out[i] = float(out[i] / sum);
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

torch::Tensor BatchAugmenter::applyMix(const torch::Tensor& x, const MixPlan& plan, const torch::Tensor& permOnDevice) {
    torch::NoGradGuard noGrad;
    if (plan.kind == MixPlan::Kind::None) return x;
    auto perm = permOnDevice.defined() ? permOnDevice : torch::tensor(plan.perm, torch::kLong).to(x.device());
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

AugmentPlan AugmentPlan::on(torch::Device device) const {
    if (params.device().type() == device.type()) return *this;  // "cuda" and "cuda:0" alike
    AugmentPlan moved = *this;
    moved.params = cuda::upload(params, device);
    return moved;
}

AugmentPlan BatchAugmenter::plan(const std::vector<ContentBox>& boxes, uint64_t seed) const {
    const auto sampled = sample(boxes, seed);
    AugmentPlan plan;
    plan.params = torch::empty({int64_t(sampled.size()), kColumns}, torch::kFloat);
    float* row = plan.params.data_ptr<float>();
    for (const auto& p : sampled) {
        for (int q = 0; q < 9; ++q) row[kMatrix + q] = float(p.m[q]);
        row[kBrightness] = float(p.brightness), row[kContrast] = float(p.contrast);
        row[kSaturation] = float(p.saturation);
        hueMatrix(p.hueTurns, row + kHue);
        row[kGray] = p.gray ? 1.f : 0.f;
        blurTaps(p.blurSigma, row + kBlur);
        plan.anyGray = plan.anyGray || p.gray;
        plan.anyBlur = plan.anyBlur || p.blurSigma > 0;
        row += kColumns;
    }
    return plan;
}

torch::Tensor BatchAugmenter::gridFrom(const torch::Tensor& params) const {
    const int64_t B = params.size(0), S = size_;
    // Pixel centres of the output in align_corners=false coordinates; identity then samples input centres exactly.
    const auto centres = ((torch::arange(S, params.options().dtype(torch::kDouble)) * 2 + 1) / double(S) - 1)
                             .to(torch::kFloat);
    auto xs = centres.view({1, S}).expand({S, S}), ys = centres.view({S, 1}).expand({S, S});
    auto base = torch::stack({xs, ys, torch::ones({S, S}, params.options())}, 2).view({1, S * S, 3});
    auto M = params.narrow(1, kMatrix, 9).reshape({B, 3, 3});
    auto pts = torch::matmul(base, M.transpose(1, 2));  // (B, S*S, 3)
    auto xy = pts.narrow(2, 0, 2) / pts.narrow(2, 2, 1);
    // Construction keeps every point inside; the clamp only absorbs float rounding at the edge.
    return xy.clamp(-1.0, 1.0).view({B, S, S, 2});
}

torch::Tensor BatchAugmenter::samplingGrid(const std::vector<ContentBox>& boxes, uint64_t seed) const {
    return gridFrom(plan(boxes, seed).params);
}

void BatchAugmenter::colour(torch::Tensor& x, const AugmentPlan& plan) const {
    const auto& c = config_;
    const auto& p = plan.params;
    if (c.brightness > 0) x = (x * column(p, kBrightness)).clamp(0, 1);
    if (c.contrast > 0) {
        auto mean = grayOf(x).mean({1, 2, 3}, true);
        x = ((x - mean) * column(p, kContrast) + mean).clamp(0, 1);
    }
    if (c.saturation > 0) {
        auto g = grayOf(x);
        x = ((x - g) * column(p, kSaturation) + g).clamp(0, 1);
    }
    if (c.hue > 0) {
        const auto B = x.size(0), H = x.size(2), W = x.size(3);
        auto M = p.narrow(1, kHue, 9).reshape({B, 3, 3});
        x = torch::bmm(M, x.reshape({B, 3, H * W})).view({B, 3, H, W}).clamp(0, 1);
    }
    if (plan.anyGray) x = torch::where(column(p, kGray) > 0.5f, grayOf(x).expand_as(x), x);
}

void BatchAugmenter::blur(torch::Tensor& x, const AugmentPlan& plan) {
    if (!plan.anyBlur) return;
    // Separable Gaussian, one kernel per image (identity where no blur), as a depthwise conv over B*3 channels.
    const auto B = x.size(0), H = x.size(2), W = x.size(3);
    auto kx = plan.params.narrow(1, kBlur, kBlurTaps).unsqueeze(1).expand({B, 3, kBlurTaps}).reshape({B * 3, 1, 1, kBlurTaps});
    auto ky = kx.view({B * 3, 1, kBlurTaps, 1});
    namespace F = torch::nn::functional;
    auto y = x.reshape({1, B * 3, H, W});
    y = F::pad(y, F::PadFuncOptions({kBlurRadius, kBlurRadius, 0, 0}).mode(torch::kReflect));
    y = F::conv2d(y, kx, F::Conv2dFuncOptions().groups(B * 3));
    y = F::pad(y, F::PadFuncOptions({0, 0, kBlurRadius, kBlurRadius}).mode(torch::kReflect));
    y = F::conv2d(y, ky, F::Conv2dFuncOptions().groups(B * 3));
    x = y.view({B, 3, H, W});
}

torch::Tensor BatchAugmenter::normalizeImageNet(const torch::Tensor& x01) {
    // Scalar operations per channel rather than mean/std tensors, which would be copied to the device every call.
    static constexpr float kMean[3] = {0.485f, 0.456f, 0.406f}, kStd[3] = {0.229f, 0.224f, 0.225f};
    auto x = x01.clone();
    for (int64_t c = 0; c < 3; ++c) x.select(1, c).sub_(kMean[c]).div_(kStd[c]);
    return x;
}

torch::Tensor BatchAugmenter::apply(const torch::Tensor& canvas, const AugmentPlan& plan, bool normalize) const {
    torch::NoGradGuard noGrad;
    const AugmentPlan here = plan.on(canvas.device());
    auto grid = gridFrom(here.params);
    auto x = canvas.to(torch::kFloat).div_(255.0);
    namespace F = torch::nn::functional;
    x = F::grid_sample(x, grid,
                       F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kBorder).align_corners(false));
    colour(x, here);
    blur(x, here);
    return normalize ? normalizeImageNet(x) : x;
}

torch::Tensor BatchAugmenter::apply(const torch::Tensor& canvas, const std::vector<ContentBox>& boxes, uint64_t seed,
                                    bool normalize) const {
    return apply(canvas, plan(boxes, seed), normalize);
}

}  // namespace tessera::learn
