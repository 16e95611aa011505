#include "ui/dataset/imageviewer.h"

#include <QDir>
#include <QGraphicsPixmapItem>
#include <QGraphicsScene>
#include <QGraphicsView>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QToolButton>
#include <QVBoxLayout>
#include <QWheelEvent>

#include <cmath>

#include "core/imaging/imagedecoder.h"
#include "core/project/imagerecord.h"
#include "ui/dataset/imagelistmodel.h"
#include "ui/shared/jobrunner.h"

namespace tessera::ui {

ImageViewer::ImageViewer(JobRunner* jobs, QWidget* parent) : QWidget(parent), jobs_(jobs) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);

    auto* tools = new QHBoxLayout;
    tools->setContentsMargins(6, 4, 6, 0);
    const auto makeButton = [this, tools](const QString& text, const QString& tip) {
        auto* b = new QToolButton(this);
        b->setText(text);
        b->setToolTip(tip);
        b->setAutoRaise(true);
        tools->addWidget(b);
        return b;
    };
    fit_ = makeButton(tr("Fit"), tr("Zoom to fit the pane"));
    actual_ = makeButton(tr("1:1"), tr("Show one image pixel per screen pixel"));
    rotateLeft_ = makeButton(QStringLiteral("⟲"), tr("Rotate the view 90° left (the file is not changed)"));
    rotateRight_ = makeButton(QStringLiteral("⟳"), tr("Rotate the view 90° right (the file is not changed)"));
    tools->addStretch(1);
    layout->addLayout(tools);

    scene_ = new QGraphicsScene(this);
    item_ = scene_->addPixmap(QPixmap());
    item_->setTransformationMode(Qt::SmoothTransformation);
    view_ = new QGraphicsView(scene_, this);
    view_->setDragMode(QGraphicsView::ScrollHandDrag);
    view_->setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    view_->setRenderHints(QPainter::Antialiasing | QPainter::SmoothPixmapTransform);
    view_->setBackgroundBrush(QColor(0x2b, 0x2b, 0x2b));
    view_->setFrameShape(QFrame::NoFrame);
    view_->viewport()->installEventFilter(this);
    view_->setMinimumHeight(160);
    layout->addWidget(view_, 1);

    message_ = new QLabel(view_);
    message_->setAlignment(Qt::AlignCenter);
    message_->setStyleSheet(QStringLiteral("color: #d0d0d0; background: transparent;"));
    message_->setWordWrap(true);

    facts_ = new QLabel(this);
    facts_->setTextFormat(Qt::RichText);
    facts_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    facts_->setWordWrap(true);
    facts_->setContentsMargins(8, 4, 8, 8);
    facts_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    layout->addWidget(facts_);

    connect(fit_, &QToolButton::clicked, this, &ImageViewer::zoomToFit);
    connect(actual_, &QToolButton::clicked, this, [this] {
        fitMode_ = false;
        view_->resetTransform();
        view_->rotate(rotation_);
    });
    connect(rotateLeft_, &QToolButton::clicked, this, [this] { rotate(-90); });
    connect(rotateRight_, &QToolButton::clicked, this, [this] { rotate(90); });
    setIndex(QModelIndex());
}

ImageViewer::~ImageViewer() = default;

bool ImageViewer::hasImage() const { return !item_->pixmap().isNull(); }

void ImageViewer::setIndex(const QModelIndex& index) {
    index_ = index;
    ++request_;
    item_->setPixmap(QPixmap());
    rotation_ = 0;
    refreshFacts();
    const bool enabled = index.isValid();
    for (QToolButton* b : {fit_, actual_, rotateLeft_, rotateRight_}) b->setEnabled(enabled);
    if (!index.isValid()) {
        message_->setText(tr("Select an image to see it here."));
        message_->resize(view_->size());
        message_->show();
        return;
    }
    message_->setText(tr("Loading…"));
    message_->resize(view_->size());
    message_->show();
    const QString path = index.data(ImageListModel::AbsolutePathRole).toString();
    const quint64 request = request_;
    auto decode = [path, request](const JobContext&) {
        Decoded result;
        result.request = request;
        imaging::DecodeOptions options;
        options.minLongSide = kViewLongSide;
        auto decoded = imaging::ImageDecoder::decode(path.toStdString(), options);
        if (!decoded.ok()) {
            result.error = QString::fromStdString(decoded.error());
            return result;
        }
        cv::Mat rgb = decoded->isContinuous() ? *decoded : decoded->clone();
        result.image = QImage(rgb.data, rgb.cols, rgb.rows, int(rgb.step), QImage::Format_RGB888).copy();
        return result;
    };
    jobs_->run(tr("Opening a photo"), this, std::move(decode), [this](const Decoded& result) { onDecoded(result); },
               JobRunner::Listing::Hidden);
}

