#include "core/predict/predictor.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <numeric>
#include <thread>

#include "core/imaging/imagedecoder.h"
#include "core/device/devicechoice_torch.h"
#include "core/device/cudadevice_torch.h"
#include "core/predict/predictorimpl_torch.h"
#include "core/nn/modelbundle_torch.h"
#include "core/nn/autocast_torch.h"
#include "core/util/sha256.h"
#include "core/util/threadpool.h"

namespace fs = std::filesystem;

namespace tessera::learn {

namespace {

bool knownPolicy(const std::string& p) {
    return p == "canvas_then_center_crop" || p == "shorter_side_then_center_crop" || p == "stretch" ||
           p == "pad_to_square";
}

// One batch on its way through the pipeline: decode tasks fill `pixels` and `preds`, the network then reads them.
struct Batch {
    size_t begin = 0;
    std::vector<Prediction> preds;
    std::vector<char> ok;
    torch::Tensor pixels;  // (count, 3, S, S) float
    std::mutex mutex;
    std::condition_variable done;
    size_t remaining = 0;
};

// Reads, hashes, decodes and preprocesses one photo into `dst`. Errors name the file.
void decodeInto(const fs::path& file, const InferencePreprocess& prep, bool hash, float* dst, Prediction& pred,
                char& ok) {
    try {
        auto bytes = imaging::readFileBytes(file);
        if (!bytes) {
            pred.error = bytes.error();
            return;
        }
        if (hash) pred.contentHash = util::sha256Hex(bytes->data(), bytes->size());
        imaging::DecodeOptions dopt;
        // Ask the DCT-scaled JPEG decoder for just the resolution the resize needs.
        auto header = imaging::ImageDecoder::probeBuffer(bytes->data(), bytes->size(), file.string());
        if (header) dopt.minLongSide = prep.decodeLongSide(header->width, header->height);
        auto img = imaging::ImageDecoder::decodeBuffer(*bytes, file.string(), dopt);
        if (!img) {
            pred.error = img.error();
            return;
        }
        prep.normalizeInto(prep.crop(*img), dst);
        ok = 1;
    } catch (const cv::Exception& e) {
        pred.error = file.string() + ": " + e.what();
    } catch (const std::exception& e) {
        pred.error = file.string() + ": " + e.what();
    }
}

}  // namespace

torch::Tensor Predictor::Impl::probabilities(const torch::Tensor& x) {
    const bool cuda = device.is_cuda();
    auto in = x.to(device, /*non_blocking=*/cuda);
    if (options.tta) {
        // The 8 symmetries of the square (dihedral group D4): identity, h-flip, v-flip, rotations by 90/180/270
        // degrees, and the two diagonal flips. A group, so the average is exactly invariant to any flip or
        // quarter turn of the input (the 6 named views alone are not closed under an h-flip).
        auto t = in.transpose(2, 3);
        in = torch::cat({in, in.flip({3}), in.flip({2}), in.flip({2, 3}), t.flip({3}), t.flip({2}), t,
                         t.flip({2, 3})});
    }
    if (cuda) in = in.contiguous(at::MemoryFormat::ChannelsLast);
    torch::Tensor logits;
    {
        nn::AutocastGuard autocast(device.type(), at::kBFloat16, bf16);
        logits = model->forward(in);
    }
    auto probs = calibratedSoftmax(logits);
    if (options.tta) probs = probs.view({8, x.size(0), probs.size(1)}).mean(0);
    return probs.to(torch::kCPU).contiguous();
}

torch::Tensor Predictor::Impl::calibratedSoftmax(const torch::Tensor& logits) const {
    auto z = logits.to(torch::kFloat);
    if (temperature != 1.0) z = z / temperature;
    return torch::softmax(z, 1);
}

void Predictor::Impl::describe(const float* probs, Prediction& p) const {
    const auto& names = manifest.classNames;
    p.probabilities.assign(probs, probs + names.size());
    std::vector<int> order(names.size());
    std::iota(order.begin(), order.end(), 0);
    // Ties keep class order, so equal outputs always rank the same way.
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return probs[a] > probs[b]; });
    const size_t k = std::min(names.size(), size_t(std::max(1, options.topK)));
    p.top.clear();
    for (size_t i = 0; i < k; ++i) p.top.push_back({order[i], names[size_t(order[i])], probs[order[i]]});
    p.unknown = double(p.top.front().probability) < options.unknownBelow;
}

Expected<Predictor> Predictor::open(const fs::path& bundle, const PredictOptions& options) {
    try {
        if (options.topK < 1) return makeError("top-k must be at least 1");
        if (options.batchSize < 1) return makeError("batch size must be at least 1");
        auto impl = std::make_unique<Impl>();
        impl->bundlePath = bundle;
        impl->options = options;
        auto chosen = chooseDevice(options.device);
        if (!chosen) return chosen.takeError();
        const bool cuda = chosen->is_cuda();
        // Every core for the network AND every core for the decoders: they alternate (decode batch k+1 while the
        // network runs batch k), so on an idle 2-core machine this beat a 1 + 1 split by 1.24x (19.5 vs 15.7 images/s,
        // 3 interleaved runs, docs/BENCHMARKS.md). Under heavy load from other programs the split can win; --threads
        // and --decode-threads override.
        const int hw = int(std::max(1u, std::thread::hardware_concurrency()));
        const int threads = options.threads > 0 ? options.threads : hw;
        impl->torchThreads = threads;
        impl->decodeThreads = options.decodeThreads > 0 ? options.decodeThreads : hw;
        at::init_num_threads();
        at::set_num_threads(threads);
        impl->device = cuda ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
        impl->bf16 = cuda && learn::cuda::supportsBf16();
        impl->deviceName = cuda ? "cuda:0 (" + learn::cuda::deviceName() + ")"
                                : "cpu (" + std::to_string(threads) + " threads, " +
                                      std::to_string(impl->decodeThreads) + " decoding)";

        auto loaded = nn::ModelBundleIO::load(bundle.string());
        if (!loaded) return loaded.takeError();
        impl->manifest = loaded->manifest;
        if (options.calibrated) impl->temperature = impl->manifest.calibration.temperature;
        const auto& pp = impl->manifest.preprocessing;
        if (!knownPolicy(pp.resizePolicy))
            return makeError(bundle.string() + ": unknown resize policy '" + pp.resizePolicy + "'");
        impl->prep = InferencePreprocess(pp);
        impl->model = loaded->model;
        impl->model->eval();
        impl->model->to(impl->device);
        if (cuda) {
            torch::NoGradGuard noGrad;
            for (auto& p : impl->model->parameters())
                if (p.dim() == 4) p.set_data(p.data().contiguous(at::MemoryFormat::ChannelsLast));
        }
        return Predictor(std::move(impl));
    } catch (const c10::Error& e) {
        return makeError(bundle.string() + ": cannot load the model: " + e.what_without_backtrace());
    } catch (const std::exception& e) {
        return makeError(bundle.string() + ": cannot load the model: " + e.what());
    }
}

