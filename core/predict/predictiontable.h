#pragma once
// Prediction output files (CSV with a header, or JSON lines, one record per photo): writing rows, resuming a file
// that a killed run left behind (partial last record cut off, finished files listed), and reading records back
// byte for byte so shard outputs merge into exactly the file one unsharded run writes. Torch-free.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/predict/findaggregation.h"
#include "core/predict/predictor.h"
#include "core/util/expected.h"

namespace tessera::learn {

enum class PredictionFormat { Csv, Jsonl };

// One record of a prediction file (project::PredictionRecord is a stored row of the project instead).
struct PredictionFileRecord {
    std::string file;   // the file column / "file" key
    std::string model;  // the model column / "model" key
    std::string text;   // the record's exact bytes, newline included
    int line = 0;       // 1-based line where it starts
    std::vector<ClassProbability> top;  // the top-k as written (classIndex -1: the file holds names only)
    std::string error;                  // the error column / "error" key; empty for a classified photo
};

struct PredictionFile {
    std::string header;                     // CSV header line with its newline; empty for JSONL
    std::vector<PredictionFileRecord> records;  // complete records in file order
    int64_t completeBytes = 0;              // bytes up to the end of the last complete record
    int64_t totalBytes = 0;                 // file size (more than completeBytes after a kill mid-record)
};

class PredictionTable {
public:
    // "csv" / "jsonl" (also "json", "ndjson"), or "" to choose from the extension of `out` (.jsonl/.ndjson/.json:
    // JSONL, anything else CSV).
    static Expected<PredictionFormat> formatFor(const std::string& name, const std::filesystem::path& out);

    // CSV: file,sha256,top1,p1,...,topK,pK,unknown,error,model (ends with a newline). JSONL: empty.
    static std::string header(PredictionFormat format, int topK);
    // One record, newline included. Probabilities are written with 6 decimals; `model` identifies the bundle.
    static std::string row(PredictionFormat format, const Prediction& p, int topK, const std::string& model);

    // Per-find CSV (predict --per-find): site,context,find_id,photos,unreadable,top1,p1,...,topK,pK,unknown.
    // photos counts the find's classified photos, unreadable those that could not be read; the mean probabilities
    // are written with 6 decimals; unknown is 1 when the top-1 mean is below `unknownBelow`, empty when no photo
    // of the find was classified.
    static std::string findHeader(int topK);
    static std::string findRow(const FindPrediction& find, int64_t unreadable,
                               const std::vector<std::string>& classNames, int topK, double unknownBelow);

    // Reads an output file. A trailing incomplete record (a kill mid-write) is not in `records`; completeBytes
    // says where it starts. Errors name the file and line.
    static Expected<PredictionFile> read(const std::filesystem::path& file, PredictionFormat format);
};

}  // namespace tessera::learn