void ImageViewer::onDecoded(const Decoded& result) {
    if (result.request != request_) return;  // the selection moved on meanwhile
    if (result.image.isNull()) {
        message_->setText(tr("This image cannot be shown:\n%1").arg(result.error));
        message_->show();
        return;
    }
    message_->hide();
    item_->setPixmap(QPixmap::fromImage(result.image));
    scene_->setSceneRect(item_->boundingRect());
    // The decode may be DCT-reduced: scale the item so that 1:1 means one pixel of the original photo.
    const int originalWidth = index_.data(ImageListModel::WidthRole).toInt();
    const double scale = originalWidth > 0 && result.image.width() > 0 ? double(originalWidth) / result.image.width() : 1.0;
    item_->setScale(scale);
    scene_->setSceneRect(item_->sceneBoundingRect());
    zoomToFit();
}

void ImageViewer::refreshFacts() {
    if (!index_.isValid()) {
        facts_->setText(QString());
        return;
    }
    const QModelIndex& i = index_;
    const QLocale loc;
    const auto esc = [](const QString& s) { return s.toHtmlEscaped(); };
    QString html = QStringLiteral("<b>%1</b><br>").arg(esc(i.data(ImageListModel::FileNameRole).toString()));
    const QString cls = i.data(ImageListModel::ClassNameRole).toString();
    const QColor color = i.data(ImageListModel::ClassColorRole).value<QColor>();
    html += cls.isEmpty() ? tr("<i>Unlabelled</i>")
                          : QStringLiteral("<span style='color:%1'>■</span> %2").arg(color.name(), esc(cls));
    html += QStringLiteral("<br>");
    const int w = i.data(ImageListModel::WidthRole).toInt(), h = i.data(ImageListModel::HeightRole).toInt();
    if (w > 0)
        html += tr("%1 × %2 px (%3 MP)").arg(w).arg(h).arg(loc.toString(double(w) * h / 1e6, 'f', 1)) + QStringLiteral(" · ");
    html += loc.formattedDataSize(i.data(ImageListModel::FileSizeRole).toLongLong());
    const QString format = i.data(ImageListModel::FormatRole).toString();
    if (!format.isEmpty()) html += QStringLiteral(" · ") + esc(format.toUpper());
    html += QStringLiteral("<br><span style='color:gray'>%1</span>")
                .arg(esc(QDir::toNativeSeparators(i.data(ImageListModel::RelPathRole).toString())));
    const uint flags = i.data(ImageListModel::FlagsRole).toUInt();
    const QStringList names = ImageListModel::flagNames(flags & ImageListModel::kWarningFlags);
    if (!names.isEmpty()) {
        html += QStringLiteral("<br><span style='color:#b35900'>⚠ %1</span>").arg(esc(names.join(QStringLiteral(", "))));
        const QString error = i.data(ImageListModel::ErrorRole).toString();
        if (!error.isEmpty()) html += QStringLiteral("<br><span style='color:#b00020'>%1</span>").arg(esc(error));
    }
    facts_->setText(html);
}

void ImageViewer::zoomBy(double factor) {
    fitMode_ = false;
    const double current = std::hypot(view_->transform().m11(), view_->transform().m12());
    const double next = current * factor;
    if (next < 0.02 || next > 32) return;
    view_->scale(factor, factor);
}

void ImageViewer::zoomToFit() {
    fitMode_ = true;
    view_->resetTransform();
    view_->rotate(rotation_);
    if (hasImage()) view_->fitInView(item_, Qt::KeepAspectRatio);
}

void ImageViewer::rotate(int degrees) {
    rotation_ = (rotation_ + degrees + 360) % 360;
    if (fitMode_) zoomToFit();
    else view_->rotate(degrees);
}

bool ImageViewer::eventFilter(QObject* watched, QEvent* event) {
    if (watched == view_->viewport() && event->type() == QEvent::Wheel && hasImage()) {
        const auto* wheel = static_cast<QWheelEvent*>(event);
        zoomBy(std::pow(1.0015, wheel->angleDelta().y()));
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

void ImageViewer::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    message_->resize(view_->size());
    if (fitMode_ && hasImage()) zoomToFit();
}

}  // namespace tessera::ui
