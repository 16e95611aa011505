#include "core/project/projectlocation.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "core/util/sha256.h"

namespace tessera::project {
namespace fs = std::filesystem;

namespace {
bool hasDatabase(const fs::path& dataDir) {
    std::error_code ec;
    return fs::is_regular_file(dataDir / "project.db", ec);
}
}  // namespace

fs::path userProjectsDir() {
    if (const char* d = std::getenv("TESSERA_PROJECTS_DIR"); d && *d) return fs::path(d);
    if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return fs::path(x) / "tessera" / "projects";
    if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".local" / "share" / "tessera" / "projects";
    std::error_code ec;
    return fs::temp_directory_path(ec) / "tessera" / "projects";
}

fs::path normalisedRoot(const fs::path& photoRoot) {
    std::error_code ec;
    fs::path root = fs::absolute(photoRoot, ec);
    if (ec) root = photoRoot;
    root = root.lexically_normal();
    if (!root.empty() && root.filename().empty()) root = root.parent_path();  // drop a trailing '/'
    return root;
}

fs::path userProjectDirFor(const fs::path& photoRoot) {
    const fs::path root = normalisedRoot(photoRoot);
    std::string name = root.filename().string();
    if (name.empty()) name = "root";
    return userProjectsDir() / (name + "-" + util::sha256Hex(root.generic_string()).substr(0, 12));
}

bool folderIsWritable(const fs::path& folder) {
    struct stat st {};
    if (::stat(folder.c_str(), &st) != 0) return false;
    // Root may write anywhere, but a folder without any write permission was made read-only on purpose: respect it.
    if ((st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0) return false;
    return ::access(folder.c_str(), W_OK | X_OK) == 0;  // permissions for this user, read-only mounts (EROFS)
}

std::optional<ProjectLocation> findProject(const fs::path& photoRoot) {
    const fs::path root = normalisedRoot(photoRoot);
    const fs::path user = userProjectDirFor(root);
    if (hasDatabase(root / ".tessera")) {
        if (!folderIsWritable(root / ".tessera") && hasDatabase(user)) return ProjectLocation{root, user, false};
        return ProjectLocation{root, root / ".tessera", true};
    }
    if (hasDatabase(user)) return ProjectLocation{root, user, false};
    return std::nullopt;
}

Expected<ProjectLocation> locateProject(const fs::path& photoRoot, ProjectPlace place, const fs::path& explicitDataDir) {
    const fs::path root = normalisedRoot(photoRoot);
    std::error_code ec;
    const fs::file_status status = fs::status(root, ec);
    if (ec && ec != std::errc::no_such_file_or_directory)
        return makeError("cannot open photo folder '" + root.string() + "': " + ec.message());
    if (!fs::exists(status)) return makeError("photo folder '" + root.string() + "' does not exist");
    if (!fs::is_directory(status)) return makeError("'" + root.string() + "' is not a folder");

    const ProjectLocation inFolder{root, root / ".tessera", true};
    const ProjectLocation perUser{root, explicitDataDir.empty() ? userProjectDirFor(root) : normalisedRoot(explicitDataDir),
                                  false};
    switch (place) {
        case ProjectPlace::PhotoFolder:
            if (!fs::exists(inFolder.dataDir, ec) && !folderIsWritable(root))
                return makeError("cannot keep the project in '" + root.string() +
                                 "': the folder is read-only; keep it in a per-user folder instead");
            return inFolder;
        case ProjectPlace::UserFolder: return perUser;
        case ProjectPlace::Auto: break;
    }
    if (!explicitDataDir.empty()) return perUser;
    if (auto existing = findProject(root)) return *existing;
    // A .tessera folder without a database (a crash before it was made) is used when it can be written.
    if (folderIsWritable(root) || (fs::is_directory(inFolder.dataDir, ec) && folderIsWritable(inFolder.dataDir)))
        return inFolder;
    return perUser;
}

Expected<ProjectLocation> userCopyOfProject(const ProjectLocation& readOnly) {
    const fs::path target = userProjectDirFor(readOnly.photoRoot);
    if (hasDatabase(target)) return ProjectLocation{readOnly.photoRoot, target, false};
    std::error_code ec;
    const fs::path partial = target.string() + ".partial";
    fs::remove_all(partial, ec);  // a copy cut off earlier
    fs::create_directories(partial, ec);
    const auto fail = [&](const std::string& what, const std::error_code& why) -> Expected<ProjectLocation> {
        std::error_code ignored;
        fs::remove_all(partial, ignored);
        return makeError("cannot copy the read-only project '" + readOnly.dataDir.string() + "' to '" +
                         target.string() + "': " + what + ": " + why.message());
    };
    if (ec) return fail("cannot create " + partial.string(), ec);
    for (auto it = fs::recursive_directory_iterator(readOnly.dataDir, ec); !ec && it != fs::end(it); it.increment(ec)) {
        const fs::path rel = it->path().lexically_relative(readOnly.dataDir);
        const fs::path top = rel.begin() != rel.end() ? *rel.begin() : fs::path();
        const bool cache = top == "cache" || top == "embeddings" || top == "thumbs";
        if (cache || it->path().filename() == "project.db-shm") {  // remade when needed
            if (it->is_directory(ec)) it.disable_recursion_pending();
            continue;
        }
        const fs::path to = partial / rel;
        if (it->is_directory(ec)) fs::create_directories(to, ec);
        else if (it->is_regular_file(ec)) fs::copy_file(it->path(), to, ec);
        else continue;  // links and other special files are not project data
        if (ec) return fail("cannot copy " + it->path().string(), ec);
    }
    if (ec) return fail("cannot read " + readOnly.dataDir.string(), ec);
    // A copy keeps the read-only modes of its source; the working copy must be writable.
    for (auto it = fs::recursive_directory_iterator(partial, ec); !ec && it != fs::end(it); it.increment(ec)) {
        const bool folder = it->is_directory(ec);
        fs::permissions(it->path(), fs::perms::owner_read | fs::perms::owner_write |
                                        (folder ? fs::perms::owner_exec : fs::perms::none),
                        fs::perm_options::add, ec);
    }
    if (!ec) fs::permissions(partial, fs::perms::owner_all, fs::perm_options::add, ec);
    if (ec) return fail("cannot make the copy writable", ec);
    fs::rename(partial, target, ec);
    if (ec) return fail("cannot move " + partial.string() + " into place", ec);
    return ProjectLocation{readOnly.photoRoot, target, false};
}

Expected<ProjectLocation> repointUserProject(const fs::path& oldRoot, const fs::path& newRoot) {
    const fs::path from = normalisedRoot(oldRoot), to = normalisedRoot(newRoot);
    if (findProject(to)) return makeError("'" + to.string() + "' has a project already; nothing was moved");
    const fs::path oldDir = userProjectDirFor(from), newDir = userProjectDirFor(to);
    if (!hasDatabase(oldDir))
        return makeError("no per-user project of '" + from.string() + "' in " + userProjectsDir().string() +
                         " (a project kept in the photo folder moves with it)");
    std::error_code ec;
    fs::rename(oldDir, newDir, ec);
    if (ec) return makeError("cannot move '" + oldDir.string() + "' to '" + newDir.string() + "': " + ec.message());
    return ProjectLocation{to, newDir, false};
}

}  // namespace tessera::project
