#include "ui/review/predictworker.h"

#include <QThread>

#include <chrono>
#include <unordered_map>

#include "core/predict/predictionjob.h"
#include "core/predict/predictor.h"
#include "core/project/projectstore.h"

namespace tessera::ui {

namespace {

QImage toQImage(const cv::Mat& rgb) {
    return QImage(rgb.data, rgb.cols, rgb.rows, int(rgb.step), QImage::Format_RGB888).copy();
}

}  // namespace

ReviewItem reviewItemOf(const project::ImageRecord& image, const std::filesystem::path& projectRoot) {
    ReviewItem it;
    it.imageId = image.id;
    it.relPath = QString::fromStdString(image.relPath);
    it.absPath = QString::fromStdString((projectRoot / image.relPath).string());
    it.contentHash = QString::fromStdString(image.contentHash);
    return it;
}

Expected<QVector<ReviewItem>> reviewItemsOf(const project::ProjectStore& store,
                                            const std::vector<project::PredictionRecord>& predictions) {
    auto images = store.images();
    if (!images) return images.takeError();
    auto disputed = store.disputedImages();
    if (!disputed) return disputed.takeError();
    std::unordered_map<int64_t, const project::ImageRecord*> byId;
    for (const auto& im : *images) byId.emplace(im.id, &im);
    QVector<ReviewItem> items;
    items.reserve(qsizetype(predictions.size()));
    for (const auto& p : predictions) {
        const auto im = byId.find(p.imageId);
        if (im == byId.end() || disputed->count(p.imageId)) continue;  // removed by a scan since, or disputed
        ReviewItem it = reviewItemOf(*im->second, store.root());
        it.confidence = float(p.confidence);
        for (const auto& c : p.top) {
            it.topClasses << QString::fromStdString(c.className);
            it.topProbs << float(c.probability);
        }
        items << it;
    }
    return items;
}

PredictWorker::PredictWorker() {
    qRegisterMetaType<ReviewItem>();
    qRegisterMetaType<QVector<ReviewItem>>();
    qRegisterMetaType<PredictRequest>();
}

PredictWorker::~PredictWorker() = default;

void PredictWorker::openModel(const QString& bundlePath) {
    predictor_.reset();
    bundle_.clear();
    learn::PredictOptions options = learn::PredictOptions::defaults();
    options.topK = 3;
    options.threads = std::max(1, QThread::idealThreadCount() - 1);  // one core stays with the GUI
    auto p = learn::Predictor::open(bundlePath.toStdString(), options);
    if (!p.ok()) {
        emit modelOpened(false, QString::fromStdString(p.error()), {});
        return;
    }
    predictor_ = std::make_unique<learn::Predictor>(std::move(*p));
    bundle_ = bundlePath;
    QStringList names;
    for (const auto& n : predictor_->classNames()) names << QString::fromStdString(n);
    emit modelOpened(true, QString::fromStdString(predictor_->deviceName()), names);
}

namespace {

// Hands the results to the GUI as ReviewItems, in batches at most every kBatchIntervalMs.
class ReviewItemSink final : public learn::PredictionSink {
public:
    ReviewItemSink(PredictWorker& worker, const QVector<ReviewItem>& items) : worker_(worker), items_(items) {}
    void add(const learn::Prediction& p) override {
        ReviewItem item = items_[index_++];
        if (!p.error.empty()) item.error = QString::fromStdString(p.error);
        for (const auto& c : p.top) {
            item.topClasses << QString::fromStdString(c.className);
            item.topProbs << c.probability;
        }
        item.confidence = p.top.empty() ? 0.f : p.top.front().probability;
        item.probabilities = QVector<float>(p.probabilities.begin(), p.probabilities.end());
        pending_ << item;
        const auto now = std::chrono::steady_clock::now();
        if (now - last_ >= std::chrono::milliseconds(PredictWorker::kBatchIntervalMs) || index_ == items_.size()) {
            last_ = now;
            flush();
        }
    }
    Status finish(bool) override {
        flush();
        return {};
    }

private:
    void flush() {
        if (!pending_.isEmpty()) emit worker_.results(pending_);
        pending_.clear();
    }
    PredictWorker& worker_;
    const QVector<ReviewItem>& items_;
    QVector<ReviewItem> pending_;
    qsizetype index_ = 0;
    std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace

void PredictWorker::predict(const PredictRequest& request, const Ticket& ticket) {
    if (!predictor_) {
        emit finished(false, tr("No model is open."));
        return;
    }
    std::vector<std::filesystem::path> files;
    files.reserve(size_t(request.items.size()));
    for (const auto& it : request.items) files.push_back(it.absPath.toStdString());

    ReviewItemSink shown(*this, request.items);
    std::vector<learn::PredictionSink*> sinks{&shown};
    auto stored = learn::ProjectPredictionSink::open(request.root.toStdString(), bundle_.toStdString());
    if (stored) sinks.push_back(stored->get());
    const auto counts = learn::runPredictionJob(*predictor_, files, sinks, ticket->context());
    const QString storeNote =
        stored ? QString() : tr(" The predictions could not be saved: %1").arg(QString::fromStdString(stored.error()));
    if (!counts.ok()) {
        emit finished(false, QString::fromStdString(counts.error()) + storeNote);
        return;
    }
    QString message = tr("Classified %n photo(s).", nullptr, int(counts->classified));
    if (counts->unreadable) message += tr(" %n could not be read.", nullptr, int(counts->unreadable));
    emit finished(true, message + storeNote);
}

void PredictWorker::gradCam(qint64 imageId, const QString& absPath) {
    if (!predictor_) return;
    auto r = predictor_->gradCam(absPath.toStdString());
    if (!r.ok()) {
        emit gradCamReady(imageId, QImage(), QString::fromStdString(r.error()));
        return;
    }
    const QString name = r->classIndex < int(predictor_->classNames().size())
                             ? QString::fromStdString(predictor_->classNames()[size_t(r->classIndex)])
                             : QString::number(r->classIndex);
    emit gradCamReady(imageId, toQImage(r->overlay),
                      tr("Red: the regions that drove “%1” (%2 %)").arg(name).arg(100.0 * r->probability, 0, 'f', 0));
}

}  // namespace tessera::ui
