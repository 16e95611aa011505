#pragma once
// Where a photo folder's project data (database, caches, runs, models) lives. Normally in <photos>/.tessera, so the
// project travels with the photos. A folder Tessera may not write to (a museum's read-only share, a DVD, another
// user's archive) keeps its project in a per-user location instead, and the photos are referenced by path: nothing
// is ever written into the photo folder then.
#include <filesystem>
#include <optional>

#include "core/util/expected.h"

namespace tessera::project {

enum class ProjectPlace {
    Auto,         // an existing project wherever it is; a new one in the photo folder when it can be written, else
                  // in the per-user location
    PhotoFolder,  // <photos>/.tessera
    UserFolder,   // userProjectDirFor(photos), or an explicit folder
};

struct ProjectLocation {
    std::filesystem::path photoRoot;  // absolute, normalised, no trailing '/'
    std::filesystem::path dataDir;    // holds project.db
    bool inPhotoFolder = true;        // dataDir is <photoRoot>/.tessera
};

// $TESSERA_PROJECTS_DIR, else $XDG_DATA_HOME/tessera/projects, else ~/.local/share/tessera/projects.
std::filesystem::path userProjectsDir();
// The per-user project folder of a photo folder: <userProjectsDir>/<folder name>-<first 12 hex of the SHA-256 of
// its absolute path>, so two folders of the same name never share a project.
std::filesystem::path userProjectDirFor(const std::filesystem::path& photoRoot);
// Absolute, normalised, without a trailing '/'.
std::filesystem::path normalisedRoot(const std::filesystem::path& photoRoot);
// Whether this process may create files in `folder` (permissions and read-only mounts alike).
bool folderIsWritable(const std::filesystem::path& folder);

// The project of `photoRoot` that exists already: <photos>/.tessera first, then the per-user folder. A
// <photos>/.tessera that cannot be written (a project on a DVD or a read-only share) gives way to its per-user
// working copy once one exists (userCopyOfProject). Nothing when the folder has no project yet.
std::optional<ProjectLocation> findProject(const std::filesystem::path& photoRoot);

// Where `photoRoot`'s project is, or would be made, for `place`. `explicitDataDir` (non-empty) overrides the per-user
// folder. Errors name the folder: a photo folder that does not exist, or PhotoFolder asked of a read-only one.
Expected<ProjectLocation> locateProject(const std::filesystem::path& photoRoot, ProjectPlace place = ProjectPlace::Auto,
                                        const std::filesystem::path& explicitDataDir = {});

// A working copy of a project that cannot be written where it is (`readOnly`, in its photo folder), in the photo
// folder's per-user location: the database (with its -wal), runs, models and backups; the caches (decoded images,
// embeddings, thumbnails) are left behind and remade when needed. Made once, in a temporary folder renamed into
// place, so a failed copy leaves nothing that findProject would take for a project. Nothing is written into the
// photo folder.
Expected<ProjectLocation> userCopyOfProject(const ProjectLocation& readOnly);

// The photos of a per-user project moved from `oldRoot` to `newRoot`: its folder moves to newRoot's per-user folder
// (labels, runs and models kept; ProjectStore::open records the new root and a scan matches moved files by content).
Expected<ProjectLocation> repointUserProject(const std::filesystem::path& oldRoot,
                                             const std::filesystem::path& newRoot);

}  // namespace tessera::project
