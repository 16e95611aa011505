#include "core/fewshot/labelcheck.h"

#include "core/fewshot/labelissues.h"

namespace tessera::learn {

Expected<LabelCheck> checkLabels(const QuickModel& model, int folds, const JobContext& ctx) {
    auto outOfFold = model.outOfFold(folds, ctx);
    if (!outOfFold) return outOfFold.takeError();
    LabelCheck check;
    check.classIds = model.classIds();
    check.classNames = model.classNames();
    check.outOfFold = std::move(*outOfFold);
    std::vector<float> probabilities;
    std::vector<int> labels;
    probabilities.reserve(check.outOfFold.size() * check.classIds.size());
    for (const auto& o : check.outOfFold) {
        probabilities.insert(probabilities.end(), o.probabilities.begin(), o.probabilities.end());
        labels.push_back(o.label);
    }
    // Confirmed labels still count in the confident joint (they are evidence of what each class looks like); they
    // are only never put to the person again.
    for (const auto& issue : findLabelIssues(probabilities, labels, check.classIds.size()).issues) {
        const auto& row = check.outOfFold[issue.row];
        if (row.confirmed) {
            ++check.confirmedPassedOver;
            continue;
        }
        check.flagged.push_back({row.imageId, row.relPath, issue.label, issue.suggested, issue.selfConfidence});
    }
    return check;
}

std::vector<project::LabelIssueRecord> LabelCheck::records(int64_t timeMs) const {
    std::vector<project::LabelIssueRecord> out;
    out.reserve(flagged.size());
    for (const auto& f : flagged)
        out.push_back({f.imageId, classIds[size_t(f.label)], classIds[size_t(f.suggested)], f.selfConfidence, timeMs});
    return out;
}

}  // namespace tessera::learn
