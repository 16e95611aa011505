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
    if (hasDatabase(root / ".tessera")) return ProjectLocation{root, root / ".tessera", true};
    if (const fs::path user = userProjectDirFor(root); hasDatabase(user)) return ProjectLocation{root, user, false};
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
