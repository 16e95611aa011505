#include "uitestsupport.h"

#include <QApplication>
#include <QSignalSpy>
#include <QStandardPaths>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/project/projectstore.h"
#include "core/project/scanner.h"
#include "ui/shared/mainwindow.h"
#include "ui/shared/projectdocument.h"
#include "ui/train/trainview.h"

namespace fs = std::filesystem;

namespace tessera::uitest {

void ensureApplication() {
    if (QApplication::instance()) return;
    static int argc = 1;
    static char name[] = "tessera-ui-tests";
    static char* argv[] = {name, nullptr};
    QStandardPaths::setTestModeEnabled(true);
    // No UI test may see the weights this machine downloaded before (the quick model would start on them and add
    // runs): an empty cache unless a test sets its own. Removed at exit.
    if (qEnvironmentVariableIsEmpty("TESSERA_CACHE_DIR")) {
        static TempDir emptyCache("weights-cache");
        qputenv("TESSERA_CACHE_DIR", QByteArray::fromStdString(emptyCache.path().string()));
    }
    QApplication::setApplicationName(QStringLiteral("tessera-ui-tests"));
    QApplication::setOrganizationName(QStringLiteral("TesseraTests"));
    // Deliberately never deleted: destroying QApplication after gtest's static teardown order is fragile.
    new QApplication(argc, argv);
}

TempDir::TempDir(const std::string& tag) {
    static std::atomic<int> counter{0};
    std::random_device rd;
    path_ = fs::temp_directory_path() /
            ("tessera-ui-" + tag + "-" + std::to_string(rd()) + "-" + std::to_string(counter++));
    fs::create_directories(path_);
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

namespace {

void writeJpeg(const fs::path& file, const cv::Mat& bgr) {
    fs::create_directories(file.parent_path());
    if (!cv::imwrite(file.string(), bgr, {cv::IMWRITE_JPEG_QUALITY, 90}))
        throw std::runtime_error("cannot write " + file.string());
}

}  // namespace

std::vector<FixtureImage> writeSmallProject(const fs::path& root) {
    std::vector<FixtureImage> written;
    const struct {
        const char* folder;
        int count;
        cv::Scalar color;
    } groups[] = {{"amphora", 5, {60, 120, 200}}, {"samian", 5, {40, 40, 170}}, {"coarse", 4, {90, 100, 110}},
                  {"", 6, {160, 160, 160}}};
    int n = 0;
    for (const auto& g : groups) {
        for (int i = 0; i < g.count; ++i, ++n) {
            const int w = 64 + 8 * (n % 5), h = 48 + 4 * (n % 3);
            cv::Mat img(h, w, CV_8UC3, cv::Scalar(235, 235, 235));
            cv::circle(img, {w / 2, h / 2}, std::min(w, h) / 3 + (n % 4), g.color, cv::FILLED);
            cv::putText(img, std::to_string(n), {4, h - 6}, cv::FONT_HERSHEY_SIMPLEX, 0.4, {0, 0, 0});
            const std::string name = std::string(g.folder) + (g.folder[0] ? "/" : "") + "find_" +
                                     (n < 10 ? "0" : "") + std::to_string(n) + ".jpg";
            writeJpeg(root / name, img);
            written.push_back({name, w, h});
        }
    }
    return written;
}

void writeDemoProject(const fs::path& root, int perClass) {
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const struct {
        const char* folder;
        cv::Scalar body;  // BGR
        cv::Scalar slip;
    } classes[] = {{"amphora", {95, 150, 205}, {120, 170, 220}},
                   {"terra_sigillata", {45, 60, 175}, {40, 50, 150}},
                   {"coarse_ware", {80, 95, 105}, {70, 80, 90}},
                   {"glazed_tile", {120, 110, 40}, {150, 140, 60}}};
    // Each class photographed a little differently (camera, crop), so the size scatter separates them somewhat.
    const cv::Size base[] = {{480, 360}, {420, 420}, {520, 340}, {360, 480}};
    const auto sherd = [&](const cv::Scalar& body, const cv::Scalar& slip, cv::Size size) {
        cv::Mat img(size, CV_8UC3, cv::Scalar(228, 230, 232));
        // Soft background gradient, like a photo on grey card.
        for (int y = 0; y < img.rows; ++y)
            img.row(y).setTo(cv::Scalar(215 + 20.0 * y / img.rows, 218 + 20.0 * y / img.rows, 222 + 18.0 * y / img.rows));
        const cv::Point2d c(size.width * (0.45 + 0.1 * u(rng)), size.height * (0.45 + 0.1 * u(rng)));
        const double r = std::min(size.width, size.height) * (0.28 + 0.1 * u(rng));
        std::vector<cv::Point> poly;
        const int corners = 6 + int(u(rng) * 5);
        const double start = u(rng) * 6.28;
        for (int k = 0; k < corners; ++k) {
            const double a = start + k * 6.2832 / corners + 0.25 * (u(rng) - 0.5);
            const double rr = r * (0.75 + 0.45 * u(rng));
            poly.emplace_back(int(c.x + rr * std::cos(a) * 1.2), int(c.y + rr * std::sin(a)));
        }
        cv::Mat shadow = img.clone();
        std::vector<cv::Point> shifted = poly;
        for (auto& p : shifted) p += cv::Point(5, 6);
        cv::fillPoly(shadow, std::vector<std::vector<cv::Point>>{shifted}, cv::Scalar(150, 150, 155), cv::LINE_AA);
        cv::GaussianBlur(shadow, shadow, {0, 0}, 4);
        img = shadow;
        cv::fillPoly(img, std::vector<std::vector<cv::Point>>{poly}, body, cv::LINE_AA);
        // Texture: speckle and a darker band (rim / slip), so thumbnails look like fabric rather than flat colour.
        cv::Mat noise(size, CV_8UC3);
        cv::randn(noise, cv::Scalar::all(0), cv::Scalar::all(10));
        cv::Mat mask = cv::Mat::zeros(size, CV_8UC1);
        cv::fillPoly(mask, std::vector<std::vector<cv::Point>>{poly}, cv::Scalar(255), cv::LINE_AA);
        cv::Mat textured;
        cv::add(img, noise, textured, mask);
        textured.copyTo(img, mask);
        cv::Mat band = cv::Mat::zeros(size, CV_8UC1);
        cv::line(band, {int(c.x - r * 1.3), int(c.y - r * 0.35)}, {int(c.x + r * 1.3), int(c.y - r * 0.5)}, 255,
                 int(r * 0.25));
        cv::bitwise_and(band, mask, band);
        img.setTo(slip, band);
        cv::polylines(img, std::vector<std::vector<cv::Point>>{poly}, true, body * 0.6, 2, cv::LINE_AA);
        // A scale bar, as on most find photos.
        cv::rectangle(img, {12, size.height - 18}, {72, size.height - 12}, cv::Scalar(30, 30, 30), cv::FILLED);
        cv::rectangle(img, {42, size.height - 18}, {72, size.height - 12}, cv::Scalar(245, 245, 245), cv::FILLED);
        return img;
    };
    const auto sizeFor = [&](int cls, int i) {
        if (i % 6 == 5) return cv::Size(200, 150);  // an old low-resolution photo now and then
        const double s = 0.8 + 0.4 * u(rng);
        return cv::Size(int(base[cls].width * s), int(base[cls].height * s));
    };
    int n = 0;
    int ci = 0;
    for (const auto& cls : classes) {
        for (int i = 0; i < perClass; ++i, ++n) {
            const cv::Size size = sizeFor(ci, i);
            char name[64];
            std::snprintf(name, sizeof name, "%s/%s_%03d.jpg", cls.folder, cls.folder, i + 1);
            writeJpeg(root / name, sherd(cls.body, cls.slip, size));
        }
        ++ci;
    }
    for (int i = 0; i < perClass; ++i) {
        const auto& cls = classes[size_t(i) % 4];
        char name[64];
        std::snprintf(name, sizeof name, "IMG_%04d.jpg", 2301 + i);  // unlabelled: directly in the root
        writeJpeg(root / name, sherd(cls.body, cls.slip, cv::Size(640, 480)));
    }
    // Health problems the Statistics mode should list.
    cv::Mat blurry = sherd(classes[0].body, classes[0].slip, {640, 480});
    cv::GaussianBlur(blurry, blurry, {0, 0}, 9);
    writeJpeg(root / "IMG_2400.jpg", blurry);
    fs::copy_file(root / "amphora/amphora_001.jpg", root / "IMG_2401.jpg",
                  fs::copy_options::overwrite_existing);
    std::ofstream(root / "IMG_2402.jpg", std::ios::binary) << "\xFF\xD8\xFF\xE0 truncated";
}

long long scanProject(const fs::path& root) {
    auto store = project::ProjectStore::open(root, true);
    if (!store.ok()) throw std::runtime_error(store.error());
    auto report = project::Scanner::scan(*store);
    if (!report.ok()) throw std::runtime_error(report.error());
    return report->filesSeen;
}

LocalHttpServer::LocalHttpServer(fs::path root, int slowPieceMs) : root_(std::move(root)), slowPieceMs_(slowPieceMs) {
    listenFd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (listenFd_ < 0) throw std::runtime_error("test HTTP server: no socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;  // any free port
    socklen_t len = sizeof addr;
    if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listenFd_, 8) != 0 ||
        ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        ::close(listenFd_);
        throw std::runtime_error("test HTTP server: cannot listen on 127.0.0.1");
    }
    port_ = ntohs(addr.sin_port);
    acceptThread_ = std::thread([this] { acceptLoop(); });
}

LocalHttpServer::~LocalHttpServer() {
    stop_ = true;
    ::shutdown(listenFd_, SHUT_RDWR);  // wakes accept()
    acceptThread_.join();
    ::close(listenFd_);
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& t : connections_) t.join();
}

