#include "ui/review/reviewgrid.h"

#include <QImageReader>
#include <QKeyEvent>
#include <QLabel>
#include <QListView>
#include <QPixmap>
#include <QSplitter>
#include <QVBoxLayout>

#include <algorithm>

#include "ui/shared/jobrunner.h"

namespace tessera::ui {

void setUpReviewGrid(QListView* list) {
    list->setViewMode(QListView::IconMode);
    list->setIconSize(QSize(112, 112));
    list->setGridSize(QSize(176, 196));
    list->setResizeMode(QListView::Adjust);
    list->setMovement(QListView::Static);
    list->setUniformItemSizes(true);
    list->setWordWrap(true);
    list->setSelectionMode(QAbstractItemView::SingleSelection);
}

ReviewSplit makeReviewSplit(QWidget* owner, QAbstractItemModel* model, QWidget* underPhoto) {
    auto* list = new QListView(owner);
    list->setModel(model);
    setUpReviewGrid(list);
    list->installEventFilter(owner);

    auto* side = new QWidget(owner);
    auto* sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(0, 0, 0, 0);
    auto* image = new QLabel(side);
    image->setAlignment(Qt::AlignCenter);
    image->setMinimumSize(280, 280);
    image->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Ignored);
    auto* facts = new QLabel(side);
    facts->setWordWrap(true);
    facts->setTextInteractionFlags(Qt::TextSelectableByMouse);
    sideLayout->addWidget(image, 1);
    if (underPhoto) sideLayout->addWidget(underPhoto);
    sideLayout->addWidget(facts);

    auto* split = new QSplitter(Qt::Horizontal, owner);
    split->addWidget(list);
    split->addWidget(side);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    return {split, list, image, facts};
}

QImage readReviewPhoto(const QString& path) {
    QImageReader reader(path);
    reader.setAutoTransform(true);
    const QSize size = reader.size();
    if (size.isValid() && std::max(size.width(), size.height()) > kReviewPhotoSide)
        reader.setScaledSize(size.scaled(kReviewPhotoSide, kReviewPhotoSide, Qt::KeepAspectRatio));
    return reader.read();
}

void readReviewPhotoLater(JobRunner& jobs, QObject* receiver, int* latest, const QString& path,
                          std::function<void(const QImage&)> show) {
    const int request = ++*latest;
    jobs.run(
        QObject::tr("Opening a photo"), receiver, [path](const JobContext&) { return readReviewPhoto(path); },
        [latest, request, show = std::move(show)](const QImage& photo) {
            if (request == *latest) show(photo);  // `latest` lives in the receiver, which is still there
        },
        JobRunner::Listing::Hidden);
}

void showReviewPhoto(QLabel* label, const QImage& image, const QString& placeholder) {
    if (image.isNull()) {
        label->setPixmap(QPixmap());
        label->setText(placeholder);
        return;
    }
    label->setPixmap(QPixmap::fromImage(image.scaled(label->size(), Qt::KeepAspectRatio, Qt::SmoothTransformation)));
}

ReviewKey reviewKeyOf(const QKeyEvent& event) {
    using Action = ReviewKey::Action;
    if (event.modifiers() & (Qt::ControlModifier | Qt::AltModifier | Qt::MetaModifier)) return {};
    const int key = event.key();
    switch (key) {
    case Qt::Key_Return:
    case Qt::Key_Enter: return {Action::Accept};
    case Qt::Key_Space: return {Action::Skip};
    case Qt::Key_K: return {Action::Keep};
    case Qt::Key_D: return {Action::Dispute};
    default:
        if (key >= Qt::Key_1 && key <= Qt::Key_9) return {Action::ClassKey, key - Qt::Key_0};
        return {};
    }
}

}  // namespace tessera::ui
