// Train mode's pretrained-weights Download against a local HTTP server (uitest::LocalHttpServer, 127.0.0.1 only):
// a zoo file ($TESSERA_ZOO) lists a resnet18 .pth written by torchvision, the same file under a wrong SHA-256 prefix,
// and a throttled file; the weights cache is a temp folder ($TESSERA_CACHE_DIR). Download shows progress and ends
// with the weights ready and in the cache, after which the Review mode's quick model starts on them at once (no
// label change needed) and its header line describes it; a wrong hash is refused with expected vs actual and leaves
// nothing; Cancel stops a slow download within a couple of seconds and leaves no final file.
#include <gtest/gtest.h>

#include <QComboBox>
#include <QElapsedTimer>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>

#include <nlohmann/json.hpp>

#include "core/nn/weightscache.h"
#include "core/util/sha256.h"
#include "ui/shared/mainwindow.h"
#include "ui/shared/projectdocument.h"
#include "ui/review/reviewview.h"
#include "ui/train/trainform.h"
#include "ui/train/trainview.h"
#include "uitestsupport.h"

namespace fs = std::filesystem;
using namespace tessera;
using namespace tessera::ui;

namespace {

// Files served and the zoo describing them: made once for all tests (torchvision's import costs seconds).
struct Served {
    uitest::TempDir dir{"download-served"};
    std::string netName, netSha;    // the resnet18 .pth
    std::string slowName, slowSha;  // random bytes, served throttled
    int64_t netBytes = 0, slowBytes = 0;
    std::string wrongPrefix;
};

Served* served = nullptr;

int64_t fileBytes(const fs::path& p) {
    std::error_code ec;
    const auto n = fs::file_size(p, ec);
    return ec ? -1 : int64_t(n);
}

class UiDownload : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        served = new Served;
        const fs::path tmp = served->dir.path() / "resnet18.pth";
        const std::string cmd = std::string(TESSERA_PYTHON) +
                                " -c \"import torch, torchvision; torch.manual_seed(0); "
                                "torch.save(torchvision.models.resnet18().state_dict(), '" +
                                tmp.string() + "')\"";
        ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
        auto sha = util::sha256File(tmp);
        ASSERT_TRUE(sha.ok()) << sha.error();
        served->netSha = *sha;
        served->netName = "resnet18-" + sha->substr(0, 8) + ".pth";
        fs::rename(tmp, served->dir.path() / served->netName);
        served->netBytes = fileBytes(served->dir.path() / served->netName);
        // A prefix that differs from the real one in its first digit.
        served->wrongPrefix = std::string(1, (*sha)[0] == '0' ? '1' : '0') + sha->substr(1, 7);

        std::string bytes(2 * 1024 * 1024, '\0');  // at 16 KiB / 50 ms about 6 s: still running when cancelled
        std::mt19937 rng(5);
        for (auto& c : bytes) c = char(rng() & 0xff);
        served->slowSha = util::sha256Hex(bytes);
        served->slowName = "slownet-" + served->slowSha.substr(0, 8) + ".pth";
        std::ofstream(served->dir.path() / served->slowName, std::ios::binary) << bytes;
        served->slowBytes = int64_t(bytes.size());
    }
    static void TearDownTestSuite() {
        delete served;
        served = nullptr;
    }

    void SetUp() override {
        uitest::ensureApplication();
        ASSERT_NE(served, nullptr);
        ASSERT_GT(served->netBytes, 0);
        server = std::make_unique<uitest::LocalHttpServer>(served->dir.path());
        ASSERT_GT(server->port(), 0);
        const auto entry = [](const std::string& name, const std::string& url, const std::string& file,
                              const std::string& prefix, bool isDefault) {
            return nlohmann::json{{"name", name}, {"arch", "resnet18"}, {"weights", "IMAGENET1K_V1"},
                                  {"default_for_arch", isDefault}, {"url", url}, {"file", file},
                                  {"sha256_prefix", prefix}, {"input_size", 224}, {"resize_size", 256},
                                  {"num_classes", 1000}, {"size_bytes", 0}};
        };
        nlohmann::json zoo{{"format", 1}, {"models", nlohmann::json::array()}};
        zoo["models"].push_back(entry("resnet18", server->url("/files/" + served->netName), served->netName,
                                      served->netSha.substr(0, 8), true));
        zoo["models"].push_back(entry("resnet18-mislabelled", server->url("/files/" + served->netName),
                                      "resnet18-mislabelled-" + served->wrongPrefix + ".pth", served->wrongPrefix,
                                      false));
        zoo["models"].push_back(entry("resnet18-slow", server->url("/slow/" + served->slowName), served->slowName,
                                      served->slowSha.substr(0, 8), false));
        std::ofstream(dir.path() / "zoo.json") << zoo.dump(2);
        previousZoo = qgetenv("TESSERA_ZOO");
        previousCache = qgetenv("TESSERA_CACHE_DIR");
        qputenv("TESSERA_ZOO", QByteArray::fromStdString((dir.path() / "zoo.json").string()));
        qputenv("TESSERA_CACHE_DIR", QByteArray::fromStdString(cacheDir().string()));
    }
    void TearDown() override {
        window.reset();
        form.reset();
        server.reset();
        qputenv("TESSERA_ZOO", previousZoo);
        qputenv("TESSERA_CACHE_DIR", previousCache);
    }

    fs::path cacheDir() const { return dir.path() / "cache"; }
    std::vector<std::string> cacheFiles() const {
        std::vector<std::string> names;
        std::error_code ec;
        if (fs::is_directory(cacheDir(), ec))
            for (const auto& e : fs::directory_iterator(cacheDir())) names.push_back(e.path().filename().string());
        return names;
    }

    template <typename T>
    T* child(QWidget* parent, const char* name) {
        T* w = parent->findChild<T*>(QString::fromLatin1(name));
        EXPECT_NE(w, nullptr) << "no " << name;
        return w;
    }

    // Clicks Download for `zooName` on `f` and waits for the job to end; returns the seconds it took.
    double download(TrainForm* f, const QString& zooName) {
        EXPECT_TRUE(f->selectWeights(zooName));
        auto* button = child<QPushButton>(f, "downloadWeightsButton");
        auto* bar = child<QProgressBar>(f, "downloadProgress");
        EXPECT_TRUE(button->isEnabled());
        QElapsedTimer clock;
        clock.start();
        QTest::mouseClick(button, Qt::LeftButton);
        EXPECT_TRUE(f->isDownloading());
        EXPECT_FALSE(bar->isHidden()) << "no progress bar while downloading";
        EXPECT_FALSE(child<QPushButton>(f, "cancelDownloadButton")->isHidden());
        EXPECT_FALSE(button->isEnabled());
        EXPECT_TRUE(QTest::qWaitFor([&] { return !f->isDownloading(); }, 20000));
        QTest::qWait(50);  // the watcher's finished slot
        EXPECT_TRUE(bar->isHidden());
        return clock.elapsed() / 1000.0;
    }

    uitest::TempDir dir{"download"};
    std::unique_ptr<uitest::LocalHttpServer> server;
    std::unique_ptr<MainWindow> window;
    JobRunner jobs;  // the standalone form's; outlives it
    std::unique_ptr<TrainForm> form;
    QByteArray previousZoo, previousCache;
};

