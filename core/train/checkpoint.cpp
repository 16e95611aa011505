#include "core/train/checkpoint_torch.h"

#include <limits>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/train/runcard.h"
#include "core/util/atomicfile.h"
#include "core/util/jsonread.h"

namespace tessera::learn {
namespace fs = std::filesystem;

namespace {

Status saveAtomic(torch::serialize::OutputArchive& archive, const fs::path& file) {
    auto out = util::AtomicFile::create(file);
    if (!out) return makeError("checkpoint: " + out.error());
    Status written;
    try {
        // LibTorch cannot unwind from a failed write to a file (its writer completes the file in its destructor and
        // the program aborts), so it writes through us: we keep the first error and let it finish.
        archive.save_to([&](const void* data, size_t size) -> size_t {
            if (written) written = out->write(std::string_view(static_cast<const char*>(data), size));
            return size;
        });
    } catch (const c10::Error& e) {
        return makeError("checkpoint: " + out->fail(std::string(e.what_without_backtrace()).substr(0, 200)).message);
    }
    if (!written) return makeError("checkpoint: " + written.error());
    if (auto st = out->commit(); !st) return makeError("checkpoint: " + st.error());
    return {};
}

}  // namespace

Status linkOrCopy(const fs::path& from, const fs::path& to) {
    const fs::path tmp = to.string() + ".tmp";
    std::error_code ec;
    fs::remove(tmp, ec);
    fs::create_hard_link(from, tmp, ec);
    if (ec) {
        ec.clear();
        fs::copy_file(from, tmp, fs::copy_options::overwrite_existing, ec);
    }
    if (!ec) fs::rename(tmp, to, ec);
    if (ec) {
        const std::string why = ec.message();
        fs::remove(tmp, ec);
        return makeError("checkpoint: cannot write '" + to.string() + "': " + why);
    }
    return {};
}

Status writeCheckpoint(const fs::path& file, nn::ResNet& model, torch::optim::Optimizer& optimizer,
                       const LoopProgress& progress, const TrainOptions& options) {
    torch::serialize::OutputArchive archive, m, o;
    model->save(m);
    optimizer.save(o);
    nlohmann::json meta{{"nextEpoch", progress.nextEpoch}, {"bestLoss", progress.bestLoss},
                        {"bestEpoch", progress.bestEpoch}, {"sinceBest", progress.sinceBest},
                        {"batch", progress.batch}, {"scaler", progress.scalerState},
                        {"options", RunCard::toJson(options)}};
    auto& hist = meta["history"] = nlohmann::json::array();
    for (const auto& h : progress.history) hist.push_back(RunCard::toJson(h));
    archive.write("model", m);
    archive.write("optimizer", o);
    archive.write("meta", c10::IValue(meta.dump()));
    return saveAtomic(archive, file);
}

Expected<LoopProgress> readCheckpoint(const fs::path& file, nn::ResNet& model, torch::optim::Optimizer& optimizer) {
    // A checkpoint cut short (a full disk, a kill while it was written before atomic saves) or from elsewhere: say
    // which file, rather than fail as an internal error.
    try {
        torch::serialize::InputArchive archive, m, o;
        archive.load_from(file.string());
        archive.read("model", m);
        model->load(m);
        archive.read("optimizer", o);
        optimizer.load(o);
        c10::IValue metaValue;
        archive.read("meta", metaValue);
        const auto meta = nlohmann::json::parse(metaValue.toStringRef());
        const auto nextEpoch = jsonAs<int>(meta.value("nextEpoch", nlohmann::json()));
        if (!nextEpoch || *nextEpoch < 0) throw std::runtime_error("no valid nextEpoch in its metadata");
        LoopProgress p;
        p.nextEpoch = *nextEpoch;
        p.bestLoss = jsonValueOr(meta, "bestLoss", std::numeric_limits<double>::infinity());
        p.bestEpoch = jsonValueOr(meta, "bestEpoch", -1);
        p.sinceBest = jsonValueOr(meta, "sinceBest", 0);
        p.batch = jsonValueOr(meta, "batch", 0);
        p.scalerState = jsonValueOr(meta, "scaler", std::vector<double>{});
        for (const auto& e : meta.at("history")) p.history.push_back(RunCard::epochFromJson(e));
        return p;
    } catch (const std::exception& e) {
        return makeError("cannot resume from " + file.string() + ": the checkpoint is damaged or incomplete (" +
                         std::string(e.what()).substr(0, 200) + "); delete it to start the run afresh");
    }
}

}  // namespace tessera::learn
