#include "core/fewshot/embeddingcache.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <unordered_map>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/train/augment_torch.h"
#include "core/device/devicechoice_torch.h"
#include "core/train/imagecache_torch.h"
#include "core/device/cudadevice_torch.h"
#include "core/nn/modelbundle.h"
#include "core/nn/modelbundle_torch.h"
#include "core/nn/weightloader_torch.h"
#include "core/project/projectlocation.h"
#include "core/util/atomicfile.h"
#include "core/util/sha256.h"

namespace tessera::learn {
namespace fs = std::filesystem;

namespace {

// torchvision ResNets differ by block type (conv3 only in Bottleneck) and by the number of blocks in layer3.
Expected<std::string> inferArchitecture(const nn::StateDict& sd, const std::string& file) {
    if (!sd.find("conv1.weight") || !sd.find("layer1.0.conv1.weight"))
        return makeError(file + ": not a torchvision ResNet state dict (no conv1.weight / layer1.0.conv1.weight)");
    int blocks = 0;
    while (sd.find("layer3." + std::to_string(blocks) + ".conv1.weight")) ++blocks;
    const bool bottleneck = sd.find("layer1.0.conv3.weight") != nullptr;
    if (!bottleneck && blocks == 2) return std::string("resnet18");
    if (!bottleneck && blocks == 6) return std::string("resnet34");
    if (bottleneck && blocks == 6) return std::string("resnet50");
    if (bottleneck && blocks == 23) return std::string("resnet101");
    return makeError(file + ": a ResNet with " + std::to_string(blocks) + " blocks in layer3 (" +
                     (bottleneck ? "bottleneck" : "basic") + " blocks) is none of resnet18/34/50/101");
}

struct Index {
    int64_t dim = 0;
    std::unordered_map<std::string, int64_t> slots;
};

Index readIndex(const fs::path& file, int64_t dim) {
    Index out;
    out.dim = dim;
    std::ifstream in(file);
    if (!in) return out;
    try {
        auto j = nlohmann::json::parse(in);
        if (j.value("dim", int64_t(0)) != dim) return out;
        for (auto& [hash, v] : j.at("slots").items()) out.slots[hash] = v.get<int64_t>();
    } catch (const std::exception&) {
        out.slots.clear();  // a damaged index only costs a recomputation
    }
    return out;
}

Status writeIndex(const fs::path& file, const Index& index, const std::string& key) {
    nlohmann::json j;
    j["dim"] = index.dim;
    j["model_key"] = key;
    auto& s = j["slots"] = nlohmann::json::object();
    for (const auto& [hash, slot] : index.slots) s[hash] = slot;
    return util::writeFileAtomically(file, j.dump());  // a killed run leaves the old index, never a torn one
}

// Appends the new rows to vectors.bin, then publishes them in the index (written last, atomically).
Status appendRows(const fs::path& dataFile, const fs::path& indexFile, Index& index, const std::string& key,
                  const std::vector<std::pair<std::string, size_t>>& fresh, const Embeddings& out) {
    const size_t rowBytes = size_t(out.dim) * sizeof(float);
    std::error_code ec;
    int64_t next = fs::exists(dataFile, ec) ? int64_t(fs::file_size(dataFile, ec) / rowBytes) : 0;
    std::fstream data(dataFile, std::ios::binary | std::ios::in | std::ios::out);
    if (!data) data.open(dataFile, std::ios::binary | std::ios::out | std::ios::trunc);
    data.seekp(std::streamoff(next * int64_t(rowBytes)));
    for (const auto& [hash, i] : fresh) {
        data.write(reinterpret_cast<const char*>(out.row(i)), std::streamsize(rowBytes));
        index.slots[hash] = next++;
    }
    data.flush();
    if (!data) return makeError("cannot write the embedding cache " + dataFile.string() + ": " + std::strerror(errno));
    data.close();
    return writeIndex(indexFile, index, key);
}

}  // namespace

struct EmbeddingCache::Impl {
    fs::path dataDir;  // the project's (projectlocation.h)
    fs::path modelFile;
    EmbeddingOptions options;
    nn::ResNet model{nullptr};
    std::string arch;
    std::string key;
    int inputSize = 128;
    int canvas = 160;
    bool centreCrop = false;  // bundles with the canvas_then_center_crop policy
    Framing framing = Framing::Photo;  // the bundle's
    std::array<float, 3> mean{{0.485f, 0.456f, 0.406f}};
    std::array<float, 3> stdv{{0.229f, 0.224f, 0.225f}};
    torch::Device device{torch::kCPU};
    std::string deviceName = "cpu";

