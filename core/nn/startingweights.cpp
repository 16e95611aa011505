#include "core/nn/startingweights.h"

#include "core/nn/modelzoo.h"

namespace tessera::nn {
namespace {

StartingWeights randomStart(std::string why = {}) {
    return {{}, {}, why.empty() ? std::string("none (random start)") : "none -- " + why, {}};
}

StartingWeights fromCache(const ZooEntry& e, const WeightsCache& cache) {
    const auto path = cache.pathFor(e);
    return {path, e.name, "ImageNet-pretrained " + e.name + " (" + path.string() + ")", {}};
}

StartingWeights automatic(const std::string& arch, const WeightsCache& cache) {
    auto zoo = ModelZoo::load();
    const ZooEntry* entry = zoo ? zoo->defaultFor(arch) : nullptr;
    if (!entry) return randomStart("no pretrained weights are known for " + arch + ": training from scratch");
    if (cache.has(*entry)) return fromCache(*entry, cache);
    auto s = randomStart("the ImageNet weights for " + arch + " are not in " + cache.dir().string() +
                         ", so this trains from scratch (less accurate on small collections)");
    s.advice = "Get them with 'tessera-cli weights download " + entry->name + "', or offline 'tessera-cli weights import " +
               entry->name + " FILE'";
    return s;
}

}  // namespace

Expected<StartingWeights> resolveStartingWeights(const std::string& choice, const std::string& arch, WeightsFetch fetch,
                                                 const JobContext& ctx, const WeightsCache& cache) {
    if (choice == kAutoWeights) return automatic(arch, cache);
    if (choice.empty() || choice == kNoWeights) return randomStart();
    std::error_code ec;
    if (std::filesystem::is_regular_file(choice, ec)) return StartingWeights{choice, {}, choice, {}};
    auto zoo = ModelZoo::load();
    if (!zoo) return makeError("weights " + choice + ": not a file, and the model zoo could not be read: " + zoo.error());
    const ZooEntry* e = zoo->find(choice);
    if (!e)
        return makeError("weights " + choice + ": neither a file nor a model-zoo name (see 'tessera-cli weights list')");
    if (cache.has(*e)) return fromCache(*e, cache);
    if (fetch == WeightsFetch::CacheOnly)
        return makeError("weights " + choice + ": not on this computer yet; download them ('tessera-cli weights "
                         "download " + e->name + "') or import a copy ('tessera-cli weights import " + e->name + " FILE')");
    auto path = cache.download(*e, ctx);
    if (!path) return makeError("weights " + choice + ": " + path.error());
    return fromCache(*e, cache);
}

StartingWeights cachedFeatureWeights(const WeightsCache& cache) {
    auto zoo = ModelZoo::load();
    if (!zoo) return randomStart();
    if (const ZooEntry* e = zoo->find("resnet18"); e && cache.has(*e)) return fromCache(*e, cache);
    for (const auto& e : zoo->entries())
        if (e.defaultForArch && cache.has(e)) return fromCache(e, cache);
    return randomStart();
}

}  // namespace tessera::nn
