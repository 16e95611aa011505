#include "core/nn/weightloadreport.h"

#include <sstream>

namespace tessera::nn {

std::string shapeToString(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

namespace {
void listSome(std::ostringstream& out, const char* what, const std::vector<std::string>& names) {
    if (names.empty()) return;
    out << "; " << names.size() << " " << what << ": ";
    for (size_t i = 0; i < names.size() && i < 5; ++i) out << (i ? ", " : "") << names[i];
    if (names.size() > 5) out << ", ...";
}
}  // namespace

std::string WeightLoadReport::summary() const {
    std::ostringstream out;
    out << "loaded " << loaded << " tensors from " << source;
    listSome(out, "missing", missing);
    listSome(out, "unexpected", unexpected);
    if (!shapeMismatches.empty()) {
        out << "; " << shapeMismatches.size() << " with another shape: ";
        for (size_t i = 0; i < shapeMismatches.size() && i < 5; ++i)
            out << (i ? ", " : "") << shapeMismatches[i].name << " (file " << shapeToString(shapeMismatches[i].fileShape)
                << ", model " << shapeToString(shapeMismatches[i].modelShape) << ")";
        if (shapeMismatches.size() > 5) out << ", ...";
    }
    listSome(out, "defaulted", defaulted);
    for (const auto& n : notes) out << "; " << n;
    return out.str();
}

}  // namespace tessera::nn
