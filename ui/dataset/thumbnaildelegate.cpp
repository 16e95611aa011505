#include "ui/dataset/thumbnaildelegate.h"

#include <QApplication>
#include <QPainter>
#include <QPainterPath>
#include <QPixmap>

#include "core/project/imagerecord.h"
#include "ui/dataset/imagelistmodel.h"

namespace tessera::ui {

namespace {

constexpr int kMargin = 6;
constexpr int kFrame = 3;

struct Badge {
    QString text;
    QColor color;
    QString tip;
};

QVector<Badge> badgesFor(uint32_t flags, bool disputed) {
    QVector<Badge> badges;
    if (disputed) badges.push_back({QStringLiteral("?"), QColor(0x5d, 0x40, 0x37), {}});  // the label is disputed
    if (flags & project::FlagUnreadable) badges.push_back({QStringLiteral("!"), QColor(0xc6, 0x28, 0x28), {}});
    if (flags & project::FlagTooSmall) badges.push_back({QStringLiteral("S"), QColor(0xe0, 0x8a, 0x00), {}});
    if (flags & project::FlagBlurry) badges.push_back({QStringLiteral("B"), QColor(0x6d, 0x4c, 0x9e), {}});
    if (flags & (project::FlagDuplicate | project::FlagNearDuplicate))
        badges.push_back({QStringLiteral("D"), QColor(0x1e, 0x78, 0xb4), {}});
    return badges;
}

}  // namespace

ThumbnailDelegate::ThumbnailDelegate(QObject* parent) : QStyledItemDelegate(parent) {}

void ThumbnailDelegate::setCellSize(int thumbnailSide) { side_ = thumbnailSide; }

QSize ThumbnailDelegate::cellSize() const {
    const int text = QFontMetrics(QApplication::font()).height();
    return {side_ + 2 * kMargin, side_ + 2 * kMargin + text + 4};
}

QSize ThumbnailDelegate::sizeHint(const QStyleOptionViewItem&, const QModelIndex&) const { return cellSize(); }

void ThumbnailDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const {
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing, true);
    const QRect cell = option.rect;
    const QPalette& pal = option.palette;
    const bool selected = option.state & QStyle::State_Selected;

    if (selected) {
        QColor hl = pal.color(QPalette::Highlight);
        hl.setAlpha(70);
        painter->setPen(QPen(pal.color(QPalette::Highlight), 2));
        painter->setBrush(hl);
        painter->drawRoundedRect(QRectF(cell).adjusted(1.5, 1.5, -1.5, -1.5), 6, 6);
    } else if (option.state & QStyle::State_MouseOver) {
        QColor hover = pal.color(QPalette::Highlight);
        hover.setAlpha(25);
        painter->setPen(Qt::NoPen);
        painter->setBrush(hover);
        painter->drawRoundedRect(QRectF(cell).adjusted(1, 1, -1, -1), 6, 6);
    }

    const QRect area(cell.left() + kMargin, cell.top() + kMargin, side_, side_);
    const QPixmap pixmap = index.data(Qt::DecorationRole).value<QPixmap>();
    const auto state = ImageListModel::ThumbnailState(index.data(ImageListModel::ThumbnailStateRole).toInt());
    QRect pictureRect = area;
    if (!pixmap.isNull()) {
        const QSize fitted = pixmap.size().scaled(area.size() - QSize(2 * kFrame, 2 * kFrame), Qt::KeepAspectRatio);
        pictureRect = QRect(QPoint(0, 0), fitted);
        pictureRect.moveCenter(area.center());
        painter->setRenderHint(QPainter::SmoothPixmapTransform, true);
        painter->drawPixmap(pictureRect, pixmap);
    } else {
        // Placeholder: a quiet tile so the grid keeps its rhythm while thumbnails arrive.
        pictureRect = area.adjusted(kFrame + 8, kFrame + 8, -kFrame - 8, -kFrame - 8);
        const bool failed = state == ImageListModel::ThumbnailFailed;
        painter->setPen(Qt::NoPen);
        painter->setBrush(failed ? QColor(0xf3, 0xd6, 0xd6) : pal.color(QPalette::AlternateBase).darker(104));
        painter->drawRoundedRect(pictureRect, 4, 4);
        painter->setPen(failed ? QColor(0xa0, 0x30, 0x30) : pal.color(QPalette::PlaceholderText));
        QFont f = option.font;
        f.setPointSizeF(f.pointSizeF() * 0.9);
        painter->setFont(f);
        painter->drawText(pictureRect, Qt::AlignCenter | Qt::TextWordWrap,
                          failed ? tr("Cannot read\nthis image") : QStringLiteral("…"));
    }

