#pragma once
// Exports the labelled photos as a torchvision ImageFolder tree, OUT/<class>/<file> (with a split:
// OUT/train|val|test/<class>/<file>), as copies or symbolic links. Class names become safe folder names on every
// OS; name collisions get "-2", "-3" in project order (deterministic); an existing file is never overwritten.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/project/projectstore.h"
#include "core/util/jobcontext.h"

namespace tessera::project {

struct ImageFolderExportOptions {
    bool link = false;   // symbolic links to the originals instead of copies
    bool split = false;  // train/val/test sub-trees from the stored split
    int fold = 0;
    bool includeDisputed = false;  // export labels marked as disputed too (by default they are left out, listed)
    static ImageFolderExportOptions defaults() { return ImageFolderExportOptions{}; }
};

struct ImageFolderExportReport {
    int64_t written = 0;
    std::vector<std::string> skipped;              // "relPath: reason" (unreadable, missing, exists, no split)
    std::vector<std::string> disputed;             // relPaths left out because their label is disputed
    std::map<std::string, std::string> classFolder;  // class name -> folder name used
};

class ImageFolderExport {
public:
    // Folder name for a class: characters illegal on Windows/macOS/Linux and control characters become '_',
    // trailing dots and spaces go, reserved Windows device names get a '_' suffix, "." / ".." / "" become "class".
    static std::string safeFolderName(const std::string& className);

    static Expected<ImageFolderExportReport> run(const ProjectStore& store, const std::filesystem::path& out,
                                                 const ImageFolderExportOptions& options, const JobContext& ctx);
};

}  // namespace tessera::project
