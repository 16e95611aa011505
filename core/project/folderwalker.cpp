#include "core/project/folderwalker.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>
#include <system_error>
#include <utility>

#include "core/util/text.h"

namespace fs = std::filesystem;

namespace tessera::project {

namespace {

using DevIno = std::pair<uint64_t, uint64_t>;

int64_t mtimeNs(const struct stat& st) {
#if defined(__APPLE__)
    return int64_t(st.st_mtimespec.tv_sec) * 1'000'000'000 + st.st_mtimespec.tv_nsec;
#else
    return int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
#endif
}

std::string lowerExtension(const std::string& name) {
    const size_t dot = name.find_last_of('.');
    if (dot == std::string::npos || dot == 0) return {};
    std::string ext = name.substr(dot);
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return ext;
}

// The real folder tree is walked first and symbolic links to folders afterwards, so a folder reached both ways
// is listed under its real path, and a link that leads back into a folder it sits in is recognised as a loop.
class Walk {
public:
    Walk(const ScanOptions& options, const JobContext& context) : options_(options), context_(context) {
        for (const std::string& ext : options.extensions) extensions_.push_back(lowerExtension("x" + ext));
    }

    void run(const fs::path& root) {
        struct stat st {};
        if (::stat(root.c_str(), &st) != 0) {
            result.issues.push_back({".", std::string("cannot read the project folder: ") + std::strerror(errno)});
            result.unlistedDirs.push_back("");
            return;
        }
        visited_.emplace(DevIno{uint64_t(st.st_dev), uint64_t(st.st_ino)}, "");
        walkDir(root, "");
        for (size_t i = 0; i < linkedDirs_.size() && !result.cancelled; ++i) {
            const auto [rel, path, id] = linkedDirs_[i];  // a copy: walkDir appends to linkedDirs_
            if (enter(id, rel)) walkDir(path, rel);
        }
        std::sort(result.files.begin(), result.files.end(),
                  [](const FoundFile& a, const FoundFile& b) { return a.relPath < b.relPath; });
    }

    WalkResult result;

private:
    struct Dir {
        std::string rel;
        fs::path path;
        DevIno id;
    };

    // Registers a folder about to be listed; false (with an issue) when it was reached before.
    bool enter(const DevIno& id, const std::string& rel) {
        auto [pos, fresh] = visited_.emplace(id, rel);
        if (fresh) return true;
        const std::string& first = pos->second;
        if (first.empty() || rel.compare(0, first.size() + 1, first + "/") == 0)
            result.issues.push_back(
                {rel, "symbolic link loop: leads back to '" + (first.empty() ? std::string(".") : first) +
                          "', which contains it; not followed"});
        else
            result.issues.push_back({rel, "same folder as '" + first + "' (through a symbolic link); scanned once"});
        return false;
    }

    void walkDir(const fs::path& dir, const std::string& rel) {
        if (context_.cancelled()) {
            result.cancelled = true;
            return;
        }
        const std::string shownRel = rel.empty() ? "." : rel;
        std::error_code ec;
        fs::directory_iterator it(dir, ec);
        if (ec) {
            result.issues.push_back({shownRel, "cannot read folder: " + ec.message()});
            result.unlistedDirs.push_back(rel);
            return;
        }
        std::vector<Dir> subdirs;
        for (; it != fs::directory_iterator(); it.increment(ec)) {
            if (ec) break;
            const fs::directory_entry& entry = *it;
            const std::string name = entry.path().filename().string();
            const std::string childRel = rel.empty() ? name : rel + "/" + name;
            std::error_code typeEc;
            const bool isLink = entry.is_symlink(typeEc);
            const bool isDir = !isLink && entry.is_directory(typeEc);

            if (name.empty() || name[0] == '.') {  // .tessera, .git, .DS_Store, ._* resource forks
                if (!isDir && !isLink) ++result.ignored;
                continue;
            }
            if (isLink && !options_.followSymlinks) {
                result.issues.push_back({childRel, "symbolic link not followed (following links is off)"});
                continue;
            }
            // Not an image by name: count it without a stat (only plain files; folders must be looked into).
            if (!isLink && !isDir && !isImageName(name)) {
                ++result.ignored;
                continue;
            }
            // Names are stored, shown and exported as UTF-8; a name in another encoding (an old Windows or DOS
            // archive) would break them later, so it is reported here, at once, for the user to rename.
            if (!isValidUtf8(name)) {
                result.issues.push_back({printable(childRel), "the name is not UTF-8 text (an old encoding?); "
                                                              "rename it to include it"});
                continue;
            }
            struct stat st {};
            if (::stat(entry.path().c_str(), &st) != 0) {
                const int err = errno;
                result.issues.push_back({childRel, std::string(isLink ? "broken symbolic link: " : "cannot stat: ") +
                                                       std::strerror(err)});
                continue;
            }
            if (S_ISDIR(st.st_mode)) {
                const DevIno id{uint64_t(st.st_dev), uint64_t(st.st_ino)};
                if (isLink) linkedDirs_.push_back({childRel, entry.path(), id});
                else if (enter(id, childRel)) subdirs.push_back({childRel, entry.path(), id});
            } else if (S_ISREG(st.st_mode) && isImageName(name)) {
                result.files.push_back({childRel, entry.path(), int64_t(st.st_size), mtimeNs(st)});
                if (result.files.size() % 2048 == 0) {
                    context_.report({"scan", int64_t(result.files.size()), 0, "listing files"});
                    if (context_.cancelled()) {
                        result.cancelled = true;
                        return;
                    }
                }
            } else {
                ++result.ignored;  // a link to a non-image, a FIFO, a socket, a device
            }
        }
        if (ec) {
            result.issues.push_back({shownRel, "cannot list folder completely: " + ec.message()});
            result.unlistedDirs.push_back(rel);
        }
        for (const Dir& sub : subdirs) {
            walkDir(sub.path, sub.rel);
            if (result.cancelled) return;
        }
    }

    bool isImageName(const std::string& name) const {
        const std::string ext = lowerExtension(name);
        if (ext.empty()) return false;
        return std::find(extensions_.begin(), extensions_.end(), ext) != extensions_.end();
    }

    const ScanOptions& options_;
    const JobContext& context_;
    std::vector<std::string> extensions_;    // lower-case, with the dot
    std::map<DevIno, std::string> visited_;  // every folder entered, with the path it was first reached by
    std::vector<Dir> linkedDirs_;            // folders behind symbolic links, walked after the real tree
};

}  // namespace

WalkResult FolderWalker::walk(const fs::path& root, const ScanOptions& options, const JobContext& context) {
    Walk walk(options, context);
    walk.run(root);
    return std::move(walk.result);
}

}  // namespace tessera::project
