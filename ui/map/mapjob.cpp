#include "ui/map/mapjob.h"

#include <QThread>

#include <algorithm>
#include <chrono>

#include "core/fewshot/quickmodel.h"
#include "ui/review/quickmodelworker.h"

namespace tessera::ui {

MapResult computeMap(const QString& root, const QString& bundle, const learn::FeatureMapOptions& options,
                     const JobContext& ctx) {
    const auto t0 = std::chrono::steady_clock::now();
    MapResult result;
    result.root = root;
    const auto finish = [&] {
        result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        return result;
    };
    const Backbone backbone = chooseBackbone(bundle);
    if (backbone.path.isEmpty()) {
        result.message =
            QObject::tr("The map needs features: train a model or download pretrained weights (Train mode).");
        return finish();
    }
    result.backbone = backbone.label;
    learn::QuickModelOptions qo = learn::QuickModelOptions::defaults();
    qo.embedding.threads = std::max(1, QThread::idealThreadCount() - 1);  // one core stays with the GUI
    auto model = learn::QuickModel::open(root.toStdString(), backbone.path.toStdString(), qo);
    if (!model) {
        result.message =
            QObject::tr("The map cannot use %1: %2").arg(backbone.path, QString::fromStdString(model.error()));
        return finish();
    }
    if (auto st = model->refresh(ctx); !st) {
        result.message = QString::fromStdString(st.error());
        return finish();
    }
    constexpr int kFolds = 5;
    auto map = learn::mapCollection(*model, options, kFolds, ctx);
    if (!map) {
        result.message = QString::fromStdString(map.error());
        return finish();
    }
    result.ok = true;
    result.map = std::make_shared<const learn::CollectionMap>(std::move(*map));
    return finish();
}

}  // namespace tessera::ui
