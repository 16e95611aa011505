#include <atomic>
#include <cmath>
#include <cstring>
#include <fstream>
#include <mutex>
#include <unordered_map>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "core/imaging/imagedecoder.h"
#include "core/learn/imagecache_torch.h"
#include "core/util/sha256.h"
#include "core/util/threadpool.h"

namespace tessera::learn {
namespace fs = std::filesystem;

namespace {

struct Slot {
    int64_t index = 0;
    ContentBox box{};
};

// index.json: {"canvas": C, "slots": {hash: [slot, x0, y0, x1, y1]}}; pixels.bin: slot-major CHW uint8 planes.
std::unordered_map<std::string, Slot> readIndex(const fs::path& file, int canvas) {
    std::unordered_map<std::string, Slot> out;
    std::ifstream in(file);
    if (!in) return out;
    try {
        auto j = nlohmann::json::parse(in);
        if (j.value("canvas", 0) != canvas) return out;
        for (auto& [hash, v] : j.at("slots").items())
            out[hash] = Slot{v.at(0).get<int64_t>(), {v.at(1).get<float>(), v.at(2).get<float>(),
                                                       v.at(3).get<float>(), v.at(4).get<float>()}};
    } catch (const std::exception&) {
        out.clear();  // a damaged index only costs a re-decode
    }
    return out;
}

Status writeIndex(const fs::path& file, int canvas, const std::unordered_map<std::string, Slot>& slots) {
    nlohmann::json j;
    j["canvas"] = canvas;
    auto& s = j["slots"] = nlohmann::json::object();
    for (const auto& [hash, slot] : slots)
        s[hash] = {slot.index, slot.box[0], slot.box[1], slot.box[2], slot.box[3]};
    const fs::path tmp = file.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << j.dump();
        if (!out) return makeError("cannot write " + tmp.string());
    }
    std::error_code ec;
    fs::rename(tmp, file, ec);  // atomic: a killed run leaves the old index, never a torn one
    if (ec) return makeError("cannot replace " + file.string() + ": " + ec.message());
    return {};
}

}  // namespace

ImageCache::ImageCache(fs::path cacheRoot, ImageCacheOptions options)
    : root_(std::move(cacheRoot)), options_(options) {}

fs::path ImageCache::directory() const { return root_ / std::to_string(options_.canvas); }

int ImageCache::canvasForCrop(int cropSize) { return int(std::lround(cropSize * 1.25 / 8.0)) * 8; }

