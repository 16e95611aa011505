#include "core/project/imagefolderexport.h"

#include <cctype>
#include <set>
#include <unordered_map>

namespace fs = std::filesystem;

namespace tessera::project {

namespace {

std::string lowerAscii(std::string s) {
    for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// "name.jpg" -> "name-2.jpg" (the suffix goes before the extension).
std::string withSuffix(const std::string& name, int n) {
    const size_t dot = name.find_last_of('.');
    const std::string suffix = "-" + std::to_string(n);
    if (dot == std::string::npos || dot == 0) return name + suffix;
    return name.substr(0, dot) + suffix + name.substr(dot);
}

// First of name, name-2, name-3 ... not yet taken (compared case-insensitively: Windows and macOS folders are).
std::string unique(const std::string& name, std::set<std::string>& taken) {
    std::string candidate = name;
    for (int n = 2; taken.count(lowerAscii(candidate)); ++n) candidate = withSuffix(name, n);
    taken.insert(lowerAscii(candidate));
    return candidate;
}

const char* splitFolder(SplitKind k) {
    switch (k) {
        case SplitKind::Train: return "train";
        case SplitKind::Validation: return "val";
        case SplitKind::Test: return "test";
    }
    return "train";
}

}  // namespace

std::string ImageFolderExport::safeFolderName(const std::string& className) {
    std::string s;
    for (char c : className) {
        const auto u = static_cast<unsigned char>(c);
        const bool bad = u < 0x20 || u == 0x7f || std::string("/\\:*?\"<>|").find(c) != std::string::npos;
        s += bad ? '_' : c;
    }
    while (!s.empty() && (s.back() == '.' || s.back() == ' ')) s.pop_back();
    while (!s.empty() && s.front() == ' ') s.erase(0, 1);
    if (s.empty()) return "class";
    static const std::set<std::string> reserved = {"con",  "prn",  "aux",  "nul",  "com1", "com2", "com3", "com4",
                                                   "com5", "com6", "com7", "com8", "com9", "lpt1", "lpt2", "lpt3",
                                                   "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9"};
    const std::string stem = lowerAscii(s.substr(0, s.find('.')));
    if (reserved.count(stem)) s += "_";
    return s;
}

Expected<ImageFolderExportReport> ImageFolderExport::run(const ProjectStore& store, const fs::path& out,
                                                         const ImageFolderExportOptions& options,
                                                         const JobContext& ctx) {
    auto snapshot = store.labelSnapshot();
    if (!snapshot) return snapshot.takeError();
    const auto& images = snapshot->images;
    const auto& classes = snapshot->classes;
    const auto labels = snapshot->classByImage();
    const auto disputes = snapshot->disputedImages();
    std::unordered_map<int64_t, SplitKind> splits;
    if (options.split) {
        auto s = store.splits(options.fold);
        if (!s) return s.takeError();
        if (s->empty())
            return makeError(store.root().string() + " has no stored train/validation split (fold " +
                             std::to_string(options.fold) + "); train a model first or export without --split");
        splits = std::move(*s);
    }

    ImageFolderExportReport report;
    std::unordered_map<int64_t, std::string> folderOf;
    std::set<std::string> takenFolders;
    for (const auto& c : classes) {  // project order: the first class keeps the plain name
        folderOf[c.id] = unique(safeFolderName(c.name), takenFolders);
        report.classFolder[c.name] = folderOf[c.id];
    }

    std::error_code ec;
    fs::create_directories(out, ec);
    if (ec) return makeError("cannot create '" + out.string() + "': " + ec.message());
    std::unordered_map<std::string, std::set<std::string>> takenFiles;  // target folder -> names used
    const int64_t total = int64_t(labels.size());
    int64_t done = 0;
    for (const auto& im : images) {  // ordered by relPath: collisions resolve the same way every time
        auto label = labels.find(im.id);
        if (label == labels.end()) continue;
        if (ctx.cancelled()) return makeError("cancelled while exporting to " + out.string());
        ctx.report({.stage = "export", .done = ++done, .total = total, .message = im.relPath});
        if (!options.includeDisputed && disputes.count(im.id)) {  // an open attribution is not a class folder's truth
            report.disputed.push_back(im.relPath);
            continue;
        }
        if (im.flags & FlagMissing) {
            report.skipped.push_back(im.relPath + ": missing on disk");
            continue;
        }
        if (im.flags & FlagUnreadable) {
            report.skipped.push_back(im.relPath + ": unreadable (" + im.error + ")");
            continue;
        }
        fs::path dir = out;
        if (options.split) {
            auto s = splits.find(im.id);
            if (s == splits.end()) {
                report.skipped.push_back(im.relPath + ": in no split of fold " + std::to_string(options.fold));
                continue;
            }
            dir /= splitFolder(s->second);
        }
        dir /= fs::path(folderOf.at(label->second));
        const size_t slash = im.relPath.find_last_of('/');
        const std::string base = slash == std::string::npos ? im.relPath : im.relPath.substr(slash + 1);
        const std::string name = unique(base, takenFiles[dir.generic_string()]);
        const fs::path target = dir / fs::path(name);
        const fs::path source = store.root() / fs::path(im.relPath);
        fs::create_directories(dir, ec);
        if (ec) return makeError("cannot create '" + dir.string() + "': " + ec.message());
        if (fs::exists(fs::symlink_status(target, ec))) {
            report.skipped.push_back(im.relPath + ": '" + target.string() + "' already exists (not overwritten)");
            continue;
        }
        if (options.link) fs::create_symlink(fs::absolute(source), target, ec);
        else fs::copy_file(source, target, fs::copy_options::none, ec);
        if (ec) {
            report.skipped.push_back(im.relPath + ": cannot " + (options.link ? "link" : "copy") + " to '" +
                                     target.string() + "': " + ec.message());
            continue;
        }
        ++report.written;
    }
    return report;
}

}  // namespace tessera::project
