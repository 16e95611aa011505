#pragma once
// The viewer pane of Dataset mode: the selected image at a larger size (decoded off the GUI thread), zoom with the
// wheel, pan by dragging, rotate the view by 90°, and the image's facts: resolution, size, format, path, label and
// health warnings. Rotation is a view setting only; Tessera never modifies the photos.
#include <QImage>
#include <QPersistentModelIndex>
#include <QWidget>

class QGraphicsPixmapItem;
class QGraphicsScene;
class QGraphicsView;
class QLabel;
class QToolButton;

namespace tessera::ui {

class JobRunner;

class ImageViewer : public QWidget {
    Q_OBJECT
public:
    static constexpr int kViewLongSide = 2048;  // decode big JPEGs reduced to at least this long side

    // Photos are decoded as hidden jobs of `jobs` (the project document's runner).
    explicit ImageViewer(JobRunner* jobs, QWidget* parent = nullptr);
    ~ImageViewer() override;

    void setIndex(const QModelIndex& index);  // an ImageListModel (or proxy) index; invalid clears the pane
    void refreshFacts();                      // label or flags of the shown image changed
    bool hasImage() const;

    void zoomBy(double factor);
    void zoomToFit();
    void rotate(int degrees);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    struct Decoded {
        quint64 request = 0;
        QImage image;
        QString error;
    };
    void onDecoded(const Decoded& result);

    QGraphicsView* view_;
    QGraphicsScene* scene_;
    QGraphicsPixmapItem* item_;
    QLabel* message_;
    QLabel* facts_;
    QToolButton *fit_, *actual_, *rotateLeft_, *rotateRight_;
    QPersistentModelIndex index_;
    JobRunner* jobs_;
    quint64 request_ = 0;
    bool fitMode_ = true;
    int rotation_ = 0;
};

}  // namespace tessera::ui
