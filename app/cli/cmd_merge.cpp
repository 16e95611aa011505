// tessera-cli merge SHARD... --out FILE: joins the outputs of `predict --shard k/n` runs into the file one unsharded
// run writes (same header, records in sorted path order, byte for byte). Refuses shards with other columns or
// another model, duplicate photos, and missing or unfinished shards (each shard's FILE.done says which k/n it is
// and how many records it holds), naming the offending file.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "app/cli/cliutil.h"
#include "app/cli/command.h"
#include "core/predict/predictiontable.h"
#include "core/util/atomicfile.h"

namespace fs = std::filesystem;

namespace tessera::cli {
namespace {

struct MergeArgs {
    std::vector<std::string> shards;
    std::string out, format;
    bool allowIncomplete = false;
};

struct Marker {
    int shard = 0, of = 0;
    long long inputs = 0, rows = 0;
    std::string model;
};

Expected<Marker> readMarker(const std::string& shard) {
    const std::string path = shard + ".done";
    std::ifstream in(path);
    if (!in)
        return makeError(shard + ": incomplete (no " + path +
                         "; its predict run did not finish: run it again with the same --out to resume it)");
    std::stringstream ss;
    ss << in.rdbuf();
    const auto j = nlohmann::json::parse(ss.str(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return makeError(path + ": not a predict completion marker");
    Marker m;
    m.shard = j.value("shard", 0);
    m.of = j.value("of", 0);
    m.inputs = j.value("inputs", 0LL);
    m.rows = j.value("rows", 0LL);
    m.model = j.value("model", std::string());
    return m;
}

int runMerge(MergeArgs& a) {
    auto format = learn::PredictionTable::formatFor(a.format, a.shards.front());
    if (!format) return userError("--format: " + format.error());
    for (const auto& s : a.shards)
        if (fs::absolute(s) == fs::absolute(a.out)) return userError(s + ": --out must not be one of the shards");
    std::string header, model;
    std::vector<learn::PredictionFileRecord> all;
    std::map<std::string, std::string> seen;  // photo -> shard file that holds it
    std::map<int, std::string> shardFiles;     // k -> shard file
    Marker first;
    for (size_t i = 0; i < a.shards.size(); ++i) {
        const std::string& s = a.shards[i];
        auto f = learn::PredictionTable::read(s, *format);
        if (!f) return userError(f.error());
        if (f->completeBytes < f->totalBytes)
            return userError(s + ": ends in a partial record (an interrupted run): resume it with predict first");
        if (i == 0)
            header = f->header;
        else if (f->header != header)
            return userError(s + ": its columns differ from " + a.shards.front() + "'s (another --top-k?)");
        auto m = readMarker(s);
        if (!m && !a.allowIncomplete) return userError(m.error());
        if (m) {
            if (m->rows != (long long)f->records.size())
                return userError(s + ": holds " + std::to_string(f->records.size()) + " records but its run wrote " +
                                 std::to_string(m->rows) + " (edited or mixed up?)");
            if (shardFiles.empty() && first.of == 0) first = *m;
            if (m->of != first.of || m->inputs != first.inputs)
                return userError(s + ": shard " + std::to_string(m->shard) + "/" + std::to_string(m->of) + " of " +
                                 std::to_string(m->inputs) + " photos does not belong with " + a.shards.front() +
                                 "'s run (" + std::to_string(first.of) + " shards of " +
                                 std::to_string(first.inputs) + " photos)");
            if (shardFiles.count(m->shard))
                return userError(s + ": shard " + std::to_string(m->shard) + "/" + std::to_string(m->of) +
                                 " was already given as " + shardFiles[m->shard]);
            shardFiles[m->shard] = s;
        }
        for (auto& r : f->records) {
            if (model.empty()) model = r.model;
            if (r.model != model)
                return userError(s + ":" + std::to_string(r.line) + ": made with another model (" + r.model +
                                 ", the first shard's is " + model + ")");
            auto [it, inserted] = seen.emplace(r.file, s);
            if (!inserted)
                return userError(s + ":" + std::to_string(r.line) + ": " + r.file + " is also in " + it->second);
            all.push_back(std::move(r));
        }
    }
    if (!a.allowIncomplete)
        for (int k = 1; k <= first.of; ++k)
            if (!shardFiles.count(k))
                return userError("shard " + std::to_string(k) + "/" + std::to_string(first.of) +
                                 " is missing (give every shard's output)");
    // predict writes in sorted path order; stable keeps any equal names in shard order.
    std::stable_sort(all.begin(), all.end(), [](const learn::PredictionFileRecord& x,
                                                const learn::PredictionFileRecord& y) { return x.file < y.file; });
    auto out = util::AtomicFile::create(a.out);
    if (!out) return userError(out.error());
    Status written = out->write(header);
    for (const auto& r : all)
        if (written) written = out->write(r.text);
    if (written) written = out->commit();
    if (!written) return userError(written.error());
    if (first.of > 0) {  // the merged file is complete in the same sense as an unsharded run
        nlohmann::ordered_json marker{{"shard", 1}, {"of", 1}, {"inputs", first.inputs}, {"rows", all.size()},
                                      {"model", model}};
        if (auto st = util::writeFileAtomically(a.out + ".done", marker.dump(2) + "\n"); !st)
            return userError(st.error());
    }
    std::printf("merged %zu shard file(s): %zu records into %s\n", a.shards.size(), all.size(), a.out.c_str());
    return kOk;
}

const CommandRegistrar registrar{
    "merge", "Join the outputs of predict --shard runs into one file", [](CLI::App& sub) {
        auto a = std::make_shared<MergeArgs>();
        sub.add_option("SHARD", a->shards, "Shard outputs of predict (CSV or JSONL)")->required();
        sub.add_option("--out", a->out, "Merged output file")->required();
        sub.add_option("--format", a->format, "csv | jsonl (default: from the first shard's extension)");
        sub.add_flag("--allow-incomplete", a->allowIncomplete,
                     "Merge shards without completion markers and do not require every shard");
        return [a] { return runMerge(*a); };
    }};

}  // namespace
}  // namespace tessera::cli