std::string LocalHttpServer::url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void LocalHttpServer::acceptLoop() {
    while (!stop_) {
        const int fd = ::accept(listenFd_, nullptr, nullptr);
        if (fd < 0) {
            if (stop_) return;
            continue;
        }
        std::lock_guard<std::mutex> lock(mutex_);
        connections_.emplace_back([this, fd] {
            serve(fd);
            ::close(fd);
        });
    }
}

void LocalHttpServer::serve(int fd) {
    // One request per connection (answered with "Connection: close"), which is all libcurl needs here.
    std::string request;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return;
        request.append(buf, size_t(n));
    }
    ++requests_;
    const auto sendAll = [fd](const char* data, size_t size) {
        while (size > 0) {
            const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);  // a cancelled client closes: no SIGPIPE
            if (n <= 0) return false;
            data += n;
            size -= size_t(n);
        }
        return true;
    };
    const auto reply = [&](const std::string& status) {
        const std::string head = "HTTP/1.1 " + status + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        sendAll(head.data(), head.size());
    };
    const size_t sp1 = request.find(' '), sp2 = request.find(' ', sp1 + 1);
    if (request.compare(0, 4, "GET ") != 0 || sp2 == std::string::npos) return reply("400 Bad Request");
    const std::string path = request.substr(sp1 + 1, sp2 - sp1 - 1);
    bool slow = false;
    std::string name;
    if (path.rfind("/files/", 0) == 0) name = path.substr(7);
    else if (path.rfind("/slow/", 0) == 0) name = path.substr(6), slow = true;
    if (name.empty() || name.find('/') != std::string::npos || !fs::is_regular_file(root_ / name))
        return reply("404 Not Found");
    std::ifstream in(root_ / name, std::ios::binary);
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t start = 0;
    std::string lower = request;
    for (auto& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (const size_t r = lower.find("\r\nrange: bytes="); r != std::string::npos)
        start = size_t(std::stoll(request.substr(r + 15)));
    if (start > data.size()) return reply("416 Range Not Satisfiable");
    std::string head = start > 0 ? "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes " + std::to_string(start) + "-" +
                                       std::to_string(data.size() - 1) + "/" + std::to_string(data.size()) + "\r\n"
                                 : std::string("HTTP/1.1 200 OK\r\n");
    head += "Content-Type: application/octet-stream\r\nAccept-Ranges: bytes\r\nContent-Length: " +
            std::to_string(data.size() - start) + "\r\nConnection: close\r\n\r\n";
    if (!sendAll(head.data(), head.size())) return;
    if (!slow) {
        sendAll(data.data() + start, data.size() - start);
        return;
    }
    constexpr size_t kPiece = 16 * 1024;
    for (size_t at = start; at < data.size() && !stop_; at += kPiece) {
        if (!sendAll(data.data() + at, std::min(kPiece, data.size() - at))) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(slowPieceMs_));
    }
}

