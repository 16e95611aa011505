#pragma once
// What Review's two queues (the calls of a model, ReviewView; the label check's flags, LabelCheckView) share: the grid
// of thumbnails with their text, and the photo shown large beside it, read off the GUI thread.
#include <QImage>
#include <QString>

class QLabel;
class QListView;

namespace tessera::ui {

void setUpReviewGrid(QListView* list);  // icon mode, 112 px thumbnails, single selection, fixed cells
// The photo at `path`, EXIF-rotated, scaled down to at most kReviewPhotoSide on its longer side (for QtConcurrent).
QImage readReviewPhoto(const QString& path);
// `image` fitted into `label`; when it is null, `placeholder` instead.
void showReviewPhoto(QLabel* label, const QImage& image, const QString& placeholder);
constexpr int kReviewPhotoSide = 640;

}  // namespace tessera::ui
