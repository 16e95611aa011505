#include "ui/map/mapworker.h"

#include <QThread>

#include <algorithm>
#include <chrono>

#include "core/fewshot/quickmodel.h"
#include "ui/review/quickmodelworker.h"

namespace tessera::ui {

MapWorker::MapWorker() { qRegisterMetaType<MapResult>(); }

void MapWorker::compute(int request, const QString& root, const QString& bundle,
                        const learn::FeatureMapOptions& options, CancelToken cancel) {
    const auto t0 = std::chrono::steady_clock::now();
    MapResult result;
    result.root = root;
    result.request = request;
    const auto finish = [&] {
        result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        emit finished(result);
    };
    const Backbone backbone = chooseBackbone(bundle);
    if (backbone.path.isEmpty()) {
        result.message = tr("The map needs features: train a model or download pretrained weights (Train mode).");
        finish();
        return;
    }
    result.backbone = backbone.label;
    JobContext ctx;
    ctx.cancel = cancel;
    auto last = std::make_shared<std::chrono::steady_clock::time_point>();
    ctx.onProgress = [this, last, request](const Progress& p) {
        const auto now = std::chrono::steady_clock::now();
        if (now - *last < std::chrono::milliseconds(kProgressIntervalMs) && p.done != p.total) return;
        *last = now;
        emit progress(request, QString::fromStdString(p.stage), p.done, p.total);
    };
    learn::QuickModelOptions qo = learn::QuickModelOptions::defaults();
    qo.embedding.threads = std::max(1, QThread::idealThreadCount() - 1);  // one core stays with the GUI
    auto model = learn::QuickModel::open(root.toStdString(), backbone.path.toStdString(), qo);
    if (!model) {
        result.message = tr("The map cannot use %1: %2").arg(backbone.path, QString::fromStdString(model.error()));
        finish();
        return;
    }
    if (auto st = model->refresh(ctx); !st) {
        result.message = QString::fromStdString(st.error());
        finish();
        return;
    }
    constexpr int kFolds = 5;
    auto map = learn::mapCollection(*model, options, kFolds, ctx);
    if (!map) {
        result.message = QString::fromStdString(map.error());
        finish();
        return;
    }
    result.ok = true;
    result.map = std::make_shared<const learn::CollectionMap>(std::move(*map));
    finish();
}

}  // namespace tessera::ui