    // Class: a frame in the class colour around the picture and a name badge on its lower edge.
    const QColor classColor = index.data(ImageListModel::ClassColorRole).value<QColor>();
    if (classColor.isValid()) {
        painter->setBrush(Qt::NoBrush);
        painter->setPen(QPen(classColor, kFrame));
        painter->drawRoundedRect(QRectF(pictureRect).adjusted(-1.5, -1.5, 1.5, 1.5), 3, 3);

        QFont f = option.font;
        f.setPointSizeF(f.pointSizeF() * 0.85);
        f.setBold(true);
        const QFontMetrics fm(f);
        const QString name = fm.elidedText(index.data(ImageListModel::ClassNameRole).toString(), Qt::ElideRight,
                                           pictureRect.width() - 8);
        const QRect badge(pictureRect.left() - 1, pictureRect.bottom() - fm.height() - 2, fm.horizontalAdvance(name) + 10,
                          fm.height() + 4);
        painter->setPen(Qt::NoPen);
        painter->setBrush(classColor);
        painter->drawRoundedRect(badge, 3, 3);
        painter->setFont(f);
        painter->setPen(classColor.lightnessF() > 0.6 ? Qt::black : Qt::white);
        painter->drawText(badge, Qt::AlignCenter, name);
    }

    // Health warnings: small round badges in the top right corner.
    const auto badges =
        badgesFor(index.data(ImageListModel::FlagsRole).toUInt(), index.data(ImageListModel::DisputedRole).toBool());
    if (!badges.isEmpty()) {
        QFont f = option.font;
        f.setBold(true);
        f.setPointSizeF(f.pointSizeF() * 0.8);
        painter->setFont(f);
        const int d = QFontMetrics(f).height() + 3;
        int x = pictureRect.right() - d - 2;
        for (const Badge& b : badges) {
            const QRect r(x, pictureRect.top() + 3, d, d);
            painter->setPen(QPen(Qt::white, 1.5));
            painter->setBrush(b.color);
            painter->drawEllipse(r);
            painter->setPen(Qt::white);
            painter->drawText(r, Qt::AlignCenter, b.text);
            x -= d + 2;
        }
    }

    // Prediction: a small pill in the top left corner, a dot in the predicted class colour and the confidence.
    // Kept small and apart from the label frame so that "what I said" and "what the model says" never blur.
    const QVariant confidence = index.data(ImageListModel::ConfidenceRole);
    if (confidence.isValid()) {
        QFont f = option.font;
        f.setPointSizeF(f.pointSizeF() * 0.75);
        const QFontMetrics fm(f);
        const QString text = QStringLiteral("%1%").arg(qRound(confidence.toDouble() * 100));
        const int h = fm.height() + 2;
        const QRect pill(pictureRect.left() + 3, pictureRect.top() + 3, h + fm.horizontalAdvance(text) + 6, h);
        painter->setPen(Qt::NoPen);
        painter->setBrush(QColor(0, 0, 0, 150));
        painter->drawRoundedRect(pill, h / 2.0, h / 2.0);
        const QColor predicted = index.data(ImageListModel::PredictedClassColorRole).value<QColor>();
        painter->setPen(QPen(Qt::white, 1));
        painter->setBrush(predicted.isValid() ? predicted : QColor(Qt::gray));
        painter->drawEllipse(QRectF(pill.left() + 2.5, pill.top() + 2.5, h - 5, h - 5));
        painter->setFont(f);
        painter->drawText(pill.adjusted(h - 1, 0, -3, 0), Qt::AlignCenter, text);
    }

    // Caption: the file name, elided in the middle so that numbered names stay distinguishable.
    const QRect textRect(cell.left() + 2, area.bottom() + 3, cell.width() - 4, cell.bottom() - area.bottom() - 3);
    painter->setFont(option.font);
    painter->setPen(pal.color(selected ? QPalette::Text : QPalette::Text));
    const QString caption = option.fontMetrics.elidedText(index.data(Qt::DisplayRole).toString(), Qt::ElideMiddle,
                                                          textRect.width());
    painter->drawText(textRect, Qt::AlignHCenter | Qt::AlignTop, caption);
    painter->restore();
}

}  // namespace tessera::ui