Predictor::Predictor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Predictor::Predictor(Predictor&&) noexcept = default;
Predictor& Predictor::operator=(Predictor&&) noexcept = default;
Predictor::~Predictor() = default;

const std::vector<std::string>& Predictor::classNames() const { return impl_->manifest.classNames; }
std::string Predictor::deviceName() const { return impl_->deviceName; }
const PredictOptions& Predictor::options() const { return impl_->options; }
const nn::BundleCalibration& Predictor::calibration() const { return impl_->manifest.calibration; }
double Predictor::temperature() const { return impl_->temperature; }

Status Predictor::predict(const std::vector<fs::path>& files, const std::function<void(const Prediction&)>& sink,
                          const JobContext& ctx) {
    Impl& m = *impl_;
    const int64_t S = m.prep.inputSize();
    const size_t B = size_t(std::max(1, m.options.batchSize));
    const unsigned decodeThreads = unsigned(m.decodeThreads);
    // Batches decoded ahead of the one the network runs: enough to keep the decoders busy, few enough that memory
    // stays constant (3 batches of 32 x 3 x 224 x 224 floats = 58 MB).
    constexpr size_t kAhead = 2;
    try {
        at::init_num_threads();
        at::set_num_threads(m.torchThreads);
        util::ThreadPool pool(decodeThreads);
        std::deque<std::shared_ptr<Batch>> inflight;
        size_t next = 0;
        auto launch = [&] {
            auto b = std::make_shared<Batch>();
            b->begin = next;
            const size_t count = std::min(B, files.size() - next);
            next += count;
            b->preds.resize(count);
            b->ok.assign(count, 0);
            b->remaining = count;
            b->pixels = torch::empty({int64_t(count), 3, S, S}, torch::kFloat);
            float* base = b->pixels.data_ptr<float>();
            const size_t stride = size_t(3 * S * S);
            for (size_t i = 0; i < count; ++i) {
                b->preds[i].file = files[b->begin + i];
                pool.submit([&m, &ctx, b, i, base, stride] {
                    if (!ctx.cancelled())
                        decodeInto(b->preds[i].file, m.prep, m.options.hashFiles, base + i * stride, b->preds[i],
                                   b->ok[i]);
                    std::lock_guard<std::mutex> lock(b->mutex);
                    if (--b->remaining == 0) b->done.notify_all();
                });
            }
            inflight.push_back(std::move(b));
        };
        while (next < files.size() && inflight.size() <= kAhead) launch();
        int64_t done = 0;
        while (!inflight.empty()) {
            auto b = inflight.front();
            inflight.pop_front();
            {
                std::unique_lock<std::mutex> lock(b->mutex);
                b->done.wait(lock, [&] { return b->remaining == 0; });
            }
            if (ctx.cancelled()) {
                pool.waitIdle();
                return makeError("prediction cancelled after " + std::to_string(done) + " of " +
                                 std::to_string(files.size()) + " photos");
            }
            if (next < files.size()) launch();  // the decoders work on it while the network runs this batch
            std::vector<int64_t> rows;
            for (size_t i = 0; i < b->ok.size(); ++i)
                if (b->ok[i]) rows.push_back(int64_t(i));
            if (!rows.empty()) {
                c10::InferenceMode inference;
                auto x = rows.size() == b->ok.size()
                             ? b->pixels
                             : b->pixels.index_select(0, torch::tensor(rows, torch::kLong));
                auto probs = m.probabilities(x);
                const int64_t K = probs.size(1);
                const float* p = probs.data_ptr<float>();
                for (size_t r = 0; r < rows.size(); ++r) m.describe(p + int64_t(r) * K, b->preds[size_t(rows[r])]);
            }
            for (auto& pred : b->preds) {
                sink(pred);
                ++done;
            }
            ctx.report({"predict", done, int64_t(files.size()), b->preds.back().file.filename().string()});
        }
        return {};
    } catch (const c10::Error& e) {
        return makeError("prediction failed on " + m.deviceName + ": " + e.what_without_backtrace());
    } catch (const std::exception& e) {
        return makeError(std::string("prediction failed: ") + e.what());
    }
}

Expected<Prediction> Predictor::predictOne(const fs::path& file) {
    Prediction out;
    auto st = predict({file}, [&](const Prediction& p) { out = p; }, JobContext{});
    if (!st) return st.takeError();
    if (!out.error.empty()) return makeError(out.error);
    return out;
}

}  // namespace tessera::learn
