#pragma once
// The cross-validated evaluation as one self-contained HTML file for a publication's appendix: the dataset (classes,
// photos, finds, resolutions), the training settings, the cross-validated accuracy and per-class recall with their
// intervals, the confusion matrix, calibration with a reliability diagram, and the most confused pairs of classes
// with example photos. Offline by construction: no script, no web font, no link to fetch; the diagram is inline SVG
// and the photos are embedded as small JPEG data URIs. Opens in any browser and prints to PDF from there.
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "core/train/crossvalidation.h"
#include "core/stats/projectstatistics.h"
#include "core/util/expected.h"

namespace tessera::project {
class ProjectStore;
}

namespace tessera::learn {

struct EvaluationReportInput {
    std::string projectName;
    std::filesystem::path projectRoot;  // where the example photos are read
    std::vector<std::pair<std::string, std::string>> settings;  // the recipe, one row each
    stats::ProjectStatistics dataset;
    CrossValidationReport cv;
    int examplesPerPair = 4;
};

std::string evaluationReportHtml(const EvaluationReportInput& input);
Status writeEvaluationReport(const EvaluationReportInput& input, const std::filesystem::path& file);
// The report of a cross-validation of `recipe` on the project of `store`: its statistics, the recipe as settings.
Status writeCrossValidationReport(const project::ProjectStore& store, const TrainOptions& recipe,
                                  const CrossValidationReport& report, const std::filesystem::path& file);

// For the report and other HTML: & < > " ' escaped.
std::string htmlEscape(const std::string& text);
std::string base64(const std::string& bytes);

}  // namespace tessera::learn
