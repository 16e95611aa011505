#include "core/fewshot/labelissues.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tessera::learn {

LabelIssueReport findLabelIssues(const std::vector<float>& probabilities, const std::vector<int>& labels,
                                 size_t classes) {
    LabelIssueReport report;
    const size_t rows = labels.size();
    if (classes == 0 || rows == 0 || probabilities.size() != rows * classes) return report;
    auto p = [&](size_t row, size_t k) { return double(probabilities[row * classes + k]); };
    auto given = [&](size_t row) { return size_t(labels[row]); };
    std::vector<size_t> valid;
    for (size_t n = 0; n < rows; ++n)
        if (labels[n] >= 0 && size_t(labels[n]) < classes) valid.push_back(n);

    // Thresholds: the mean self-confidence per class (a class nobody carries can never be confident).
    std::vector<double> sum(classes, 0.0);
    std::vector<long long> count(classes, 0);
    for (size_t n : valid) sum[given(n)] += p(n, given(n)), count[given(n)]++;
    report.thresholds.assign(classes, std::numeric_limits<double>::infinity());
    for (size_t k = 0; k < classes; ++k)
        if (count[k] > 0) report.thresholds[k] = sum[k] / double(count[k]);

    // Confident joint: each photo under its most probable class among those at or above their threshold.
    report.confidentJoint.assign(classes, std::vector<long long>(classes, 0));
    for (size_t n : valid) {
        int best = -1;
        for (size_t k = 0; k < classes; ++k)
            if (p(n, k) >= report.thresholds[k] && (best < 0 || p(n, k) > p(n, size_t(best)))) best = int(k);
        if (best >= 0) report.confidentJoint[given(n)][size_t(best)]++;
    }

    // Prune by noise rate: per given class i and other class j, the calibrated joint's count of photos, those with
    // the largest margin p(j) - p(i); every class keeps at least one photo unflagged.
    std::vector<std::vector<size_t>> byLabel(classes);
    for (size_t n : valid) byLabel[given(n)].push_back(n);
    std::vector<bool> flagged(rows, false);
    for (size_t i = 0; i < classes; ++i) {
        long long rowTotal = 0;
        for (long long c : report.confidentJoint[i]) rowTotal += c;
        if (rowTotal == 0) continue;
        long long budget = count[i] - 1;
        for (size_t j = 0; j < classes && budget > 0; ++j) {
            if (j == i) continue;
            const double calibrated = double(report.confidentJoint[i][j]) / double(rowTotal) * double(count[i]);
            long long take = std::min(budget, (long long)std::llround(calibrated));
            if (take <= 0) continue;
            auto candidates = byLabel[i];
            std::stable_sort(candidates.begin(), candidates.end(), [&](size_t a, size_t b) {
                return p(a, j) - p(a, i) > p(b, j) - p(b, i);
            });
            for (size_t n : candidates) {
                if (take == 0) break;
                if (flagged[n]) continue;
                flagged[n] = true;
                --take, --budget;
            }
        }
    }

    for (size_t n : valid) {
        if (!flagged[n]) continue;
        const size_t label = given(n);
        size_t top = 0, other = label == 0 ? 1 : 0;
        for (size_t k = 0; k < classes; ++k) {
            if (p(n, k) > p(n, top)) top = k;
            if (k != label && p(n, k) > p(n, other)) other = k;
        }
        if (top == label || classes < 2) continue;  // the model agrees with the label after all
        report.issues.push_back({n, int(label), int(other), p(n, label)});
    }
    std::stable_sort(report.issues.begin(), report.issues.end(), [](const LabelIssue& a, const LabelIssue& b) {
        return a.selfConfidence < b.selfConfidence;
    });
    return report;
}

}  // namespace tessera::learn
