// tessera-cli predict MODEL INPUT... --out FILE: classifies folders, files, file lists or a project's photos with a
// model bundle, streaming one CSV/JSONL record per photo in sorted path order. Resumable (an existing --out is
// continued, a partial last record repaired), shardable (--shard k/n takes every n-th photo), and on completion
// writes FILE.done, which `merge` uses to prove that no shard is missing or incomplete. With --per-find it then
// reads the finished output back and writes one row per find (mean of its photos' probabilities, FindAggregation).
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "app/cli/cliutil.h"
#include "app/cli/command.h"
#include "core/evaluate/calibration.h"
#include "core/predict/findaggregation.h"
#include "core/predict/predictinputs.h"
#include "core/predict/predictionjob.h"
#include "core/predict/predictiontable.h"
#include "core/predict/predictor.h"
#include "core/project/filenamepattern.h"
#include "core/project/projectstore.h"
#include "core/util/atomicfile.h"
#include "core/util/sha256.h"

namespace fs = std::filesystem;

namespace tessera::cli {
namespace {

struct PredictArgs {
    std::string model, out, format, shard, perFind, findPattern;
    std::vector<std::string> inputs;
    learn::PredictOptions options = learn::PredictOptions::defaults();
    learn::PredictInputOptions inputOptions = learn::PredictInputOptions::defaults();
    bool quiet = false;
    std::string project;  // set when MODEL was a project folder: its calls on its own photos are kept in it
};

int fail(const std::string& message, int code) {
    std::fprintf(stderr, "tessera-cli: %s%s\n", code == kInternalError ? "internal error: " : "error: ",
                 message.c_str());
    return code;
}

// Photo path (as PredictInputs writes it) -> find provenance. Project inputs: the store's find id; where the store
// has none, and for folder inputs, what the pattern reads from the path below the input folder; other paths (single
// files, list entries) are matched as written. Photos with no find id are simply not in the map.
Expected<std::unordered_map<std::string, project::FindInfo>> findsOf(const std::vector<std::string>& inputs,
                                                                     const std::vector<fs::path>& files,
                                                                     const project::FileNamePattern* pattern) {
    std::unordered_map<std::string, project::FindInfo> out;
    auto byPattern = [&](const std::string& rel) -> std::optional<project::FindInfo> {
        if (!pattern) return std::nullopt;
        auto f = pattern->match(rel);
        if (!f || f->findId.empty()) return std::nullopt;
        return f;
    };
    std::vector<std::string> folders;  // non-project folder inputs, with a trailing '/'
    for (const auto& input : inputs) {
        std::error_code ec;
        const fs::path p(input);
        if (input.empty() || input[0] == '@' || !fs::is_directory(p, ec)) continue;
        if (!learn::PredictInputs::isProject(p)) {
            folders.push_back((p / "").string());
            continue;
        }
        auto store = project::ProjectStore::open(p, /*create=*/false);
        if (!store) return store.takeError();
        auto images = store->images();
        if (!images) return images.takeError();
        auto finds = store->findInfo();
        if (!finds) return finds.takeError();
        for (const auto& im : *images) {
            auto f = finds->find(im.id);
            if (f != finds->end() && !f->second.findId.empty())
                out.emplace((p / im.relPath).string(), f->second);
            else if (auto m = byPattern(im.relPath))
                out.emplace((p / im.relPath).string(), *m);
        }
    }
    if (!pattern) return out;
    for (const auto& file : files) {
        const std::string path = file.string();
        if (out.count(path)) continue;
        std::string rel = file.generic_string();
        for (const auto& folder : folders)
            if (path.size() > folder.size() && path.compare(0, folder.size(), folder) == 0) {
                rel = fs::path(path.substr(folder.size())).generic_string();
                break;
            }
        if (auto m = byPattern(rel)) out.emplace(path, *m);
    }
    return out;
}

// Reads the finished per-photo output back (so photos of an earlier, resumed run count as well) and writes the
// per-find CSV. A class outside a photo's top-k counts as probability 0 there, as in `export-finds`.
int writePerFind(const PredictArgs& a, learn::PredictionFormat format, const std::vector<fs::path>& files,
                 const std::unordered_map<std::string, project::FindInfo>& findOf,
                 const std::vector<std::string>& classNames) {
    auto table = learn::PredictionTable::read(a.out, format);
    if (!table) return userError(table.error());
    std::unordered_set<std::string> wanted;
    for (const auto& f : files) wanted.insert(f.string());

    std::vector<learn::PhotoCall> calls;
    std::vector<std::string> noFind;
    int64_t photos = 0;
    for (size_t i = 0; i < table->records.size(); ++i) {
        const auto& r = table->records[i];
        if (!wanted.count(r.file)) continue;  // an older run's photo that is not among this run's inputs
        ++photos;
        auto f = findOf.find(r.file);
        if (f == findOf.end()) {
            noFind.push_back(r.file);
            continue;
        }
        learn::PhotoCall call{f->second, int64_t(i), {}, !r.error.empty(), a.out + ":" + std::to_string(r.line)};
        for (const auto& c : r.top) call.top.emplace_back(c.className, c.probability);
        calls.push_back(std::move(call));
    }
    auto rows = learn::FindAggregation::fromCalls(calls, classNames);
    if (!rows) return userError(rows.error());

    std::string text = learn::PredictionTable::findHeader(a.options.topK);
    for (const auto& row : *rows)
        text += learn::PredictionTable::findRow(row.mean, row.unreadable, classNames, a.options.topK,
                                                a.options.unknownBelow);
    if (auto st = util::writeFileAtomically(a.perFind, text); !st) return userError("--per-find: " + st.error());

    int64_t unreadable = 0;
    for (const auto& row : *rows) unreadable += row.unreadable;
    std::printf("%zu finds from %lld photos (%lld unreadable) written to %s\n", rows->size(),
                (long long)(photos - int64_t(noFind.size())), (long long)unreadable, a.perFind.c_str());
    if (!noFind.empty()) {
        // Never dropped silently: counted here, every one listed in a file beside the per-find CSV.
        const std::string listFile = a.perFind + ".no-find.txt";
        std::string list;
        for (const auto& f : noFind) list += f + "\n";
        const bool listed = util::writeFileAtomically(listFile, list).ok();
        std::printf("%zu photos have no find id (%s) and are in no row; %s:\n", noFind.size(),
                    a.findPattern.empty() ? "none stored in a project, and no --find-pattern given"
                                          : "none stored in a project, and --find-pattern did not match",
                    listed ? ("all listed in " + listFile).c_str() : "could not write the list");
        for (size_t i = 0; i < noFind.size() && i < 10; ++i) std::printf("  %s\n", noFind[i].c_str());
        if (noFind.size() > 10) std::printf("  ... and %zu more\n", noFind.size() - 10);
    }
    return kOk;
}

int runPredict(PredictArgs& a) {
    std::error_code ec;
    if (fs::is_directory(a.model, ec)) {
        // A project folder stands for its active model (the one Review uses; the first trained run by default).
        if (!learn::PredictInputs::isProject(a.model))
            return userError(a.model + ": a folder, but not a Tessera project; give a model file (.tessera-model) "
                             "or a project folder that has a trained model");
        auto active = activeModelOf(a.model);
        if (!active) return userError(active.error());
        if (a.inputs.empty()) a.inputs.push_back(a.model);  // `predict PROJECT --out F`: the project's own photos
        a.project = a.model;
        a.model = active->string();
        if (!a.quiet) std::fprintf(stderr, "using the project's active model %s\n", a.model.c_str());
    }
    if (!fs::is_regular_file(a.model, ec)) return userError(a.model + ": no such model file");
    if (a.inputs.empty()) return userError("no photos to classify: give folders, files, lists or a project after MODEL");
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
    std::optional<project::FileNamePattern> pattern;
    if (!a.findPattern.empty()) {
        if (a.perFind.empty()) return userError("--find-pattern is used only with --per-find FILE");
        auto p = project::FileNamePattern::compile(a.findPattern);
        if (!p) return userError("--find-pattern: " + p.error());
        pattern.emplace(std::move(*p));
    }
    if (!a.perFind.empty()) {
        // A shard holds only some photos of a find, so its means would be wrong. After `merge`, running predict
        // once more on the merged file (no --shard) predicts nothing again and writes the per-find file from it.
        if (!a.shard.empty())
            return userError("--per-find cannot be combined with --shard (a shard holds only some photos of a find): "
                             "run the shards without it, `tessera-cli merge` them, then run predict with the same "
                             "inputs, --out MERGED and --per-find (nothing is predicted again)");
        std::error_code ec2;
        if (fs::equivalent(a.perFind, a.out, ec2) || a.perFind == a.out)
            return userError("--per-find " + a.perFind + ": must differ from --out");
    }
    auto format = learn::PredictionTable::formatFor(a.format, a.out);
    if (!format) return userError("--format: " + format.error());
    auto list = learn::PredictInputs::collect(a.inputs, a.inputOptions);
    if (!list) return userError(list.error());
    for (const auto& p : list->problems) std::fprintf(stderr, "tessera-cli: warning: %s\n", p.c_str());
    const size_t total = list->files.size();
    const auto files = learn::PredictInputs::shard(list->files, shardK, shardN);
    std::unordered_map<std::string, project::FindInfo> findOf;
    if (!a.perFind.empty()) {
        auto f = findsOf(a.inputs, files, pattern ? &*pattern : nullptr);
        if (!f) return userError(f.error());
        findOf = std::move(*f);
    }

    auto modelHash = util::sha256File(a.model);
    if (!modelHash) return userError(modelHash.error());
    const std::string modelId = modelHash->substr(0, 16);
    auto predictor = learn::Predictor::open(a.model, a.options);
    if (!predictor) return userError(predictor.error());
    std::unique_ptr<learn::ProjectPredictionSink> kept;
    if (!a.project.empty()) {
        auto opened = learn::ProjectPredictionSink::open(a.project, a.model);
        if (!opened) return userError(opened.error());
        kept = std::move(*opened);
    }
    auto file = learn::PredictionFileSink::open(a.out, *format, a.options.topK, modelId,
                                                {shardK, shardN, int64_t(total), int64_t(files.size())});
    if (!file) return userError(file.error());
    if ((*file)->partialBytesRemoved() > 0)
        std::fprintf(stderr, "tessera-cli: %s: removed a partial last record (%lld bytes) left by an interrupted run\n",
                     a.out.c_str(), (long long)(*file)->partialBytesRemoved());
    std::vector<learn::PredictionSink*> sinks{file->get()};  // the file's error first: it says how to resume
    if (kept) sinks.push_back(kept.get());
    std::vector<fs::path> todo;
    for (const auto& f : files)
        if (!(*file)->alreadyDone().count(f.string())) todo.push_back(f);
    const size_t skipped = files.size() - todo.size();

    if (!a.quiet) {
        std::fprintf(stderr, "predict: %zu photos (shard %d/%d of %zu), %zu already in %s, on %s\n", files.size(),
                     shardK, shardN, total, skipped, a.out.c_str(), predictor->deviceName().c_str());
        std::fprintf(stderr, "%s%s\n", learn::describeCalibration(predictor->calibration()).c_str(),
                     a.options.calibrated || !predictor->calibration().calibrated() ? "" : " (not applied: --uncalibrated)");
    }
    Expected<learn::PredictionCounts> counts = learn::PredictionCounts{};
    {
        ProgressBar bar(!a.quiet);
        counts = learn::runPredictionJob(*predictor, todo, sinks, bar.context());
    }
    if (kept && !a.quiet && kept->count())
        std::fprintf(stderr, "kept %zu calls in the project for Review and Dataset\n", kept->count());
    if (!counts)
        return fail(counts.error(), counts.error().rfind("prediction failed", 0) == 0 ? kInternalError : kUserError);
    const auto& n = *counts;
    std::printf("%lld classified, %lld unreadable, %lld unknown (top-1 below %.2f), %zu already done; %.1f images/s\n",
                (long long)n.classified, (long long)n.unreadable, (long long)n.unknown, a.options.unknownBelow, skipped,
                n.seconds > 0 ? double(n.classified + n.unreadable) / n.seconds : 0.0);
    if (n.unreadable > 0)
        std::printf("unreadable photos are listed with their reason in the error column of %s\n", a.out.c_str());
    if (a.perFind.empty()) return kOk;
    if (size_t(a.options.topK) < predictor->classNames().size())
        std::fprintf(stderr,
                     "tessera-cli: note: --per-find means count a class outside a photo's top-%d as 0; --top-k %zu "
                     "makes them exact\n",
                     a.options.topK, predictor->classNames().size());
    return writePerFind(a, *format, files, findOf, predictor->classNames());
}

const CommandRegistrar registrar{
    "predict", "Classify photos with a model bundle (CSV/JSONL, resumable, shardable)", [](CLI::App& sub) {
        auto a = std::make_shared<PredictArgs>();
        sub.add_option("MODEL", a->model, "Model bundle (.tessera-model), or a project folder: its active model")
            ->required();
        sub.add_option("INPUT", a->inputs,
                       "Folders, image files, file lists (@list.txt or *.txt, one path a line) or project folders "
                       "(default when MODEL is a project: that project's photos)");
        sub.add_option("--out", a->out, "Output file (.csv or .jsonl); an existing one is resumed")->required();
        sub.add_option("--format", a->format, "csv | jsonl (default: from the --out extension)");
        sub.add_option("--top-k", a->options.topK, "Classes per photo")->capture_default_str();
        sub.add_flag("--tta", a->options.tta, "Average over flips and quarter turns (8 views, 8x slower)");
        sub.add_option("--unknown-below", a->options.unknownBelow, "Mark photos whose top-1 probability is lower")
            ->capture_default_str();
        sub.add_flag("--uncalibrated", [a](int64_t) { a->options.calibrated = false; },
                     "Report the network's raw softmax, not the scores calibrated on the model's held-out photos");
        sub.add_option("--shard", a->shard, "k/n: only every n-th photo of the sorted list, starting at the k-th");
        sub.add_option("--batch", a->options.batchSize, "Batch size")->capture_default_str();
        sub.add_option("--device", a->options.device, "auto | cpu | cuda")->capture_default_str();
        addThreadsOption(sub, "--threads", a->options.threads, "LibTorch CPU threads");
        addThreadsOption(sub, "--decode-threads", a->options.decodeThreads, "Decoding threads");
        sub.add_flag("--recursive,!--no-recursive", a->inputOptions.recursive, "Walk sub-folders (default on)");
        sub.add_flag("--unlabelled", a->inputOptions.unlabelledOnly, "Project inputs: only photos without a label (or with a disputed one)");
        sub.add_option("--per-find", a->perFind,
                       "Also write a CSV with one row per find (site, context, find id): the mean of its photos' "
                       "probabilities, top-k and unknown (not with --shard)");
        sub.add_option("--find-pattern", a->findPattern,
                       "Find ids from file names for non-project inputs, e.g. '{site}_{context}_{find}_{view}.jpg' or "
                       "'re:(?<site>[A-Z]+)-(?<find>\\d+).*' (project inputs use their stored find ids first)");
        sub.add_flag("--quiet,-q", a->quiet, "No progress output");
        return [a] { return runPredict(*a); };
    }};

}  // namespace
}  // namespace tessera::cli
