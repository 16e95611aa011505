#pragma once
// What Review's two queues (the calls of a model, ReviewView; the label check's flags, LabelCheckView) share: the grid
// of thumbnails with their text, the photo shown large beside it (read off the GUI thread), and the keys.
#include <QImage>
#include <QString>

#include <functional>

class QAbstractItemModel;
class QKeyEvent;
class QLabel;
class QListView;
class QObject;
class QSplitter;
class QWidget;

namespace tessera::ui {

class JobRunner;

void setUpReviewGrid(QListView* list);  // icon mode, 112 px thumbnails, single selection, fixed cells

// The queue's layout: the grid of `model` on the left (its key presses filtered by `owner`), the photo shown large on
// the right with `underPhoto` (may be null) and the facts below it.
struct ReviewSplit {
    QSplitter* splitter;
    QListView* list;
    QLabel* image;
    QLabel* facts;
};
ReviewSplit makeReviewSplit(QWidget* owner, QAbstractItemModel* model, QWidget* underPhoto = nullptr);
// The photo at `path`, EXIF-rotated, scaled down to at most kReviewPhotoSide on its longer side.
QImage readReviewPhoto(const QString& path);
// Reads it as a hidden job of `jobs`, then calls `show` on the GUI thread with it, unless `receiver` was destroyed or
// a later call with the same `latest` counter (a member of `receiver`) asked for another photo meanwhile.
void readReviewPhotoLater(JobRunner& jobs, QObject* receiver, int* latest, const QString& path,
                          std::function<void(const QImage&)> show);
// `image` fitted into `label`; when it is null, `placeholder` instead.
void showReviewPhoto(QLabel* label, const QImage& image, const QString& placeholder);
constexpr int kReviewPhotoSide = 640;

// What a key pressed on a Review grid asks for: Enter accepts, Space skips, 1-9 give a class by its key, K keeps the
// label and D disputes it (the label check's queue). A key with Ctrl, Alt or Meta is None: a shortcut, not an answer.
struct ReviewKey {
    enum class Action { None, Accept, Skip, ClassKey, Keep, Dispute };
    Action action = Action::None;
    int classKey = 0;  // 1-9 with ClassKey
};
ReviewKey reviewKeyOf(const QKeyEvent& event);

}  // namespace tessera::ui
