#pragma once
// How predictions are saved. One job runs a Predictor over photos and hands every result, in input order, to its
// sinks; `tessera-cli predict` and Review's Classify both run it:
//   PredictionFileSink     a CSV or JSON-lines file (PredictionTable's columns), flushed per record, resumable after
//                          a kill (complete records of the same model are kept, a partial last one is cut off), with
//                          FILE.done written when every photo went through (what `merge` checks)
//   ProjectPredictionSink  the calls on a project's own photos, stored under the run of the model, so that Review
//                          and Dataset show them when the project is opened; kept even when the job is cut short
// Torch-free, for the CLI and the UI.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/predict/predictiontable.h"
#include "core/predict/predictor.h"
#include "core/project/projectstore.h"
#include "core/util/expected.h"
#include "core/util/jobcontext.h"

namespace tessera::learn {

class PredictionSink {
public:
    virtual ~PredictionSink() = default;
    virtual void add(const Prediction& p) = 0;  // in input order; a failure is remembered and reported by finish()
    // After the last photo. `complete`: every photo went through (no cancel, no device failure).
    virtual Status finish(bool complete) = 0;
};

// The run of the project whose model bundle is `model` (0 when no run made it).
Expected<int64_t> runOfModel(const project::ProjectStore& store, const std::filesystem::path& model);

class PredictionFileSink final : public PredictionSink {
public:
    // What FILE.done records: this shard (k of n) of how many inputs, the rows it holds, the model.
    struct Shard {
        int k = 1, n = 1;
        int64_t inputs = 0, rows = 0;
    };
    // Opens `out` for a run of the model `modelId` (PredictionTable::row's model column). An existing file is
    // continued: its complete records stay (alreadyDone() lists their files) when the same model wrote them with
    // the same columns, else the error says to use another file; a partial last record left by a kill is cut off.
    // FILE.done is removed until finish(true) writes it again.
    static Expected<std::unique_ptr<PredictionFileSink>> open(const std::filesystem::path& out, PredictionFormat format,
                                                              int topK, std::string modelId, Shard shard);
    ~PredictionFileSink() override;

    const std::unordered_set<std::string>& alreadyDone() const { return done_; }
    int64_t partialBytesRemoved() const { return cutBytes_; }

    void add(const Prediction& p) override;
    // Closes the file. A failed write names the file and the cause; the rows written so far are kept, so the same
    // run resumes after the last one.
    Status finish(bool complete) override;

private:
    PredictionFileSink() = default;
    std::filesystem::path out_;
    PredictionFormat format_ = PredictionFormat::Csv;
    int topK_ = 1;
    std::string modelId_;
    Shard shard_;
    std::unordered_set<std::string> done_;
    int64_t cutBytes_ = 0;
    std::FILE* file_ = nullptr;
    int writeError_ = 0;  // errno of the first failed write
};

class ProjectPredictionSink final : public PredictionSink {
public:
    // The project in `projectFolder`, storing under the run whose bundle is `model`; a model no run of the project
    // made stores nothing (its class ids would mean nothing there).
    static Expected<std::unique_ptr<ProjectPredictionSink>> open(const std::filesystem::path& projectFolder,
                                                                 const std::filesystem::path& model);
    void add(const Prediction& p) override;  // photos that are not the project's are passed over
    Status finish(bool complete) override;   // stores what was classified, complete or not
    size_t count() const { return records_.size(); }

private:
    explicit ProjectPredictionSink(project::ProjectStore store) : store_(std::move(store)) {}
    project::ProjectStore store_;
    int64_t runId_ = 0;
    std::unordered_map<std::string, int64_t> imageIdByPath_;
    std::unordered_map<std::string, int64_t> classIdByName_;
    std::vector<project::PredictionRecord> records_;
};

struct PredictionCounts {
    int64_t classified = 0, unreadable = 0, unknown = 0;
    double seconds = 0.0;
};

// Runs `predictor` over `files`, giving every result to each sink in turn, then finishes every sink (complete when
// the predictor went through all files). The error is the first sink's that failed, else the predictor's
// (cancellation or a device failure).
Expected<PredictionCounts> runPredictionJob(Predictor& predictor, const std::vector<std::filesystem::path>& files,
                                            const std::vector<PredictionSink*>& sinks, const JobContext& ctx);

}  // namespace tessera::learn
