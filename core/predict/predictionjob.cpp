#include "core/predict/predictionjob.h"

#include <cerrno>
#include <chrono>
#include <cstring>

#include <nlohmann/json.hpp>

#include "core/util/atomicfile.h"

namespace fs = std::filesystem;

namespace tessera::learn {
namespace {

std::string pathKey(const fs::path& file) {
    std::error_code ec;
    return fs::absolute(file, ec).lexically_normal().string();
}

std::string doneMarkerPath(const fs::path& out) { return out.string() + ".done"; }

}  // namespace

Expected<int64_t> runOfModel(const project::ProjectStore& store, const fs::path& model) {
    auto runs = store.runs();
    if (!runs) return runs.takeError();
    const std::string wanted = pathKey(model);
    for (const auto& r : *runs)
        if (!r.modelPath.empty() && pathKey(store.dataDir() / r.modelPath) == wanted) return r.id;
    return int64_t(0);
}

// --- the prediction file ---

Expected<std::unique_ptr<PredictionFileSink>> PredictionFileSink::open(const fs::path& out, PredictionFormat format,
                                                                       int topK, std::string modelId, Shard shard) {
    std::unique_ptr<PredictionFileSink> sink(new PredictionFileSink());
    sink->out_ = out;
    sink->format_ = format;
    sink->topK_ = topK;
    sink->modelId_ = std::move(modelId);
    sink->shard_ = shard;
    const std::string name = out.string();
    const std::string header = PredictionTable::header(format, topK);
    std::error_code ec;
    bool fresh = true;
    if (fs::exists(out, ec) && fs::file_size(out, ec) > 0) {
        auto prev = PredictionTable::read(out, format);
        if (!prev) return makeError(prev.error() + " (use another --out, or delete the file to start over)");
        if (format == PredictionFormat::Csv && prev->completeBytes > 0 && prev->header != header)
            return makeError(name + ": its columns differ from this run's (another --top-k?); use another --out");
        for (const auto& r : prev->records) {
            if (r.model != sink->modelId_)
                return makeError(name + ":" + std::to_string(r.line) + ": written by another model (" + r.model +
                                 ", this one is " + sink->modelId_ + "); use another --out");
            sink->done_.insert(r.file);
        }
        if (prev->completeBytes < prev->totalBytes) {
            fs::resize_file(out, uintmax_t(prev->completeBytes), ec);
            if (ec) return makeError(name + ": cannot cut off the partial last record: " + ec.message());
            sink->cutBytes_ = prev->totalBytes - prev->completeBytes;
        }
        fresh = prev->completeBytes == 0;
    }
    sink->file_ = std::fopen(name.c_str(), fresh ? "wb" : "ab");
    if (!sink->file_) return makeError("cannot write '" + name + "': " + std::strerror(errno));
    if ((fresh && std::fputs(header.c_str(), sink->file_) < 0) || std::fflush(sink->file_) != 0)
        sink->writeError_ = errno != 0 ? errno : EIO;
    fs::remove(doneMarkerPath(out), ec);  // complete again only when this run finishes
    return sink;
}

PredictionFileSink::~PredictionFileSink() {
    if (file_) std::fclose(file_);
}

void PredictionFileSink::add(const Prediction& p) {
    if (writeError_ != 0 || !file_) return;
    const std::string row = PredictionTable::row(format_, p, topK_, modelId_);
    // Flushed per record: a kill loses at most the record being written, which open() repairs.
    if (std::fwrite(row.data(), 1, row.size(), file_) != row.size() || std::fflush(file_) != 0)
        writeError_ = errno != 0 ? errno : EIO;
}

Status PredictionFileSink::finish(bool complete) {
    if (file_) {
        if (std::fclose(file_) != 0 && writeError_ == 0) writeError_ = errno != 0 ? errno : EIO;
        file_ = nullptr;
    }
    if (writeError_ != 0)
        return makeError("cannot write '" + out_.string() + "': " + std::strerror(writeError_) +
                         "; the rows written so far are kept, and the same command resumes after the last one");
    if (!complete) return {};
    nlohmann::ordered_json marker{{"shard", shard_.k}, {"of", shard_.n}, {"inputs", shard_.inputs},
                                  {"rows", shard_.rows}, {"model", modelId_}};
    return util::writeFileAtomically(doneMarkerPath(out_), marker.dump(2) + "\n");
}

// --- the project's store ---

Expected<std::unique_ptr<ProjectPredictionSink>> ProjectPredictionSink::open(const fs::path& projectFolder,
                                                                             const fs::path& model) {
    auto store = project::ProjectStore::open(projectFolder, /*create=*/false);
    if (!store) return store.takeError();
    std::unique_ptr<ProjectPredictionSink> sink(new ProjectPredictionSink(std::move(*store)));
    auto run = runOfModel(sink->store_, model);
    if (!run) return run.takeError();
    sink->runId_ = *run;
    if (sink->runId_ == 0) return sink;
    auto images = sink->store_.images();
    if (!images) return images.takeError();
    for (const auto& im : *images) sink->imageIdByPath_[pathKey(sink->store_.root() / im.relPath)] = im.id;
    auto classes = sink->store_.classes();
    if (!classes) return classes.takeError();
    for (const auto& c : *classes) sink->classIdByName_[c.name] = c.id;
    return sink;
}

void ProjectPredictionSink::add(const Prediction& p) {
    if (runId_ == 0 || p.top.empty()) return;
    const auto image = imageIdByPath_.find(pathKey(p.file));
    if (image == imageIdByPath_.end()) return;
    project::PredictionRecord r;
    r.imageId = image->second;
    r.runId = runId_;
    const auto cls = classIdByName_.find(p.top.front().className);
    r.classId = cls == classIdByName_.end() ? 0 : cls->second;
    r.confidence = p.top.front().probability;
    for (const auto& c : p.top) r.top.push_back({c.className, c.probability});
    records_.push_back(std::move(r));
}

Status ProjectPredictionSink::finish(bool) {
    if (records_.empty()) return {};
    if (auto st = store_.putPredictions(records_); !st)
        return makeError(store_.root().string() + ": the calls could not be kept in the project: " + st.error());
    return {};
}

// --- the job ---

Expected<PredictionCounts> runPredictionJob(Predictor& predictor, const std::vector<fs::path>& files,
                                            const std::vector<PredictionSink*>& sinks, const JobContext& ctx) {
    PredictionCounts counts;
    const auto start = std::chrono::steady_clock::now();
    const Status predicted = predictor.predict(
        files,
        [&](const Prediction& p) {
            if (!p.error.empty())
                ++counts.unreadable;
            else
                ++counts.classified, counts.unknown += p.unknown ? 1 : 0;
            for (PredictionSink* sink : sinks) sink->add(p);
        },
        ctx);
    counts.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    Status firstSinkError;
    for (PredictionSink* sink : sinks)
        if (auto st = sink->finish(predicted.ok()); !st && firstSinkError.ok()) firstSinkError = std::move(st);
    if (!firstSinkError) return firstSinkError.takeError();
    if (!predicted) return predicted.takeError();
    return counts;
}

}  // namespace tessera::learn
