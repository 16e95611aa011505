#pragma once
// Plain records shared by the project store, the scanner, statistics and the UI adapters.
#include <cstdint>
#include <string>

namespace tessera::project {

// Health flags. Unreadable is set by the scanner; the others are derived by statistics and persisted after a scan
// so that the GUI can filter on them without recomputing.
enum ImageFlag : uint32_t {
    FlagNone = 0,
    FlagUnreadable = 1u << 0,
    FlagTooSmall = 1u << 1,
    FlagBlurry = 1u << 2,
    FlagDuplicate = 1u << 3,      // identical content hash as another image
    FlagNearDuplicate = 1u << 4,  // perceptual hash within the threshold of another image
    FlagMissing = 1u << 5,        // file no longer on disk at the last scan (row kept: its label may come back)
};

struct ImageRecord {
    int64_t id = 0;
    std::string relPath;      // relative to the project root, '/'-separated, UTF-8 as on disk
    std::string contentHash;  // SHA-256 hex of the file bytes; empty if the file could not be read at all
    int64_t fileSize = 0;
    int64_t mtimeNs = 0;
    int width = 0;            // as displayed, i.e. after EXIF orientation
    int height = 0;
    int channels = 0;         // as stored in the file (1 gray, 2 gray+alpha, 3, 4)
    int bitDepth = 0;         // 8 or 16 (per channel)
    std::string format;       // "jpeg", "png", "tiff", "bmp", "webp", or "" if unknown
    uint32_t flags = FlagNone;
    std::string error;        // why the image is unreadable (names the problem; the path is relPath)
    uint64_t perceptualHash = 0;  // OpenCV img_hash pHash, 64 bits
    double blur = 0.0;        // variance of the Laplacian at a normalised size; low = blurry
    std::string findId;       // several photos of one find share it; empty if unknown
    std::string site;         // excavation site of the find; empty if unknown (schema v2)
    std::string context;      // context / stratigraphic unit within the site; empty if unknown (schema v2)
};

// Provenance of the find an image shows: what `finds` imports set in bulk (ProjectStore::setFindInfo).
struct FindInfo {
    std::string findId;
    std::string site;
    std::string context;
    bool operator==(const FindInfo& o) const {
        return findId == o.findId && site == o.site && context == o.context;
    }
};

// Confirmed: a person kept the label after the label check questioned it ("keep my label" in Review); the check does
// not question it again while it stands.
enum class LabelSource { Manual, Imported, AcceptedPrediction, Confirmed };

struct ClassInfo {
    int64_t id = 0;
    std::string name;
    std::string color;  // "#rrggbb"
    int key = 0;        // 1..9 shortcut, 0 none
    int order = 0;
};

// A labelled photo the last label check flagged as possibly mislabelled (ProjectStore::replaceLabelIssues).
struct LabelIssueRecord {
    int64_t imageId = 0;
    int64_t classId = 0;           // the label the check judged
    int64_t suggestedClassId = 0;  // the class the photo looks like
    double selfConfidence = 0.0;   // out-of-sample probability of its label: the lower, the more suspect
    int64_t timeMs = 0;            // when the check ran
};

struct Label {
    int64_t imageId = 0;
    int64_t classId = 0;
    LabelSource source = LabelSource::Manual;
    int64_t timeMs = 0;  // Unix epoch milliseconds
    bool disputed = false;  // a person marked the label as disputed (ProjectStore::setDisputed)
};

const char* toString(LabelSource source);
bool labelSourceFromString(const std::string& text, LabelSource* out);

}  // namespace tessera::project
