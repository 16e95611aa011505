#include "core/evaluate/evaluator.h"

#include <map>
#include <thread>

#include "core/device/devicechoice_torch.h"
#include "core/train/imagecache_torch.h"
#include "core/train/labelledset.h"
#include "core/train/trainloop_torch.h"
#include "core/nn/modelbundle_torch.h"
#include "core/project/projectstore.h"

namespace tessera::learn {

Expected<EvaluationReport> Evaluator::evaluate(const std::filesystem::path& modelFile,
                                               const std::filesystem::path& projectRoot,
                                               const EvaluateOptions& options, const JobContext& ctx) {
    try {
        at::init_num_threads();
        at::set_num_threads(options.threads > 0 ? options.threads
                                                : int(std::max(1u, std::thread::hardware_concurrency())));
        auto chosen = chooseDevice(options.device);
        if (!chosen) return chosen.takeError();
        const torch::Device device = *chosen;
        auto loaded = nn::ModelBundleIO::load(modelFile.string());
        if (!loaded) return loaded.takeError();
        const auto& pre = loaded->manifest.preprocessing;
        auto store = project::ProjectStore::open(projectRoot, false);
        if (!store) return store.takeError();
        // Every labelled photo, flagged or not: the decoder says what is wrong with a photo now.
        auto setOptions = LabelledSetOptions::defaults();
        setOptions.dropUnusable = false;
        auto set = LabelledSet::read(*store, setOptions);
        if (!set) return set.takeError();
        auto splits = store->splits();
        if (!splits) return splits.takeError();

        EvaluationReport rep;
        rep.classNames = loaded->manifest.classNames;
        rep.disputedLeftOut = int64_t(set->disputed().size());  // an open attribution is no truth to score against
        bool haveVal = false;
        for (const auto& [id, kind] : *splits) haveVal = haveVal || kind == project::SplitKind::Validation;
        if (options.subset == "validation" && !haveVal)
            return makeError(projectRoot.string() + ": the project has no validation split (train first, or use all)");
        rep.subset = (options.subset == "all" || (options.subset == "auto" && !haveVal)) ? "all" : "validation";

        // Project class id -> model class index, by name.
        std::map<int64_t, int64_t> toModel;
        for (const auto& c : set->allClasses())
            for (size_t k = 0; k < rep.classNames.size(); ++k)
                if (rep.classNames[k] == c.name) toModel[c.id] = int64_t(k);

        if (toModel.empty()) {
            std::string projectClasses;
            for (const auto& c : set->allClasses()) projectClasses += (projectClasses.empty() ? "" : ", ") + c.name;
            std::string modelClasses;
            for (const auto& name : rep.classNames) modelClasses += (modelClasses.empty() ? "" : ", ") + name;
            return makeError("the model " + modelFile.string() + " knows none of the project's classes, so there is "
                             "nothing to evaluate (model: " + modelClasses + "; project: " +
                             (projectClasses.empty() ? std::string("none") : projectClasses) + ")");
        }
        std::vector<CacheRequest> req;
        std::vector<int64_t> target;
        for (const auto* li : set->labelled()) {
            const auto& im = li->image;
            if (rep.subset == "validation") {
                auto s = splits->find(im.id);
                if (s == splits->end() || s->second != project::SplitKind::Validation) continue;
            }
            auto m = toModel.find(li->classId);
            if (m == toModel.end()) {
                rep.skipped.push_back(im.relPath + ": its class is not one the model knows");
                continue;
            }
            req.push_back({projectRoot / im.relPath, im.contentHash});
            target.push_back(m->second);
        }
        if (req.empty())
            return makeError(projectRoot.string() + ": no labelled photo " +
                             (rep.subset == "validation" ? std::string("of the validation split ") : std::string()) +
                             "belongs to a class the model " + modelFile.filename().string() + " knows; nothing to "
                             "evaluate");
        ImageCacheOptions co;
        // Tessera's own bundles say canvas_then_center_crop with the trainer's canvas: the cache then gives exactly
        // the validation input. Other policies are approximated by the canvas the trainer would use for that crop.
        co.canvas = pre.canvasSize > 0 ? pre.canvasSize : ImageCache::canvasForCrop(pre.inputSize);
        co.framing = framingNamed(pre.framing);
        auto cached = ImageCache(store->dataDir() / "cache", co).load(req, ctx);
        if (!cached) return cached.takeError();
        for (const auto& f : cached->failures) rep.skipped.push_back(f);
        TrainData data;
        data.pixels = cached->pixels;
        data.boxes = cached->boxes;
        data.labels = target;
        data.classNames = rep.classNames;
        for (size_t i = 0; i < req.size(); ++i)
            if (cached->ok[i]) data.valIndex.push_back(int64_t(i));
        loaded->model->to(device);
        auto r = TrainLoop::evaluate(loaded->model, data, data.valIndex, device, pre.inputSize,
                                     std::max(1, options.batchSize));
        rep.images = int64_t(data.valIndex.size());
        rep.accuracy = r.accuracy;
        rep.loss = r.loss;
        rep.precision = r.precision;
        rep.recall = r.recall;
        rep.confusion = r.confusion;
        return rep;
    } catch (const c10::Error& e) {
        return makeError(std::string("evaluation failed: ") + e.what_without_backtrace());
    } catch (const std::exception& e) {
        return makeError(std::string("evaluation failed: ") + e.what());
    }
}

}  // namespace tessera::learn
