#include "core/stats/projectstatistics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <tuple>
#include <unordered_set>

#include "core/stats/nearduplicatefinder.h"

namespace tessera::stats {
namespace {

using project::ImageRecord;

Summary summarize(std::vector<double> values) {
    Summary s;
    if (values.empty()) return s;
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    s.min = values.front();
    s.max = values.back();
    s.median = n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
    return s;
}

Histogram histogram(const std::vector<double>& values, int bins) {
    Histogram h;
    if (values.empty()) return h;
    bins = std::max(1, bins);
    const auto [mn, mx] = std::minmax_element(values.begin(), values.end());
    h.lo = *mn;
    h.hi = *mx;
    if (h.hi <= h.lo) {
        h.counts.assign(1, int64_t(values.size()));
        return h;
    }
    h.counts.assign(size_t(bins), 0);
    const double width = (h.hi - h.lo) / bins;
    for (double v : values) {
        auto bin = int64_t(std::floor((v - h.lo) / width));
        bin = std::clamp<int64_t>(bin, 0, bins - 1);
        ++h.counts[size_t(bin)];
    }
    return h;
}

std::string format(const char* fmt, double a, double b = 0.0, double c = 0.0) {
    char buf[160];
    std::snprintf(buf, sizeof buf, fmt, a, b, c);
    return buf;
}

bool present(const ImageRecord& r) { return (r.flags & project::FlagMissing) == 0; }
bool readable(const ImageRecord& r) {
    return present(r) && (r.flags & project::FlagUnreadable) == 0 && r.width > 0 && r.height > 0;
}

// Records sorted by relPath, so every list and group comes out in a stable order whatever the input order.
std::vector<const ImageRecord*> sortedPresent(const std::vector<ImageRecord>& images) {
    std::vector<const ImageRecord*> out;
    out.reserve(images.size());
    for (const auto& r : images)
        if (present(r)) out.push_back(&r);
    std::sort(out.begin(), out.end(), [](const ImageRecord* a, const ImageRecord* b) {
        return a->relPath < b->relPath;
    });
    return out;
}

void computeSizes(const std::vector<const ImageRecord*>& ok, ProjectStatistics& s) {
    std::vector<double> w, h, mp, aspect;
    std::map<std::pair<int, int>, int64_t> resolutions;
    for (const ImageRecord* r : ok) {
        w.push_back(r->width);
        h.push_back(r->height);
        mp.push_back(double(r->width) * double(r->height) / 1e6);
        aspect.push_back(double(r->width) / double(r->height));
        ++resolutions[{r->width, r->height}];
    }
    s.width = summarize(w);
    s.height = summarize(h);
    s.megapixels = summarize(mp);
    s.aspect = summarize(aspect);
    s.megapixelHistogram = histogram(mp, s.options.histogramBins);
    s.aspectHistogram = histogram(aspect, s.options.histogramBins);
    for (const auto& [wh, count] : resolutions) s.resolutions.push_back({wh.first, wh.second, count});
    std::sort(s.resolutions.begin(), s.resolutions.end(), [](const ResolutionCount& a, const ResolutionCount& b) {
        const int64_t pa = int64_t(a.width) * a.height, pb = int64_t(b.width) * b.height;
        return std::make_tuple(-a.count, -pa, -a.width) < std::make_tuple(-b.count, -pb, -b.width);
    });
}

void computeClasses(const std::vector<const ImageRecord*>& all, const std::vector<project::ClassInfo>& classes,
                    const std::unordered_map<int64_t, int64_t>& classByImage, ProjectStatistics& s) {
    std::unordered_map<int64_t, size_t> slot;
    for (const auto& c : classes) {
        slot[c.id] = s.classes.size();
        s.classes.push_back({c.id, c.name, 0});
    }
    for (const ImageRecord* r : all) {
        auto label = classByImage.find(r->id);
        auto it = label == classByImage.end() ? slot.end() : slot.find(label->second);
        if (it == slot.end()) {
            ++s.unlabelled;
        } else {
            ++s.labelled;
            ++s.classes[it->second].count;
        }
    }
    int64_t mn = 0, mx = 0;
    for (const auto& c : s.classes) {
        if (c.count == 0) continue;
        mn = mn == 0 ? c.count : std::min(mn, c.count);
        mx = std::max(mx, c.count);
    }
    s.imbalanceRatio = mn > 0 ? double(mx) / double(mn) : 0.0;
}

void computeDuplicates(const std::vector<const ImageRecord*>& all, ProjectStatistics& s) {
    // Exact: same content hash. Unreadable files with a hash count too: a copied broken file is still a copy.
    std::map<std::string, std::vector<const ImageRecord*>> byHash;
    for (const ImageRecord* r : all)
        if (!r->contentHash.empty()) byHash[r->contentHash].push_back(r);
    for (const auto& [hash, members] : byHash) {
        if (members.size() < 2) continue;
        DuplicateGroup g;
        g.contentHash = hash;
        for (const ImageRecord* r : members) {
            g.ids.push_back(r->id);
            g.relPaths.push_back(r->relPath);
        }
        s.exactDuplicates.push_back(std::move(g));
    }
    std::sort(s.exactDuplicates.begin(), s.exactDuplicates.end(),
              [](const DuplicateGroup& a, const DuplicateGroup& b) { return a.relPaths[0] < b.relPaths[0]; });

    // Near: one representative per distinct content among readable images, so that a pair of exact copies alone
    // is never also reported as a near-duplicate group; copies join the group of their representative.
    std::vector<uint64_t> hashes;
    std::vector<std::vector<const ImageRecord*>> contents;
    std::unordered_map<std::string, size_t> contentSlot;
    for (const ImageRecord* r : all) {
        if (!readable(*r)) continue;
        if (!r->contentHash.empty()) {
            auto [it, inserted] = contentSlot.emplace(r->contentHash, contents.size());
            if (!inserted) {
                contents[it->second].push_back(r);
                continue;
            }
        }
        contents.push_back({r});
        hashes.push_back(r->perceptualHash);
    }
    for (const auto& cluster : NearDuplicateFinder::find(hashes, s.options.nearDuplicateMaxDistance)) {
        std::vector<const ImageRecord*> members;
        for (size_t c : cluster.members) members.insert(members.end(), contents[c].begin(), contents[c].end());
        std::sort(members.begin(), members.end(),
                  [](const ImageRecord* a, const ImageRecord* b) { return a->relPath < b->relPath; });
        DuplicateGroup g;
        g.maxDistance = cluster.maxDistance;
        for (const ImageRecord* r : members) {
            g.ids.push_back(r->id);
            g.relPaths.push_back(r->relPath);
        }
        s.nearDuplicates.push_back(std::move(g));
    }
    std::sort(s.nearDuplicates.begin(), s.nearDuplicates.end(),
              [](const DuplicateGroup& a, const DuplicateGroup& b) { return a.relPaths[0] < b.relPaths[0]; });
}

}  // namespace

double Histogram::binLow(size_t i) const {
    return counts.empty() ? lo : lo + (hi - lo) * double(i) / double(counts.size());
}
double Histogram::binHigh(size_t i) const {
    return counts.empty() ? hi : lo + (hi - lo) * double(i + 1) / double(counts.size());
}

ProjectStatistics computeStatistics(const std::vector<ImageRecord>& images,
                                    const std::vector<project::ClassInfo>& classes,
                                    const std::unordered_map<int64_t, int64_t>& classByImage,
                                    const StatsOptions& options) {
    ProjectStatistics s;
    s.options = options;
    const auto all = sortedPresent(images);
    s.missing = int64_t(images.size() - all.size());
    s.images = int64_t(all.size());

    std::vector<const ImageRecord*> ok;
    for (const ImageRecord* r : all) {
        if (readable(*r)) {
            ok.push_back(r);
            continue;
        }
        const std::string why = r->error.empty() ? std::string("unreadable") : r->error;
        s.unreadableImages.push_back({r->id, r->relPath, why});
    }
    s.readable = int64_t(ok.size());
    s.unreadable = s.images - s.readable;

    computeSizes(ok, s);
    computeClasses(all, classes, classByImage, s);

    for (const ImageRecord* r : ok) {
        const int shortSide = std::min(r->width, r->height);
        if (shortSide < options.minShortSide)
            s.tooSmall.push_back({r->id, r->relPath,
                                  format("%.0fx%.0f: shorter side %.0f", r->width, r->height, shortSide) +
                                      " < " + std::to_string(options.minShortSide)});
        // blur == 0 with no pHash means the perceptual analysis did not run: no measure, no flag.
        const bool measured = r->blur > 0.0 || r->perceptualHash != 0;
        if (measured && r->blur < options.blurThreshold)
            s.blurry.push_back({r->id, r->relPath, format("blur %.1f < %.1f", r->blur, options.blurThreshold)});
    }
    computeDuplicates(all, s);
    return s;
}

Expected<ProjectStatistics> computeStatistics(const project::ProjectStore& store, const StatsOptions& options) {
    auto snapshot = store.labelSnapshot();
    if (!snapshot) return snapshot.takeError();
    return computeStatistics(snapshot->images, snapshot->classes, snapshot->classByImage(), options);
}

std::vector<std::pair<int64_t, uint32_t>> imageFlags(const std::vector<ImageRecord>& images,
                                                     const ProjectStatistics& statistics) {
    using namespace project;
    std::unordered_map<int64_t, uint32_t> derived;
    for (const auto& f : statistics.tooSmall) derived[f.id] |= FlagTooSmall;
    for (const auto& f : statistics.blurry) derived[f.id] |= FlagBlurry;
    for (const auto& g : statistics.exactDuplicates)
        for (int64_t id : g.ids) derived[id] |= FlagDuplicate;
    for (const auto& g : statistics.nearDuplicates)
        for (int64_t id : g.ids) derived[id] |= FlagNearDuplicate;

    std::vector<std::pair<int64_t, uint32_t>> out;
    out.reserve(images.size());
    for (const auto& r : images) {
        uint32_t flags = r.flags & (FlagUnreadable | FlagMissing);
        auto it = derived.find(r.id);
        if (it != derived.end()) flags |= it->second;
        out.emplace_back(r.id, flags);
    }
    return out;
}

}  // namespace tessera::stats
