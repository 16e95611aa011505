#include "ui/predictworker.h"

#include <QThread>

#include <chrono>

#include "core/learn/predictor.h"
#include "core/project/projectstore.h"

namespace tessera::ui {

namespace {

QImage toQImage(const cv::Mat& rgb) {
    return QImage(rgb.data, rgb.cols, rgb.rows, int(rgb.step), QImage::Format_RGB888).copy();
}

}  // namespace

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

void PredictWorker::predict(const PredictRequest& request) {
    if (!predictor_) {
        emit finished(false, tr("No model is open."));
        return;
    }
    cancel_.reset();
    JobContext ctx;
    ctx.cancel = cancel_;
    std::vector<std::filesystem::path> files;
    files.reserve(size_t(request.items.size()));
    for (const auto& it : request.items) files.push_back(it.absPath.toStdString());

    QVector<ReviewItem> pending;
    std::vector<project::PredictionRecord> records;
    auto last = std::chrono::steady_clock::now();
    int index = 0, failed = 0;
    const qint64 total = request.items.size();
    const Status st = predictor_->predict(files, [&](const learn::Prediction& p) {
        ReviewItem item = request.items[index++];
        if (!p.error.empty()) {
            item.error = QString::fromStdString(p.error);
            ++failed;
        }
        for (const auto& c : p.top) {
            item.topClasses << QString::fromStdString(c.className);
            item.topProbs << c.probability;
        }
        item.confidence = p.top.empty() ? 0.f : p.top.front().probability;
        item.probabilities = QVector<float>(p.probabilities.begin(), p.probabilities.end());
        if (request.runId > 0 && !p.top.empty()) {
            project::PredictionRecord r;
            r.imageId = item.imageId;
            r.runId = request.runId;
            r.classId = request.classIdByName.value(item.topClasses.front(), 0);
            r.confidence = item.confidence;
            for (const auto& c : p.top) r.top.push_back({c.className, c.probability});
            records.push_back(std::move(r));
        }
        pending << item;
        const auto now = std::chrono::steady_clock::now();
        if (now - last >= std::chrono::milliseconds(kBatchIntervalMs) || index == total) {
            last = now;
            emit results(pending);
            emit progress(index, total);
            pending.clear();
        }
    }, ctx);
    if (!pending.isEmpty()) emit results(pending);
    emit progress(index, total);

    QString storeNote;
    if (!records.empty()) {
        auto store = project::ProjectStore::open(request.root.toStdString(), false);
        const Status put = store.ok() ? store->putPredictions(records) : Status(store.takeError());
        if (!put.ok()) storeNote = tr(" The predictions could not be saved: %1").arg(QString::fromStdString(put.error()));
    }
    if (!st.ok()) {
        emit finished(false, QString::fromStdString(st.error()) + storeNote);
        return;
    }
    QString message = tr("Classified %n photo(s).", nullptr, index - failed);
    if (failed) message += tr(" %n could not be read.", nullptr, failed);
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