Expected<CachedImages> ImageCache::load(const std::vector<CacheRequest>& requests, const JobContext& ctx) {
    const int C = options_.canvas;
    const int64_t N = int64_t(requests.size());
    const size_t slotBytes = size_t(3) * C * C;
    CachedImages out;
    out.pixels = torch::zeros({N, 3, C, C}, torch::kUInt8);
    out.boxes.assign(size_t(N), Canvas::fullBox());
    out.ok.assign(size_t(N), 0);
    uint8_t* base = out.pixels.data_ptr<uint8_t>();

    const fs::path dir = directory(), indexFile = dir / "index.json", dataFile = dir / "pixels.bin";
    std::unordered_map<std::string, Slot> index;
    if (options_.persist) {
        std::error_code ec;
        fs::create_directories(dir, ec);
        if (ec) return makeError("cannot create the image cache " + dir.string() + ": " + ec.message());
        index = readIndex(indexFile, C);
        const auto size = fs::exists(dataFile, ec) ? fs::file_size(dataFile, ec) : 0;
        for (auto it = index.begin(); it != index.end();)  // drop slots past the end (torn append)
            it = (uint64_t(it->second.index + 1) * slotBytes > size) ? index.erase(it) : std::next(it);
    }

    std::vector<std::string> hashes(static_cast<size_t>(N));
    std::vector<int64_t> toDecode;
    {  // Hits: read their planes straight into the tensor.
        std::ifstream in(dataFile, std::ios::binary);
        for (int64_t i = 0; i < N; ++i) {
            hashes[size_t(i)] = requests[size_t(i)].contentHash;
            if (hashes[size_t(i)].empty()) {
                auto h = util::sha256File(requests[size_t(i)].path);
                if (h) hashes[size_t(i)] = *h;
            }
            auto it = hashes[size_t(i)].empty() ? index.end() : index.find(hashes[size_t(i)]);
            if (it != index.end() && in) {
                in.seekg(std::streamoff(it->second.index * int64_t(slotBytes)));
                in.read(reinterpret_cast<char*>(base + i * int64_t(slotBytes)), std::streamsize(slotBytes));
                if (in) {
                    out.boxes[size_t(i)] = it->second.box;
                    out.ok[size_t(i)] = 1;
                    ++out.reused;
                    continue;
                }
                in.clear();
            }
            toDecode.push_back(i);
        }
    }

    std::atomic<int64_t> done{0};
    std::mutex failMutex;
    std::vector<std::pair<int64_t, std::string>> failures;
    {
        util::ThreadPool pool(options_.threads);
        pool.parallelFor(toDecode.size(), [&](size_t k) {
            if (ctx.cancelled()) return;
            const int64_t i = toDecode[k];
            const auto& req = requests[size_t(i)];
            imaging::DecodeOptions dopt;
            dopt.minLongSide = C;  // DCT-reduced decode: never more pixels than the canvas needs
            auto img = imaging::ImageDecoder::decode(req.path, dopt);
            if (!img) {
                std::lock_guard<std::mutex> lock(failMutex);
                failures.emplace_back(i, img.error());
            } else {
                try {
                    ContentBox box;
                    cv::Mat canvas = Canvas::fit(*img, C, &box);
                    std::vector<cv::Mat> planes;
                    uint8_t* dst = base + i * int64_t(slotBytes);
                    for (int c = 0; c < 3; ++c) planes.emplace_back(C, C, CV_8UC1, dst + size_t(c) * C * C);
                    cv::split(canvas, planes);  // HWC -> CHW straight into the tensor
                    out.boxes[size_t(i)] = box;
                    out.ok[size_t(i)] = 1;
                } catch (const cv::Exception& e) {
                    std::lock_guard<std::mutex> lock(failMutex);
                    failures.emplace_back(i, req.path.string() + ": " + e.what());
                }
            }
            const int64_t n = ++done;
            ctx.report({"cache", n, int64_t(toDecode.size()), req.path.filename().string()});
        });
    }
    if (ctx.cancelled()) return makeError("cancelled while decoding photos into the cache");
    std::sort(failures.begin(), failures.end());
    for (auto& f : failures) out.failures.push_back(std::move(f.second));
    out.decoded = int64_t(toDecode.size() - failures.size());

    if (options_.persist && out.decoded > 0) {
        // Append the new canvases, then publish them in the index (written last, atomically).
        std::error_code ec;
        int64_t next = fs::exists(dataFile, ec) ? int64_t(fs::file_size(dataFile, ec) / slotBytes) : 0;
        std::fstream data(dataFile, std::ios::binary | std::ios::in | std::ios::out);
        if (!data) data.open(dataFile, std::ios::binary | std::ios::out | std::ios::trunc);
        data.seekp(std::streamoff(next * int64_t(slotBytes)));
        for (int64_t i : toDecode) {
            if (!out.ok[size_t(i)] || index.count(hashes[size_t(i)]) || hashes[size_t(i)].empty()) continue;
            data.write(reinterpret_cast<const char*>(base + i * int64_t(slotBytes)), std::streamsize(slotBytes));
            index[hashes[size_t(i)]] = Slot{next++, out.boxes[size_t(i)]};
        }
        data.flush();
        if (!data) return makeError("cannot write the image cache " + dataFile.string());
        data.close();
        if (auto st = writeIndex(indexFile, C, index); !st) return st.takeError();
    }
    return out;
}

}  // namespace tessera::learn
