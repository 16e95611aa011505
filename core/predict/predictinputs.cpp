#include "core/predict/predictinputs.h"

#include <algorithm>
#include <fstream>
#include <unordered_set>

#include "core/project/folderwalker.h"
#include "core/project/projectstore.h"

namespace fs = std::filesystem;

namespace tessera::learn {

namespace {

Status addList(const fs::path& list, std::vector<fs::path>& out) {
    std::ifstream in(list);
    if (!in) return makeError(list.string() + ": cannot read the file list");
    std::string line;
    while (std::getline(in, line)) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
        if (line.empty() || line[0] == '#') continue;
        out.emplace_back(line);  // as written: relative paths are relative to the working folder
    }
    return {};
}

Status addProject(const fs::path& root, bool unlabelledOnly, std::vector<fs::path>& out) {
    auto store = project::ProjectStore::open(root, /*create=*/false);
    if (!store) return store.takeError();
    auto images = store->images();
    if (!images) return images.takeError();
    std::unordered_map<int64_t, int64_t> labels;
    std::unordered_set<int64_t> disputed;  // their label is an open question: predicted like unlabelled photos
    if (unlabelledOnly) {
        auto l = store->classByImage();
        if (!l) return l.takeError();
        labels = std::move(*l);
        auto d = store->disputedImages();
        if (!d) return d.takeError();
        disputed = std::move(*d);
    }
    for (const auto& im : *images)
        if (!unlabelledOnly || !labels.count(im.id) || disputed.count(im.id)) out.push_back(root / im.relPath);
    return {};
}

}  // namespace

bool PredictInputs::isProject(const fs::path& folder) { return project::findProject(folder).has_value(); }

Expected<PredictInputList> PredictInputs::collect(const std::vector<std::string>& inputs,
                                                  const PredictInputOptions& options) {
    PredictInputList out;
    for (const auto& input : inputs) {
        std::error_code ec;
        const bool at = !input.empty() && input[0] == '@';
        const fs::path p = at ? fs::path(input.substr(1)) : fs::path(input);
        if (!fs::exists(p, ec)) return makeError(p.string() + ": no such file or folder");
        if (fs::is_directory(p, ec)) {
            if (isProject(p)) {
                if (auto st = addProject(p, options.unlabelledOnly, out.files); !st) return st.takeError();
                continue;
            }
            auto scan = project::ScanOptions::defaults();
            auto walk = project::FolderWalker::walk(p, scan);
            for (const auto& issue : walk.issues)
                out.problems.push_back((p / issue.relPath).string() + ": " + issue.reason);
            for (const auto& f : walk.files)
                if (options.recursive || f.relPath.find('/') == std::string::npos) out.files.push_back(p / f.relPath);
        } else if (at || p.extension() == ".txt" || p.extension() == ".TXT") {
            if (auto st = addList(p, out.files); !st) return st.takeError();
        } else {
            out.files.push_back(p);
        }
    }
    std::sort(out.files.begin(), out.files.end(),
              [](const fs::path& a, const fs::path& b) { return a.string() < b.string(); });
    out.files.erase(std::unique(out.files.begin(), out.files.end(),
                                [](const fs::path& a, const fs::path& b) { return a.string() == b.string(); }),
                    out.files.end());
    return out;
}

std::vector<fs::path> PredictInputs::shard(const std::vector<fs::path>& files, int k, int n) {
    std::vector<fs::path> out;
    if (n < 1 || k < 1 || k > n) return out;
    for (size_t i = size_t(k - 1); i < files.size(); i += size_t(n)) out.push_back(files[i]);
    return out;
}

Expected<std::pair<int, int>> PredictInputs::parseShard(const std::string& text) {
    const auto slash = text.find('/');
    auto bad = [&] { return makeError("--shard " + text + ": expected k/n with 1 <= k <= n, e.g. 2/8"); };
    if (slash == std::string::npos) return bad();
    try {
        size_t used = 0;
        const int k = std::stoi(text.substr(0, slash), &used);
        if (used != slash) return bad();
        const std::string rest = text.substr(slash + 1);
        const int n = std::stoi(rest, &used);
        if (used != rest.size() || n < 1 || k < 1 || k > n) return bad();
        return std::make_pair(k, n);
    } catch (const std::exception&) {
        return bad();
    }
}

}  // namespace tessera::learn
