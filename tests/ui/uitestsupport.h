#pragma once
// Shared pieces of the UI tests: one QApplication for the process (offscreen platform, test-mode settings), and
// small generated projects of real JPEG files scanned by the real scanner.
#include <QByteArray>

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/train/trainer.h"

namespace tessera::project {
class ProjectStore;
}
namespace tessera::ui {
class MainWindow;
}

namespace tessera::uitest {

// The smallest real training, for tests that need a trained model: 1 epoch at 32 px, batches of 4, no augmentation,
// on one CPU thread.
learn::TrainOptions tinyTrainOptions();

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

// The set-up most UI tests share: the small generated project (writeSmallProject) in a temporary folder and a shown
// main window over no project; openProject() opens the project and waits for its scan to succeed.
class MainWindowTest : public ::testing::Test {
protected:
    MainWindowTest();
    ~MainWindowTest() override;
    void SetUp() override;
    void openProject();

    TempDir dir{"window"};
    std::unique_ptr<ui::MainWindow> window;
};

// Scans `root` into its project store with the real scanner (creating the project). Returns the images seen.
long long scanProject(const std::filesystem::path& root);

// A local HTTP/1.1 file server on 127.0.0.1 (a free port) in threads of the test process, for the weights
// download paths: nothing leaves the machine. The same idea as tests/nn/http_server.py, plus a throttled path, which
// that script has no way to do, so that a download is still running when the test cancels it.
//   /files/NAME  the file from `root` at full speed ("Range: bytes=N-" answered with 206)
//   /slow/NAME   the same, in 16 KiB pieces every `slowPieceMs` milliseconds
class LocalHttpServer {
public:
    explicit LocalHttpServer(std::filesystem::path root, int slowPieceMs = 50);
    ~LocalHttpServer();  // closes the socket and joins every connection (a throttled one within one piece)
    int port() const { return port_; }
    std::string url(const std::string& path) const;  // "http://127.0.0.1:PORT" + path
    int requests() const { return requests_; }

private:
    void acceptLoop();
    void serve(int fd);

    std::filesystem::path root_;
    int slowPieceMs_;
    int listenFd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> requests_{0};
    std::thread acceptThread_;
    std::mutex mutex_;
    std::vector<std::thread> connections_;
};

// A MainWindow (1200 x 800, shown) on writeSmallProject's photos, opened and scanned, with an empty weights cache
// (TESSERA_CACHE_DIR points into the fixture for the test): features come from a model trained in the test or not
// at all, whatever this machine downloaded before.
class SmallProjectWindowTest : public ::testing::Test {
protected:
    explicit SmallProjectWindowTest(const std::string& tag);
    ~SmallProjectWindowTest() override;
    void SetUp() override;
    void TearDown() override;

    project::ProjectStore& store();
    QString root() const;
    void trainTinyModel();  // tinyTrainOptions in Train mode; asserts that it finished

    TempDir dir;
    TempDir cache;
    std::unique_ptr<ui::MainWindow> window;

private:
    QByteArray previousCache_;
};

}  // namespace tessera::uitest
