// tessera-cli predict MODEL INPUT... --out FILE: classifies folders, files, file lists or a project's photos with a
// model bundle, streaming one CSV/JSONL record per photo in sorted path order. Resumable (an existing --out is
// continued, a partial last record repaired), shardable (--shard k/n takes every n-th photo), and on completion
// writes FILE.done, which `merge` uses to prove that no shard is missing or incomplete.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "app/cli/cliutil.h"
#include "app/cli/command.h"
#include "core/learn/predictinputs.h"
#include "core/learn/predictiontable.h"
#include "core/learn/predictor.h"
#include "core/util/sha256.h"

namespace fs = std::filesystem;

namespace tessera::cli {
namespace {

struct PredictArgs {
    std::string model, out, format, shard;
    std::vector<std::string> inputs;
    learn::PredictOptions options = learn::PredictOptions::defaults();
    learn::PredictInputOptions inputOptions = learn::PredictInputOptions::defaults();
    bool quiet = false;
};

int fail(const std::string& message, int code) {
    std::fprintf(stderr, "tessera-cli: %s%s\n", code == kInternalError ? "internal error: " : "error: ",
                 message.c_str());
    return code;
}

int runPredict(PredictArgs& a) {
    std::error_code ec;
    if (!fs::is_regular_file(a.model, ec)) return userError(a.model + ": no such model file");
    if (a.options.topK < 1) return userError("--top-k must be at least 1");
    if (a.options.batchSize < 1) return userError("--batch must be at least 1");
    if (a.options.unknownBelow < 0.0 || a.options.unknownBelow > 1.0)
        return userError("--unknown-below must be between 0 and 1");
    int shardK = 1, shardN = 1;
    if (!a.shard.empty()) {
        auto s = learn::PredictInputs::parseShard(a.shard);
        if (!s) return userError(s.error());
        shardK = s->first, shardN = s->second;
    }
    auto format = learn::PredictionTable::formatFor(a.format, a.out);
    if (!format) return userError("--format: " + format.error());
    auto list = learn::PredictInputs::collect(a.inputs, a.inputOptions);
    if (!list) return userError(list.error());
    for (const auto& p : list->problems) std::fprintf(stderr, "tessera-cli: warning: %s\n", p.c_str());
    const size_t total = list->files.size();
    const auto files = learn::PredictInputs::shard(list->files, shardK, shardN);

    auto modelHash = util::sha256File(a.model);
    if (!modelHash) return userError(modelHash.error());
    const std::string modelId = modelHash->substr(0, 16);
    const std::string header = learn::PredictionTable::header(*format, a.options.topK);

    // Resume: keep the complete records of an earlier run with the same model and columns, drop a partial tail.
    std::unordered_set<std::string> done;
    bool fresh = true;
    if (fs::exists(a.out, ec) && fs::file_size(a.out, ec) > 0) {
        auto prev = learn::PredictionTable::read(a.out, *format);
        if (!prev) return userError(prev.error() + " (use another --out, or delete the file to start over)");
        if (*format == learn::PredictionFormat::Csv && prev->completeBytes > 0 && prev->header != header)
            return userError(a.out + ": its columns differ from this run's (another --top-k?); use another --out");
        for (const auto& r : prev->records) {
            if (r.model != modelId)
                return userError(a.out + ":" + std::to_string(r.line) + ": written by another model (" + r.model +
                                 ", this one is " + modelId + "); use another --out");
            done.insert(r.file);
        }
        if (prev->completeBytes < prev->totalBytes) {
            fs::resize_file(a.out, uintmax_t(prev->completeBytes), ec);
            if (ec) return userError(a.out + ": cannot cut off the partial last record: " + ec.message());
            std::fprintf(stderr, "tessera-cli: %s: removed a partial last record (%lld bytes) left by an interrupted run\n",
                         a.out.c_str(), (long long)(prev->totalBytes - prev->completeBytes));
        }
        fresh = prev->completeBytes == 0;
    }
    std::vector<fs::path> todo;
    for (const auto& f : files)
        if (!done.count(f.string())) todo.push_back(f);
    const size_t skipped = files.size() - todo.size();

    auto predictor = learn::Predictor::open(a.model, a.options);
    if (!predictor) return userError(predictor.error());
    std::FILE* out = std::fopen(a.out.c_str(), fresh ? "wb" : "ab");
    if (!out) return userError(a.out + ": cannot open for writing");
    if (fresh) std::fputs(header.c_str(), out);
    std::fflush(out);
    fs::remove(a.out + ".done", ec);  // complete again only when this run finishes

    if (!a.quiet)
        std::fprintf(stderr, "predict: %zu photos (shard %d/%d of %zu), %zu already in %s, on %s\n", files.size(),
                     shardK, shardN, total, skipped, a.out.c_str(), predictor->deviceName().c_str());
    int64_t ok = 0, errors = 0, unknown = 0;
    bool writeFailed = false;
    const auto start = std::chrono::steady_clock::now();
    Status st;
    {
        ProgressBar bar(!a.quiet);
        st = predictor->predict(
            todo,
            [&](const learn::Prediction& p) {
                const std::string row = learn::PredictionTable::row(*format, p, a.options.topK, modelId);
                // Flushed per record: a kill loses at most the record being written, which resume repairs.
                if (std::fwrite(row.data(), 1, row.size(), out) != row.size() || std::fflush(out) != 0)
                    writeFailed = true;
                if (!p.error.empty())
                    ++errors;
                else
                    ++ok, unknown += p.unknown ? 1 : 0;
            },
            bar.context());
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (std::fclose(out) != 0) writeFailed = true;
    if (writeFailed) return userError(a.out + ": writing failed (disk full?)");
    if (!st) return fail(st.error(), st.error().rfind("prediction failed", 0) == 0 ? kInternalError : kUserError);

    nlohmann::ordered_json marker{{"shard", shardK}, {"of", shardN}, {"inputs", total}, {"rows", files.size()},
                                  {"model", modelId}};
    if (std::FILE* m = std::fopen((a.out + ".done").c_str(), "wb")) {
        const std::string text = marker.dump(2) + "\n";
        std::fwrite(text.data(), 1, text.size(), m);
        std::fclose(m);
    }
    std::printf("%lld classified, %lld unreadable, %lld unknown (top-1 below %.2f), %zu already done; %.1f images/s\n",
                (long long)ok, (long long)errors, (long long)unknown, a.options.unknownBelow, skipped,
                secs > 0 ? double(ok + errors) / secs : 0.0);
    if (errors > 0) std::printf("unreadable photos are listed with their reason in the error column of %s\n", a.out.c_str());
    return kOk;
}

const CommandRegistrar registrar{
    "predict", "Classify photos with a model bundle (CSV/JSONL, resumable, shardable)", [](CLI::App& sub) {
        auto a = std::make_shared<PredictArgs>();
        sub.add_option("MODEL", a->model, "Model bundle (.tessera-model)")->required();
        sub.add_option("INPUT", a->inputs,
                       "Folders, image files, file lists (@list.txt or *.txt, one path a line) or project folders")
            ->required();
        sub.add_option("--out", a->out, "Output file (.csv or .jsonl); an existing one is resumed")->required();
        sub.add_option("--format", a->format, "csv | jsonl (default: from the --out extension)");
        sub.add_option("--top-k", a->options.topK, "Classes per photo")->capture_default_str();
        sub.add_flag("--tta", a->options.tta, "Average over flips and quarter turns (8 views, 8x slower)");
        sub.add_option("--unknown-below", a->options.unknownBelow, "Mark photos whose top-1 probability is lower")
            ->capture_default_str();
        sub.add_option("--shard", a->shard, "k/n: only every n-th photo of the sorted list, starting at the k-th");
        sub.add_option("--batch", a->options.batchSize, "Batch size")->capture_default_str();
        sub.add_option("--device", a->options.device, "auto | cpu | cuda")->capture_default_str();
        sub.add_option("--threads", a->options.threads, "LibTorch CPU threads (0 = all cores)")->capture_default_str();
        sub.add_option("--decode-threads", a->options.decodeThreads, "Decoding threads (0 = all cores)")
            ->capture_default_str();
        sub.add_flag("--recursive,!--no-recursive", a->inputOptions.recursive, "Walk sub-folders (default on)");
        sub.add_flag("--unlabelled", a->inputOptions.unlabelledOnly, "Project inputs: only photos without a label");
        sub.add_flag("--quiet,-q", a->quiet, "No progress output");
        return [a] { return runPredict(*a); };
    }};

}  // namespace
}  // namespace tessera::cli