TEST_F(UiDownload, DownloadsIntoTheCacheAndTheQuickModelStartsOnIt) {
    uitest::TempDir project("download-project");
    uitest::writeSmallProject(project.path());
    window = std::make_unique<MainWindow>();
    window->show();
    QSignalSpy scanned(window->document(), &ProjectDocument::scanFinished);
    ASSERT_TRUE(window->openProject(QString::fromStdString(project.path().string())));
    ASSERT_TRUE(scanned.wait(30000));
    ReviewView* review = window->reviewView();
    // Nothing in the cache and no trained model: the quick model has no backbone, and its header says so.
    ASSERT_TRUE(QTest::qWaitFor(
        [&] { return review->quickResult().message.contains(QStringLiteral("need a trained model or downloaded")); },
        20000))
        << review->quickResult().message.toStdString();
    EXPECT_EQ(review->source(), ReviewView::Source::QuickModel);
    EXPECT_TRUE(review->headerText().contains(QStringLiteral("Quick model:</b> not running")))
        << review->headerText().toStdString();

    window->setMode(MainWindow::Mode::Train);
    TrainForm* f = window->trainView()->form();
    ASSERT_TRUE(f->selectWeights(QStringLiteral("resnet18")));
    EXPECT_TRUE(f->weightsStatusText().contains(QStringLiteral("No pretrained weights"))) << f->weightsStatusText().toStdString();
    auto* bar = child<QProgressBar>(f, "downloadProgress");
    QSignalSpy values(bar, &QProgressBar::valueChanged);
    QSignalSpy available(f, &TrainForm::weightsAvailable);
    const int before = server->requests();
    const double seconds = download(f, QStringLiteral("resnet18"));
    std::cout << "[download] " << served->netBytes / 1e6 << " MB from 127.0.0.1 incl. SHA-256: " << seconds << " s\n";
    EXPECT_EQ(server->requests(), before + 1);
    bool complete = false;
    for (const auto& v : values) complete |= v[0].toInt() == 1000;
    EXPECT_TRUE(complete) << "the bar never reached 100 % (" << values.size() << " updates)";
    EXPECT_TRUE(f->weightsStatusText().startsWith(QStringLiteral("Ready: ") + QString::fromStdString(served->netName)))
        << f->weightsStatusText().toStdString();
    ASSERT_EQ(available.size(), 1);
    const fs::path cached = cacheDir() / served->netName;
    EXPECT_EQ(available.front()[0].toString().toStdString(), cached.string());
    EXPECT_EQ(fileBytes(cached), served->netBytes);
    EXPECT_EQ(cacheFiles(), std::vector<std::string>{served->netName}) << "a .part was left behind";
    EXPECT_EQ(f->options().weightsPath, cached.string()) << "training would not start from the downloaded weights";

    // The quick model picks the weights up at once: no label changed and the mode did not change since.
    EXPECT_EQ(window->mode(), MainWindow::Mode::Train);
    const bool refreshed = QTest::qWaitFor([&] { return review->quickResult().ok; }, 30000);
    ASSERT_TRUE(refreshed) << review->quickResult().message.toStdString();
    const QuickModelResult& r = review->quickResult();
    EXPECT_EQ(r.backbone, QStringLiteral("ImageNet resnet18 features"));
    EXPECT_EQ(r.embedded, 20);
    EXPECT_EQ(r.predicted, 6);
    std::cout << "[download] quick model refreshed on the downloaded weights: " << r.seconds << " s\n";

    // The header above the buttons describes the quick model (backbone, last refresh), not the trained model.
    const QString header = review->headerText();
    EXPECT_TRUE(header.contains(QStringLiteral("a linear head on ImageNet resnet18 features"))) << header.toStdString();
    EXPECT_TRUE(header.contains(QStringLiteral("last refresh ") + r.finishedAt.toString(QStringLiteral("HH:mm:ss"))))
        << header.toStdString();
    EXPECT_TRUE(header.contains(QStringLiteral("from 14 labelled photo(s)"))) << header.toStdString();
    EXPECT_FALSE(header.contains(QStringLiteral("trained model"), Qt::CaseInsensitive)) << header.toStdString();
    review->setSource(ReviewView::Source::TrainedModel);
    EXPECT_TRUE(review->headerText().contains(QStringLiteral("No trained model yet"))) << review->headerText().toStdString();
    review->setSource(ReviewView::Source::QuickModel);
    EXPECT_EQ(review->headerText(), header);
}

