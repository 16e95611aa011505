#pragma once
// Classification metrics from a confusion matrix: accuracy, per-class precision and recall. Torch-free so that the
// CLI and the UI can use them on predictions too.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tessera::learn {

class ConfusionMatrix {
public:
    explicit ConfusionMatrix(int classes = 0);
    void add(int64_t truth, int64_t predicted, int64_t count = 1);
    int classes() const { return int(m_.size()); }
    int64_t total() const;
    double accuracy() const;                // 0 when empty
    std::vector<double> precision() const;  // per class; 0 where nothing was predicted as the class
    std::vector<double> recall() const;     // per class; 0 where the class has no examples
    const std::vector<std::vector<int64_t>>& counts() const { return m_; }  // [truth][predicted]

private:
    std::vector<std::vector<int64_t>> m_;
};

}  // namespace tessera::learn
