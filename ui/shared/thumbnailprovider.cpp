#include "ui/shared/thumbnailprovider.h"

#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QRunnable>
#include <QSaveFile>

#include <algorithm>
#include <functional>

#include "core/imaging/thumbnailer.h"

namespace tessera::ui {

namespace {

// More queued than this and the user has scrolled far past them: drop the queue, painted rows ask again.
constexpr int kMaxPending = 600;

QImage makeThumbnail(const QString& absolutePath, QString* error) {
    auto made = imaging::Thumbnailer::make(absolutePath.toStdString(), ThumbnailProvider::kLongSide);
    if (!made.ok()) {
        *error = QString::fromStdString(made.error());
        return {};
    }
    cv::Mat rgb = made->isContinuous() ? *made : made->clone();
    return QImage(rgb.data, rgb.cols, rgb.rows, int(rgb.step), QImage::Format_RGB888).copy();
}

class ThumbnailTask : public QRunnable {
public:
    ThumbnailTask(quint64 generation, QString hash, QString path, QString cachePath)
        : generation_(generation), hash_(std::move(hash)), path_(std::move(path)),
          cachePath_(std::move(cachePath)) {}

    void run() override {
        QImage image;
        QString error;
        if (!cachePath_.isEmpty() && QFileInfo::exists(cachePath_)) image.load(cachePath_, "JPG");
        if (image.isNull()) {
            image = makeThumbnail(path_, &error);
            if (!image.isNull() && !cachePath_.isEmpty()) {
                // QSaveFile writes to a temporary and renames: a half-written thumbnail is never read back.
                QSaveFile file(cachePath_);
                if (file.open(QIODevice::WriteOnly) && image.save(&file, "JPG", 85)) file.commit();
                else file.cancelWriting();
            }
        }
        deliver_(generation_, hash_, image, error);
    }

    std::function<void(quint64, const QString&, const QImage&, const QString&)> deliver_;

private:
    quint64 generation_;
    QString hash_, path_, cachePath_;
};

}  // namespace

ThumbnailProvider::ThumbnailProvider(QObject* parent) : QObject(parent) {
    cache_.setMaxCost(96 * 1024);  // KiB: ~96 MB, about 900 thumbnails at 192x144 RGB
    pool_.setMaxThreadCount(std::max(1, QThread::idealThreadCount() - 1));
}

ThumbnailProvider::~ThumbnailProvider() {
    pool_.clear();
    pool_.waitForDone();
}

void ThumbnailProvider::setCacheDir(const QString& dir) {
    clear();
    cacheDir_ = dir;
    if (!dir.isEmpty()) QDir().mkpath(dir);
}

QString ThumbnailProvider::diskCachePath(const QString& contentHash) const {
    return cacheDir_.isEmpty() ? QString() : cacheDir_ + QLatin1Char('/') + contentHash + QStringLiteral(".jpg");
}

void ThumbnailProvider::clear() {
    pool_.clear();
    ++generation_;
    pending_.clear();
    failed_.clear();
    cache_.clear();
}

QPixmap ThumbnailProvider::thumbnail(const QString& contentHash, const QString& absolutePath) {
    if (contentHash.isEmpty()) return {};
    if (QPixmap* cached = cache_.object(contentHash)) return *cached;
    if (pending_.contains(contentHash) || failed_.contains(contentHash)) return {};
    if (pending_.size() >= kMaxPending) {
        pool_.clear();
        pending_.clear();
        ++generation_;
        // Views repaint so that the rows on screen ask again; queued because we are inside a paint.
        QMetaObject::invokeMethod(this, &ThumbnailProvider::requestsDropped, Qt::QueuedConnection);
    }
    pending_.insert(contentHash);
    auto* task = new ThumbnailTask(generation_, contentHash, absolutePath, diskCachePath(contentHash));
    // The destructor waits for running tasks, so `this` outlives every call below; the queued call runs on the GUI
    // thread and reads generation_ there only.
    task->deliver_ = [this](quint64 gen, const QString& hash, const QImage& image, const QString& error) {
        QMetaObject::invokeMethod(
            this, [this, gen, hash, image, error] { onDecoded(gen, hash, image, error); }, Qt::QueuedConnection);
    };
    pool_.start(task, ++priority_);
    return {};
}

void ThumbnailProvider::onDecoded(quint64 generation, const QString& hash, const QImage& image,
                                  const QString& error) {
    if (generation != generation_) return;
    pending_.remove(hash);
    if (image.isNull()) {
        failed_.insert(hash);
        emit thumbnailFailed(hash, error);
        return;
    }
    auto* pixmap = new QPixmap(QPixmap::fromImage(image));
    cache_.insert(hash, pixmap, std::max(1, int(image.sizeInBytes() / 1024)));
    emit thumbnailReady(hash);
}

}  // namespace tessera::ui