TEST_F(UiDownload, AWrongHashIsRefusedAndLeavesNothingInTheCache) {
    form = std::make_unique<TrainForm>(&jobs);
    form->show();
    QSignalSpy available(form.get(), &TrainForm::weightsAvailable);
    download(form.get(), QStringLiteral("resnet18-mislabelled"));
    const QString status = form->weightsStatusText();
    const QString expected = QStringLiteral("expected a hash starting with ") + QString::fromStdString(served->wrongPrefix);
    const QString actual = QStringLiteral("got ") + QString::fromStdString(served->netSha.substr(0, 8));
    EXPECT_TRUE(status.contains(expected)) << status.toStdString();
    EXPECT_TRUE(status.contains(actual)) << status.toStdString();
    EXPECT_TRUE(status.contains(QStringLiteral("No pretrained weights"))) << "state after the failure: " << status.toStdString();
    EXPECT_TRUE(available.isEmpty());
    EXPECT_TRUE(cacheFiles().empty()) << cacheFiles().front();
    EXPECT_EQ(form->options().weightsPath, "none");
    EXPECT_TRUE(child<QPushButton>(form.get(), "downloadWeightsButton")->isEnabled()) << "cannot try again";
}

TEST_F(UiDownload, CancelStopsASlowDownloadQuickly) {
    form = std::make_unique<TrainForm>(&jobs);
    form->show();
    ASSERT_TRUE(form->selectWeights(QStringLiteral("resnet18-slow")));
    auto* bar = child<QProgressBar>(form.get(), "downloadProgress");
    QTest::mouseClick(child<QPushButton>(form.get(), "downloadWeightsButton"), Qt::LeftButton);
    ASSERT_TRUE(form->isDownloading());
    // Progress in per-mille of the size the server announced, moving but far from done.
    ASSERT_TRUE(QTest::qWaitFor([&] { return bar->maximum() == 1000 && bar->value() > 0; }, 10000))
        << "no progress shown";
    EXPECT_LT(bar->value(), 1000);
    QElapsedTimer clock;
    clock.start();
    QTest::mouseClick(child<QPushButton>(form.get(), "cancelDownloadButton"), Qt::LeftButton);
    ASSERT_TRUE(QTest::qWaitFor([&] { return !form->isDownloading(); }, 5000));
    const qint64 ms = clock.elapsed();
    std::cout << "[download] cancel took " << ms << " ms\n";
    EXPECT_LT(ms, 2000);
    QTest::qWait(50);
    const QString status = form->weightsStatusText();
    EXPECT_TRUE(status.contains(QStringLiteral("cancelled"))) << status.toStdString();
    EXPECT_FALSE(fs::exists(cacheDir() / served->slowName)) << "a final file after a cancel";
    // What arrived is kept as .part for the next Download to resume; it is not the whole file.
    const int64_t part = fileBytes(cacheDir() / (served->slowName + ".part"));
    EXPECT_GT(part, 0);
    EXPECT_LT(part, served->slowBytes);
    EXPECT_TRUE(status.startsWith(QStringLiteral("Partly downloaded"))) << status.toStdString();
    EXPECT_TRUE(bar->isHidden());
    EXPECT_EQ(form->options().weightsPath, "none");
}

}  // namespace