    fs::path dir() const { return dataDir / "embeddings" / key; }
    Status load();
    torch::Tensor embedBatch(const torch::Tensor& canvases);
    // Decodes the first request of each missing hash (through the image cache) and embeds it; every request with
    // that hash gets the row. `fresh` receives (hash, request index) of each new row.
    Status embedMisses(const std::vector<EmbeddingRequest>& requests, const std::vector<size_t>& firstOfHash,
                       std::unordered_map<std::string, std::vector<size_t>>& missing, Embeddings& out,
                       std::vector<std::pair<std::string, size_t>>& fresh, const JobContext& ctx);
};

Status EmbeddingCache::Impl::load() {
    const std::string name = modelFile.string();
    std::error_code ec;
    if (!fs::is_regular_file(modelFile, ec)) return makeError(name + ": no such model or weights file");
    try {
        int defaultSize = 128;
        if (auto manifest = nn::ModelBundle::readManifest(name); manifest) {
            auto b = nn::ModelBundleIO::load(name);
            if (!b) return b.takeError();
            model = b->model;
            arch = manifest->arch;
            const auto& p = manifest->preprocessing;
            defaultSize = p.inputSize;
            mean = p.mean;
            stdv = p.std;
            centreCrop = p.resizePolicy == "canvas_then_center_crop" && p.canvasSize > p.inputSize;
            canvas = centreCrop ? p.canvasSize : ImageCache::canvasForCrop(p.inputSize);
            framing = framingNamed(p.framing);
        } else {
            auto sd = nn::WeightLoader::readFile(name);
            if (!sd) return sd.takeError();
            if (options.arch.empty()) {
                auto a = inferArchitecture(*sd, name);
                if (!a) return a.takeError();
                arch = *a;
            } else {
                arch = options.arch;
            }
            auto parsed = nn::parseArchitecture(arch);
            if (!parsed) return makeError(name + ": " + parsed.error());
            const at::Tensor* fc = sd->find("fc.weight");
            model = nn::ResNet(*parsed, fc ? fc->size(0) : 1000);
            nn::WeightLoadOptions lo;
            lo.strict = fc != nullptr;  // a headless trunk is fine: the head is never used here
            auto report = nn::WeightLoader::load(*model, *sd, name, lo);
            if (!report) return report.takeError();
            if (!report->missing.empty() && report->missing.front().rfind("fc.", 0) != 0)
                return makeError(name + ": does not fit " + arch + ": '" + report->missing.front() + "' is missing");
        }
        if (options.inputSize > 0 && options.inputSize != defaultSize && !centreCrop) canvas = 0;
        inputSize = options.inputSize > 0 ? options.inputSize : defaultSize;
        if (canvas <= 0) canvas = ImageCache::canvasForCrop(inputSize);
        auto chosen = chooseDevice(options.device);
        if (!chosen) return chosen.takeError();
        if (chosen->is_cuda()) {
            device = torch::Device(torch::kCUDA);
            deviceName = "cuda: " + learn::cuda::deviceName();
        }
        if (options.threads > 0) at::set_num_threads(options.threads);
        model->to(device);
        model->eval();
    } catch (const c10::Error& e) {
        return makeError(name + ": cannot load the network: " + e.what_without_backtrace());
    } catch (const std::exception& e) {
        return makeError(name + ": cannot load the network: " + e.what());
    }
    auto sha = util::sha256File(modelFile);
    if (!sha) return sha.takeError();
    key = *sha + "-" + std::to_string(inputSize) + (centreCrop ? "c" + std::to_string(canvas) : "") +
          (framing == Framing::Find ? "-find" : "");
    return {};
}

torch::Tensor EmbeddingCache::Impl::embedBatch(const torch::Tensor& canvases) {
    torch::NoGradGuard noGrad;
    auto x = canvases.to(device);
    if (centreCrop) {  // the bundle's own eval preprocessing: centre inputSize square of the canvas
        const int64_t off = (canvas - inputSize) / 2;
        x = x.slice(2, off, off + inputSize).slice(3, off, off + inputSize);
    }
    // Same path as the trainer's validation: the whole (cropped) canvas resized to the input size.
    BatchAugmenter plain(AugmentConfig::forPreset(AugmentPreset::None), inputSize);
    std::vector<ContentBox> boxes(size_t(x.size(0)), Canvas::fullBox());
    auto x01 = plain.apply(x, boxes, 0, /*normalize=*/false);
    auto m = torch::tensor({mean[0], mean[1], mean[2]}).to(device).view({1, 3, 1, 1});
    auto s = torch::tensor({stdv[0], stdv[1], stdv[2]}).to(device).view({1, 3, 1, 1});
    return model->embed((x01 - m) / s).to(torch::kFloat).to(torch::kCPU).contiguous();
}

EmbeddingCache::EmbeddingCache(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EmbeddingCache::EmbeddingCache(EmbeddingCache&&) noexcept = default;
EmbeddingCache& EmbeddingCache::operator=(EmbeddingCache&&) noexcept = default;
EmbeddingCache::~EmbeddingCache() = default;

Expected<EmbeddingCache> EmbeddingCache::open(const fs::path& projectRoot, const fs::path& modelFile,
                                              const EmbeddingOptions& options) {
    auto impl = std::make_unique<Impl>();
    auto where = project::locateProject(projectRoot);
    if (!where) return where.takeError();
    impl->dataDir = where->dataDir;
    impl->modelFile = modelFile;
    impl->options = options;
    if (options.batchSize < 1) return makeError("embedding batch size must be at least 1");
    if (auto st = impl->load(); !st) return st.takeError();
    return EmbeddingCache(std::move(impl));
}

const std::string& EmbeddingCache::modelKey() const { return impl_->key; }
fs::path EmbeddingCache::directory() const { return impl_->dir(); }
int64_t EmbeddingCache::dim() const { return impl_->model->embeddingDim(); }
int EmbeddingCache::inputSize() const { return impl_->inputSize; }
std::string EmbeddingCache::architecture() const { return impl_->arch; }
std::string EmbeddingCache::deviceName() const { return impl_->deviceName; }

Expected<Embeddings> EmbeddingCache::compute(const std::vector<EmbeddingRequest>& requests, const JobContext& ctx) {
    Impl& d = *impl_;
    const size_t N = requests.size();
    const int64_t D = dim();
    Embeddings out;
    out.dim = D;
    out.values.assign(N * size_t(D), 0.f);
    out.ok.assign(N, 0);
    out.hashes.resize(N);

    const fs::path dir = d.dir(), indexFile = dir / "index.json", dataFile = dir / "vectors.bin";
    const size_t rowBytes = size_t(D) * sizeof(float);
    Index index;
    index.dim = D;
    std::error_code ec;
    if (d.options.persist) {
        fs::create_directories(dir, ec);
        if (ec) return makeError("cannot create the embedding cache " + dir.string() + ": " + ec.message());
        index = readIndex(indexFile, D);
        const auto size = fs::exists(dataFile, ec) ? fs::file_size(dataFile, ec) : 0;
        for (auto it = index.slots.begin(); it != index.slots.end();)  // drop rows past the end (torn append)
            it = (uint64_t(it->second + 1) * rowBytes > size) ? index.slots.erase(it) : std::next(it);
    }

    // Hits straight from vectors.bin; misses grouped by hash, so duplicate photos go through the network once.
    std::vector<size_t> firstOfHash;
    std::unordered_map<std::string, std::vector<size_t>> missing;
    {
        std::ifstream in(dataFile, std::ios::binary);
        for (size_t i = 0; i < N; ++i) {
            if (ctx.cancelled()) return makeError("cancelled while reading the embedding cache");
            std::string hash = requests[i].contentHash;
            if (hash.empty()) {
                auto h = util::sha256File(requests[i].path);
                if (!h) {
                    out.failures.push_back(requests[i].path.string() + ": " + h.error());
                    continue;
                }
                hash = *h;
            }
            out.hashes[i] = hash;
            auto it = index.slots.find(hash);
            if (it != index.slots.end() && in) {
                in.seekg(std::streamoff(it->second * int64_t(rowBytes)));
                in.read(reinterpret_cast<char*>(out.values.data() + i * size_t(D)), std::streamsize(rowBytes));
                if (in) {
                    out.ok[i] = 1;
                    ++out.reused;
                    continue;
                }
                in.clear();
            }
            auto& list = missing[hash];
            if (list.empty()) firstOfHash.push_back(i);
            list.push_back(i);
        }
    }

    std::vector<std::pair<std::string, size_t>> fresh;  // hash -> request index holding its embedding
    if (!firstOfHash.empty())
        if (auto st = d.embedMisses(requests, firstOfHash, missing, out, fresh, ctx); !st) return st.takeError();

    // The rows are kept even when the decoded photos behind them could not be; the first failure is the one told.
    if (d.options.persist && !fresh.empty())
        if (auto st = appendRows(dataFile, indexFile, index, d.key, fresh, out); !st && out.notSaved.empty())
            out.notSaved = st.error();
    return out;
}

Status EmbeddingCache::Impl::embedMisses(const std::vector<EmbeddingRequest>& requests,
                                         const std::vector<size_t>& firstOfHash,
                                         std::unordered_map<std::string, std::vector<size_t>>& missing,
                                         Embeddings& out, std::vector<std::pair<std::string, size_t>>& fresh,
                                         const JobContext& ctx) {
    const size_t D = size_t(out.dim);
    ImageCacheOptions co;
    co.canvas = canvas;
    co.framing = framing;
    co.persist = options.persist;
    ImageCache images(dataDir / "cache", co);
    // Decode in chunks (the image cache rewrites its index once per call), run the network in batches.
    const size_t B = size_t(options.batchSize), chunk = std::max<size_t>(B, 512);
    try {
        for (size_t s = 0; s < firstOfHash.size(); s += chunk) {
            if (ctx.cancelled()) return makeError("cancelled while computing embeddings");
            const size_t e = std::min(firstOfHash.size(), s + chunk);
            std::vector<CacheRequest> batch;
            for (size_t k = s; k < e; ++k) batch.push_back({requests[firstOfHash[k]].path, out.hashes[firstOfHash[k]]});
            auto decoded = images.load(batch, JobContext{{}, ctx.cancel});
            if (!decoded) return decoded.takeError();
            for (auto& f : decoded->failures) out.failures.push_back(std::move(f));
            if (out.notSaved.empty()) out.notSaved = decoded->notSaved;
            std::vector<int64_t> good;
            for (size_t k = 0; k < batch.size(); ++k)
                if (decoded->ok[k]) good.push_back(int64_t(k));
            for (size_t g0 = 0; g0 < good.size(); g0 += B) {
                if (ctx.cancelled()) return makeError("cancelled while computing embeddings");
                const size_t g1 = std::min(good.size(), g0 + B);
                std::vector<int64_t> rowsIn(good.begin() + long(g0), good.begin() + long(g1));
                auto emb = embedBatch(decoded->pixels.index_select(0, torch::tensor(rowsIn, torch::kLong)));
                const float* src = emb.data_ptr<float>();
                for (size_t g = 0; g < rowsIn.size(); ++g) {
                    const size_t first = firstOfHash[s + size_t(rowsIn[g])];
                    for (size_t i : missing[out.hashes[first]]) {
                        std::copy(src + g * D, src + (g + 1) * D, out.values.begin() + long(i * D));
                        out.ok[i] = 1;
                    }
                    fresh.emplace_back(out.hashes[first], first);
                }
                ctx.report({"embed", int64_t(s + size_t(rowsIn.back()) + 1), int64_t(firstOfHash.size()), {}});
            }
        }
    } catch (const c10::Error& e) {
        return makeError("computing embeddings with " + modelFile.string() + " failed: " + e.what_without_backtrace());
    }
    out.computed = int64_t(fresh.size());
    return {};
}

}  // namespace tessera::learn
