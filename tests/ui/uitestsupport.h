#pragma once
// Shared pieces of the UI tests: one QApplication for the process (offscreen platform, test-mode settings), and
// small generated projects of real JPEG files scanned by the real scanner.
#include <filesystem>
#include <string>
#include <vector>

namespace tessera::uitest {

// Creates the QApplication on first use. QStandardPaths test mode keeps QSettings away from the user's own.
void ensureApplication();

// A temporary folder removed at destruction.
class TempDir {
public:
    explicit TempDir(const std::string& tag);
    ~TempDir();
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

struct FixtureImage {
    std::string relPath;
    int width = 0, height = 0;
};

// 20 small JPEGs: amphora/ (5), samian/ (5), coarse/ (4) and 6 unlabelled in the root. Returns what it wrote.
std::vector<FixtureImage> writeSmallProject(const std::filesystem::path& root);

// A demo-like project for screenshots: sherd-like shapes per class, a blurry photo, an exact duplicate and an
// unreadable file. `perClass` photos in each of four classes plus some unlabelled ones.
void writeDemoProject(const std::filesystem::path& root, int perClass);

// Scans `root` into its project store with the real scanner (creating the project). Returns the images seen.
long long scanProject(const std::filesystem::path& root);

}  // namespace tessera::uitest
