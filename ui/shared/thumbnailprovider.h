#pragma once
// Thumbnails for the grid: decoded off the GUI thread on a small pool, kept in a memory cache and on disk under
// <root>/.tessera/thumbs/<contentHash>.jpg so that reopening a project shows them at once. The model asks only for
// rows that are painted; newest requests run first so the visible page fills before rows scrolled past.
#include <QCache>
#include <QHash>
#include <QObject>
#include <QPixmap>
#include <QSet>
#include <QString>
#include <QThreadPool>

#include <atomic>
#include <memory>

namespace tessera::ui {

class ThumbnailProvider : public QObject {
    Q_OBJECT
public:
    static constexpr int kLongSide = 192;  // pixels; the grid paints at up to this size on high-DPI screens too

    explicit ThumbnailProvider(QObject* parent = nullptr);
    ~ThumbnailProvider() override;  // drops queued work and waits for running decodes

    // Where disk thumbnails go (<root>/.tessera/thumbs); empty disables the disk cache. Clears the memory cache.
    void setCacheDir(const QString& dir);
    QString cacheDir() const { return cacheDir_; }
    QString diskCachePath(const QString& contentHash) const;

    // The cached thumbnail, or a null pixmap after queueing a decode of `absolutePath` (thumbnailReady follows).
    QPixmap thumbnail(const QString& contentHash, const QString& absolutePath);
    bool isCached(const QString& contentHash) const { return cache_.contains(contentHash); }
    int pendingCount() const { return pending_.size(); }

    void clear();  // forget everything queued and cached in memory (project closed)

signals:
    void thumbnailReady(const QString& contentHash);
    void thumbnailFailed(const QString& contentHash, const QString& reason);
    void requestsDropped();

private:
    void onDecoded(quint64 generation, const QString& hash, const QImage& image, const QString& error);

    QString cacheDir_;
    QCache<QString, QPixmap> cache_;  // cost in KiB
    QSet<QString> pending_;
    QSet<QString> failed_;
    QThreadPool pool_;
    int priority_ = 0;  // increases per request so that the newest (visible) rows decode first
    quint64 generation_ = 0;  // bumped by clear()/setCacheDir(); results of older generations are dropped
};

}  // namespace tessera::ui
