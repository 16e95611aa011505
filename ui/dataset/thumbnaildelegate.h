#pragma once
// Paints one cell of the image grid: the thumbnail (or a placeholder while it decodes), a frame and badge in the
// class colour, warning badges for health flags, the model's prediction (a dot in the predicted class colour and the
// confidence) and the file name. Fixed cell size so the view can use uniform item sizes and stay smooth with 100,000
// images.
#include <QStyledItemDelegate>

namespace tessera::ui {

class ThumbnailDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    explicit ThumbnailDelegate(QObject* parent = nullptr);

    void setCellSize(int thumbnailSide);  // the square area for the picture; the cell adds margins and a caption
    int thumbnailSide() const { return side_; }
    QSize cellSize() const;

    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

private:
    int side_ = 150;
};

}  // namespace tessera::ui
