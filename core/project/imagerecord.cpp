#include "core/project/imagerecord.h"

namespace tessera::project {

// These strings are stored in the database and written to CSV: never change them, only add.
const char* toString(LabelSource source) {
    switch (source) {
        case LabelSource::Manual: return "manual";
        case LabelSource::Imported: return "imported";
        case LabelSource::AcceptedPrediction: return "accepted-prediction";
        case LabelSource::Confirmed: return "confirmed";
    }
    return "manual";
}

bool labelSourceFromString(const std::string& text, LabelSource* out) {
    LabelSource value;
    if (text == "manual") value = LabelSource::Manual;
    else if (text == "imported") value = LabelSource::Imported;
    else if (text == "accepted-prediction") value = LabelSource::AcceptedPrediction;
    else if (text == "confirmed") value = LabelSource::Confirmed;
    else return false;
    if (out) *out = value;
    return true;
}

}  // namespace tessera::project
