#include "core/evaluate/metrics.h"

namespace tessera::learn {

ConfusionMatrix::ConfusionMatrix(int classes)
    : m_(size_t(classes < 0 ? 0 : classes), std::vector<int64_t>(size_t(classes < 0 ? 0 : classes), 0)) {}

void ConfusionMatrix::add(int64_t truth, int64_t predicted, int64_t count) {
    if (truth < 0 || predicted < 0 || truth >= classes() || predicted >= classes()) return;
    m_[size_t(truth)][size_t(predicted)] += count;
}

int64_t ConfusionMatrix::total() const {
    int64_t n = 0;
    for (const auto& row : m_)
        for (auto v : row) n += v;
    return n;
}

double ConfusionMatrix::accuracy() const {
    int64_t hit = 0;
    for (size_t i = 0; i < m_.size(); ++i) hit += m_[i][i];
    const int64_t n = total();
    return n ? double(hit) / double(n) : 0.0;
}

std::vector<double> ConfusionMatrix::precision() const {
    std::vector<double> p(m_.size(), 0.0);
    for (size_t c = 0; c < m_.size(); ++c) {
        int64_t col = 0;
        for (size_t t = 0; t < m_.size(); ++t) col += m_[t][c];
        p[c] = col ? double(m_[c][c]) / double(col) : 0.0;
    }
    return p;
}

std::vector<double> ConfusionMatrix::recall() const {
    std::vector<double> r(m_.size(), 0.0);
    for (size_t c = 0; c < m_.size(); ++c) {
        int64_t row = 0;
        for (auto v : m_[c]) row += v;
        r[c] = row ? double(m_[c][c]) / double(row) : 0.0;
    }
    return r;
}

}  // namespace tessera::learn
