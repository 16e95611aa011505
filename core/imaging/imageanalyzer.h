#pragma once
// Per-image facts for the project store and statistics, from one read of the file: content hash, header facts,
// perceptual hash and blur measure. Never throws; an unreadable file gives readable=false and a reason.
#include <cstdint>
#include <filesystem>
#include <string>

namespace tessera::imaging {

struct AnalyzeOptions {
    int64_t maxPixels = 200'000'000;  // larger images get a clear "too large" error and are not decoded
    int analysisLongSide = 512;       // pHash and blur are computed at this long side (DCT-reduced JPEG decode)
    bool computePerceptual = true;    // pHash + blur need a decode; header facts and hash do not

    static AnalyzeOptions defaults() { return AnalyzeOptions{}; }
};

struct ImageAnalysis {
    bool readable = false;
    std::string error;        // why not readable, e.g. "truncated JPEG data", "not an image (text file)"
    std::string contentHash;  // SHA-256 hex of the bytes; set whenever the file could be read at all
    int64_t fileSize = 0;
    int width = 0;            // as displayed (EXIF orientation applied)
    int height = 0;
    int channels = 0;
    int bitDepth = 0;
    std::string format;
    // OpenCV img_hash::PHash, 8 bytes packed big-endian into 64 bits. Computed on the gray image at
    // analysisLongSide averaged down to 32x32 with INTER_AREA first (PHash's own resize point-samples, which makes
    // re-encodes of one photo differ by many bits). Compare with hammingDistance(); 0 when not computed.
    uint64_t perceptualHash = 0;
    // Variance of the Laplacian (CV_64F) of the gray image with its long side at analysisLongSide (INTER_AREA
    // below half size, bilinear otherwise); lower is blurrier. Only comparable between equal analysisLongSide.
    double blur = 0.0;
};

class ImageAnalyzer {
public:
    static ImageAnalysis analyze(const std::filesystem::path& path,
                                 const AnalyzeOptions& options = AnalyzeOptions::defaults());
};

// Hamming distance between two 64-bit perceptual hashes.
int hammingDistance(uint64_t a, uint64_t b);

}  // namespace tessera::imaging