learn::TrainOptions tinyTrainOptions() {
    learn::TrainOptions o = learn::TrainOptions::defaults();
    o.epochs = 1;
    o.imageSize = 32;
    o.batchSize = 4;
    o.augmentation = learn::AugmentPreset::None;
    o.device = "cpu";
    o.threads = 1;
    return o;
}

SmallProjectWindowTest::SmallProjectWindowTest(const std::string& tag) : dir(tag), cache(tag + "-cache") {}
SmallProjectWindowTest::~SmallProjectWindowTest() = default;

void SmallProjectWindowTest::SetUp() {
    ensureApplication();
    previousCache_ = qgetenv("TESSERA_CACHE_DIR");
    qputenv("TESSERA_CACHE_DIR", QByteArray::fromStdString((cache.path() / "weights").string()));
    writeSmallProject(dir.path());
    window = std::make_unique<ui::MainWindow>();
    window->resize(1200, 800);
    window->show();
    QSignalSpy scanned(window->document(), &ui::ProjectDocument::scanFinished);
    ASSERT_TRUE(window->openProject(root()));
    ASSERT_TRUE(scanned.wait(30000));
}

void SmallProjectWindowTest::TearDown() {
    window.reset();
    qputenv("TESSERA_CACHE_DIR", previousCache_);
}

