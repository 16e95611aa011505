#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <mutex>
#include <unordered_map>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "core/imaging/imagedecoder.h"
#include "core/train/imagecache_torch.h"
#include "core/util/atomicfile.h"
#include "core/util/sha256.h"
#include "core/util/threadpool.h"

namespace tessera::learn {
namespace fs = std::filesystem;

namespace {

struct Slot {
    int64_t index = 0;
    ContentBox box{};
};

// index.json: {"canvas": C, "data": FILE, "slots": {hash: [slot, x0, y0, x1, y1]}}; FILE (pixels.bin, or
// pixels-<n>.bin after a compaction): slot-major CHW uint8 planes. The index names its data file so a compaction can
// write a new file and switch to it with one atomic rename of the index.
struct Index {
    std::unordered_map<std::string, Slot> slots;
    std::string data = "pixels.bin";
};

Index readIndex(const fs::path& file, int canvas) {
    Index out;
    std::ifstream in(file);
    if (!in) return out;
    try {
        auto j = nlohmann::json::parse(in);
        if (j.value("canvas", 0) != canvas) return out;
        const std::string data = j.value("data", std::string("pixels.bin"));
        if (data.find('/') != std::string::npos || data.find('\\') != std::string::npos) return out;
        for (auto& [hash, v] : j.at("slots").items())
            out.slots[hash] = Slot{v.at(0).get<int64_t>(), {v.at(1).get<float>(), v.at(2).get<float>(),
                                                             v.at(3).get<float>(), v.at(4).get<float>()}};
        out.data = data;
    } catch (const std::exception&) {
        out = Index{};  // a damaged index only costs a re-decode
    }
    return out;
}

Status writeIndex(const fs::path& file, int canvas, const Index& index) {
    nlohmann::json j;
    j["canvas"] = canvas;
    j["data"] = index.data;
    auto& s = j["slots"] = nlohmann::json::object();
    for (const auto& [hash, slot] : index.slots)
        s[hash] = {slot.index, slot.box[0], slot.box[1], slot.box[2], slot.box[3]};
    return util::writeFileAtomically(file, j.dump());  // a killed run leaves the old index, never a torn one
}

}  // namespace

ImageCache::ImageCache(fs::path cacheRoot, ImageCacheOptions options)
    : root_(std::move(cacheRoot)), options_(options) {}

fs::path ImageCache::directory() const {
    return root_ / (std::to_string(options_.canvas) + (options_.framing == Framing::Find ? "-find" : ""));
}

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

    const fs::path dir = directory(), indexFile = dir / "index.json";
    Index idx;
    auto& index = idx.slots;
    if (options_.persist) {
        std::error_code ec;
        fs::create_directories(dir, ec);
        if (ec) return makeError("cannot create the image cache " + dir.string() + ": " + ec.message());
        idx = readIndex(indexFile, C);
    }
    const fs::path dataFile = dir / idx.data;
    if (options_.persist) {
        std::error_code ec;
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
            // DCT-reduced decode: never more pixels than the canvas needs. A find may fill a quarter of the photo's
            // long side: decode enough that its box still fills the canvas at full detail.
            dopt.minLongSide = options_.framing == Framing::Find ? kFindDecodeFactor * C : C;
            auto img = imaging::ImageDecoder::decode(req.path, dopt);
            if (!img) {
                std::lock_guard<std::mutex> lock(failMutex);
                failures.emplace_back(i, img.error());
            } else {
                try {
                    ContentBox box;
                    cv::Mat canvas = Canvas::fit(framed(*img, options_.framing), C, &box);
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
        // Canvases appended past the index are never read: a failed write here only costs the next decode.
        if (!data) out.notSaved = "cannot save the image cache " + dataFile.string() + ": " + std::strerror(errno);
        data.close();
        if (out.notSaved.empty())
            if (auto st = writeIndex(indexFile, C, idx); !st) out.notSaved = st.error();
    }
    return out;
}

}  // namespace tessera::learn

namespace tessera::learn {

Expected<CacheCompaction> ImageCache::compact(const std::unordered_set<std::string>& keep, const JobContext& ctx,
                                              double minDeadShare) {
    const int C = options_.canvas;
    const size_t slotBytes = size_t(3) * C * C;
    const fs::path dir = directory(), indexFile = dir / "index.json";
    CacheCompaction r;
    std::error_code ec;
    if (!fs::exists(indexFile, ec)) return r;
    Index old = readIndex(indexFile, C);
    const fs::path oldData = dir / old.data;
    const uint64_t oldBytes = fs::exists(oldData, ec) ? fs::file_size(oldData, ec) : 0;
    std::vector<std::pair<int64_t, std::string>> live;  // (old slot, hash), in file order: sequential reads
    for (const auto& [hash, slot] : old.slots)
        if (keep.count(hash) && uint64_t(slot.index + 1) * slotBytes <= oldBytes) live.emplace_back(slot.index, hash);
    r.dropped = int64_t(old.slots.size() - live.size());
    r.kept = int64_t(live.size());
    if (r.dropped == 0 && oldBytes == live.size() * slotBytes) return r;
    if (r.dropped < int64_t(std::ceil(minDeadShare * double(old.slots.size())))) {
        r.kept = int64_t(old.slots.size()), r.dropped = 0;  // not worth rewriting the file yet
        return r;
    }
    std::sort(live.begin(), live.end());

    // New data file under a new name, then the index switches to it atomically, then the old file goes.
    Index fresh;
    int generation = 1;
    do fresh.data = "pixels-" + std::to_string(generation++) + ".bin";
    while (fresh.data == old.data || fs::exists(dir / fresh.data, ec));
    const fs::path newData = dir / fresh.data;
    {
        std::ifstream in(oldData, std::ios::binary);
        std::ofstream out(newData, std::ios::binary | std::ios::trunc);
        if (!out) return makeError("cannot write the image cache " + newData.string());
        std::vector<char> buf(slotBytes);
        int64_t next = 0;
        for (const auto& [slot, hash] : live) {
            if (ctx.cancelled()) {
                out.close();
                fs::remove(newData, ec);
                return makeError("cancelled while compacting the image cache");
            }
            in.seekg(std::streamoff(slot * int64_t(slotBytes)));
            in.read(buf.data(), std::streamsize(slotBytes));
            if (!in) return makeError("cannot read the image cache " + oldData.string());
            out.write(buf.data(), std::streamsize(slotBytes));
            fresh.slots[hash] = Slot{next++, old.slots.at(hash).box};
        }
        out.flush();
        if (!out) {
            const std::string why = std::strerror(errno);
            out.close();
            fs::remove(newData, ec);  // the old file and index are untouched
            return makeError("cannot write the image cache " + newData.string() + ": " + why);
        }
    }
    if (auto st = writeIndex(indexFile, C, fresh); !st) return st.takeError();
    fs::remove(oldData, ec);
    r.bytesFreed = oldBytes > live.size() * slotBytes ? oldBytes - live.size() * slotBytes : 0;
    return r;
}

}  // namespace tessera::learn