project::ProjectStore& SmallProjectWindowTest::store() { return window->document()->store(); }

QString SmallProjectWindowTest::root() const { return QString::fromStdString(dir.path().string()); }

void SmallProjectWindowTest::trainTinyModel() {
    QSignalSpy trained(window->trainView(), &ui::TrainView::trainingFinished);
    ASSERT_TRUE(window->trainView()->startTraining(tinyTrainOptions()));
    ASSERT_TRUE(trained.wait(60000));
    ASSERT_TRUE(trained.front()[0].toBool()) << trained.front()[1].toString().toStdString();
}

MainWindowTest::MainWindowTest() = default;
MainWindowTest::~MainWindowTest() = default;

void MainWindowTest::SetUp() {
    ensureApplication();
    writeSmallProject(dir.path());
    window = std::make_unique<ui::MainWindow>();
    window->show();
}

void MainWindowTest::openProject() {
    QSignalSpy scanned(window->document(), &ui::ProjectDocument::scanFinished);
    QString error;
    ASSERT_TRUE(window->openProject(QString::fromStdString(dir.path().string()), &error)) << error.toStdString();
    ASSERT_TRUE(scanned.wait(30000));
    ASSERT_TRUE(scanned.front()[0].toBool()) << scanned.front()[1].toString().toStdString();
}

}  // namespace tessera::uitest
