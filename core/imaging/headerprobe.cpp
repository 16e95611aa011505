#include "core/imaging/headerprobe.h"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstring>

#include "core/imaging/tiffifdreader.h"

namespace tessera::imaging {
namespace {

// Internal results carry the problem only; probe() prefixes the file name.
using Parse = Expected<ProbeResult>;

Parse fail(std::string problem) { return makeError(std::move(problem)); }

uint32_t be16(const uint8_t* p) { return uint32_t(p[0]) << 8 | p[1]; }
uint32_t be32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }
uint32_t le16(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8; }
uint32_t le24(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16; }
uint32_t le32(const uint8_t* p) { return le24(p) | uint32_t(p[3]) << 24; }

bool startsWith(const uint8_t* data, size_t size, const char* magic, size_t n) {
    return size >= n && std::memcmp(data, magic, n) == 0;
}

// Fills the displayed size from the stored one and the orientation (5..8 swap the axes).
ProbeResult finish(ImageHeader h, uint32_t storedW, uint32_t storedH, const char* format) {
    ProbeResult r;
    h.format = format;
    if (h.exifOrientation < 1 || h.exifOrientation > 8) h.exifOrientation = 1;
    r.storedWidth = int(storedW);
    r.storedHeight = int(storedH);
    bool swap = h.exifOrientation >= 5;
    h.width = swap ? r.storedHeight : r.storedWidth;
    h.height = swap ? r.storedWidth : r.storedHeight;
    r.header = h;
    return r;
}

Parse checkSize(uint32_t w, uint32_t h, const char* format) {
    if (w == 0 || h == 0) return fail(std::string(format) + " header has a zero width or height");
    if (w > uint32_t(INT_MAX) || h > uint32_t(INT_MAX)) return fail(std::string(format) + " header has an impossible size");
    return ProbeResult{};
}

// ---------------------------------------------------------------- JPEG: walk markers to SOFn, then to SOS.
// One bit per 8x8 block of every component (its DC code), from the frame header's component specifications
// (id, sampling factors H<<4|V, table), rounded down: a lower bound on the entropy-coded data.
uint64_t leastJpegScanBytes(const uint8_t* components, int count, uint32_t width, uint32_t height) {
    int hMax = 1, vMax = 1;
    for (int c = 0; c < count; ++c) {
        hMax = std::max(hMax, components[3 * c + 1] >> 4);
        vMax = std::max(vMax, components[3 * c + 1] & 0xF);
    }
    uint64_t blocks = 0;
    for (int c = 0; c < count; ++c) {
        const int hc = std::max(1, components[3 * c + 1] >> 4), vc = std::max(1, components[3 * c + 1] & 0xF);
        blocks += (uint64_t(width) * uint64_t(hc) / uint64_t(hMax) / 8) * (uint64_t(height) * uint64_t(vc) / uint64_t(vMax) / 8);
    }
    return blocks / 8;
}

Parse probeJpeg(const uint8_t* d, size_t n) {
    ImageHeader h;
    bool haveFrame = false, sawExif = false;
    uint32_t w = 0, ht = 0;
    uint64_t minScanBytes = 0;
    size_t pos = 2;
    while (true) {
        // Markers may be preceded by any number of 0xFF fill bytes.
        // Stray bytes between segments are skipped up to the next 0xFF, as libjpeg does (it only warns).
        while (pos < n && d[pos] != 0xFF) ++pos;
        while (pos < n && d[pos] == 0xFF) ++pos;
        if (pos >= n) break;
        uint8_t marker = d[pos++];
        if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no length
        if (marker == 0xD9) {
            if (!haveFrame) return fail("corrupt JPEG header (end of image before any frame)");
            break;
        }
        if (pos + 2 > n) break;
        size_t len = be16(d + pos);
        if (len < 2) return fail("corrupt JPEG header (segment length " + std::to_string(len) + ")");
        const uint8_t* payload = d + pos + 2;
        size_t payloadLen = len - 2;
        bool complete = pos + len <= n;
        bool isSof = (marker >= 0xC0 && marker <= 0xCF) && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (isSof && !haveFrame) {
            if (!complete || payloadLen < 6) break;
            h.bitDepth = payload[0] == 8 ? 8 : payload[0];
            ht = be16(payload + 1);
            w = be16(payload + 3);
            h.channels = payload[5];
            h.cmyk = h.channels == 4;
            haveFrame = true;
            if (auto s = checkSize(w, ht, "JPEG"); !s) return s;
            if (h.channels != 1 && h.channels != 3 && h.channels != 4)
                return fail("JPEG header has " + std::to_string(h.channels) + " colour components");
            const bool arithmetic = marker >= 0xC9;
            if (!arithmetic && payloadLen >= 6 + 3 * size_t(h.channels))
                minScanBytes = leastJpegScanBytes(payload + 6, h.channels, w, ht);
        } else if (marker == 0xE1 && !sawExif && complete && payloadLen >= 6 &&
                   std::memcmp(payload, "Exif\0\0", 6) == 0) {
            sawExif = true;  // only the first Exif APP1 describes the main image
            h.exifOrientation = TiffIfdReader::exifOrientation(payload + 6, payloadLen - 6);
        } else if (marker == 0xDA) {
            if (!haveFrame) return fail("corrupt JPEG header (scan before frame header)");
            ProbeResult r = finish(h, w, ht, "jpeg");
            r.jpegScanOffset = complete ? pos + len : n;
            r.jpegMinScanBytes = minScanBytes;
            return r;
        }
        pos += len;
    }
    if (!haveFrame) return fail("truncated JPEG header (no frame header found)");
    return finish(h, w, ht, "jpeg");  // header complete, scan missing: decode will report the truncation
}

// ---------------------------------------------------------------- PNG: IHDR, then tRNS / eXIf before IDAT.
Parse probePng(const uint8_t* d, size_t n) {
    if (n < 8 + 8 + 13) return fail("truncated PNG header");
    if (be32(d + 8) != 13 || std::memcmp(d + 12, "IHDR", 4) != 0) return fail("corrupt PNG header (IHDR is not the first chunk)");
    const uint8_t* ihdr = d + 16;
    uint32_t w = be32(ihdr), ht = be32(ihdr + 4);
    uint32_t depth = ihdr[8], type = ihdr[9];
    if (auto s = checkSize(w, ht, "PNG"); !s) return s;
    ImageHeader h;
    switch (type) {
        case 0: h.channels = 1; break;
        case 2: h.channels = 3; break;
        case 3: h.channels = 3; break;
        case 4: h.channels = 2; break;
        case 6: h.channels = 4; break;
        default: return fail("corrupt PNG header (colour type " + std::to_string(type) + ")");
    }
    bool depthOk = depth == 8 || depth == 16 || ((type == 0 || type == 3) && (depth == 1 || depth == 2 || depth == 4));
    if (!depthOk || (type == 3 && depth == 16))
        return fail("corrupt PNG header (bit depth " + std::to_string(depth) + " for colour type " + std::to_string(type) + ")");
    h.bitDepth = depth == 16 ? 16 : 8;
    // Ancillary chunks before the image data: transparency adds an alpha channel, eXIf may rotate.
    size_t pos = 8 + 8 + 13 + 4;
    while (pos + 8 <= n) {
        uint32_t len = be32(d + pos);
        const uint8_t* type4 = d + pos + 4;
        if (std::memcmp(type4, "IDAT", 4) == 0 || std::memcmp(type4, "IEND", 4) == 0) break;
        if (len > n - pos - 8) break;  // truncated chunk: the decoder will report it
        if (std::memcmp(type4, "tRNS", 4) == 0 && (type == 0 || type == 2 || type == 3)) h.channels += 1;
        if (std::memcmp(type4, "eXIf", 4) == 0) h.exifOrientation = TiffIfdReader::exifOrientation(d + pos + 8, len);
        pos += size_t(len) + 12;
    }
    return finish(h, w, ht, "png");
}

// ---------------------------------------------------------------- TIFF: IFD0 tags.
Parse probeTiff(const uint8_t* d, size_t n) {
    TiffTags tags;
    std::string problem;
    if (!TiffIfdReader::read(d, n, tags, problem)) return fail(problem);
    if (!tags.imageWidth || !tags.imageLength) return fail("TIFF IFD0 lacks the image width or length");
    if (auto s = checkSize(*tags.imageWidth, *tags.imageLength, "TIFF"); !s) return s;
    ImageHeader h;
    h.channels = int(tags.samplesPerPixel.value_or(1));
    uint32_t bits = tags.bitsPerSample.value_or(1);
    h.bitDepth = bits == 16 || bits == 32 || bits == 64 ? int(bits) : 8;
    h.cmyk = tags.photometric.value_or(0) == 5 && h.channels >= 4;
    h.exifOrientation = int(tags.orientation.value_or(1));
    if (h.channels < 1 || h.channels > 16) return fail("TIFF header has " + std::to_string(h.channels) + " samples per pixel");
    return finish(h, *tags.imageWidth, *tags.imageLength, "tiff");
}

// ---------------------------------------------------------------- BMP: core (12-byte) or info (>= 40) header.
Parse probeBmp(const uint8_t* d, size_t n) {
    if (n < 14 + 4) return fail("truncated BMP header");
    uint32_t dib = le32(d + 14);
    uint32_t w = 0, ht = 0, bits = 0;
    if (dib == 12) {
        if (n < 14 + 12) return fail("truncated BMP header");
        w = le16(d + 18);
        ht = le16(d + 20);
        bits = le16(d + 24);
    } else if (dib >= 40 && dib <= 256) {
        if (n < 14 + 40) return fail("truncated BMP header");
        int32_t sw = int32_t(le32(d + 18)), sh = int32_t(le32(d + 22));
        if (sw <= 0 || sh == 0 || sh == INT32_MIN) return fail("corrupt BMP header (size " + std::to_string(sw) + "x" + std::to_string(sh) + ")");
        w = uint32_t(sw);
        ht = uint32_t(sh < 0 ? -sh : sh);  // negative height: rows stored top-down
        bits = le16(d + 28);
    } else {
        return fail("corrupt BMP header (info header size " + std::to_string(dib) + ")");
    }
    if (auto s = checkSize(w, ht, "BMP"); !s) return s;
    if (bits != 1 && bits != 4 && bits != 8 && bits != 16 && bits != 24 && bits != 32)
        return fail("corrupt BMP header (" + std::to_string(bits) + " bits per pixel)");
    ImageHeader h;
    h.channels = bits == 32 ? 4 : 3;
    h.bitDepth = 8;
    return finish(h, w, ht, "bmp");
}

// ---------------------------------------------------------------- WebP: RIFF with VP8 / VP8L / VP8X first.
Parse probeWebp(const uint8_t* d, size_t n) {
    if (n < 30) return fail("truncated WebP header");
    const uint8_t* c = d + 20;  // first chunk's payload
    ImageHeader h;
    h.bitDepth = 8;
    uint32_t w = 0, ht = 0;
    bool animated = false;
    if (std::memcmp(d + 12, "VP8 ", 4) == 0) {
        if (c[3] != 0x9D || c[4] != 0x01 || c[5] != 0x2A) return fail("corrupt WebP header (bad VP8 start code)");
        w = le16(c + 6) & 0x3FFF;
        ht = le16(c + 8) & 0x3FFF;
        h.channels = 3;
    } else if (std::memcmp(d + 12, "VP8L", 4) == 0) {
        if (c[0] != 0x2F) return fail("corrupt WebP header (bad VP8L signature)");
        uint32_t bits = le32(c + 1);
        w = (bits & 0x3FFF) + 1;
        ht = ((bits >> 14) & 0x3FFF) + 1;
        h.channels = (bits >> 28) & 1 ? 4 : 3;
    } else if (std::memcmp(d + 12, "VP8X", 4) == 0) {
        uint8_t flags = c[0];
        w = le24(c + 4) + 1;
        ht = le24(c + 7) + 1;
        h.channels = flags & 0x10 ? 4 : 3;
        if (flags & 0x02) animated = true;
        if (flags & 0x08) {  // EXIF chunk somewhere after VP8X; chunks are padded to even sizes
            size_t pos = 12;
            while (pos + 8 <= n) {
                uint32_t len = le32(d + pos + 4);
                if (len > n - pos - 8) break;
                if (std::memcmp(d + pos, "EXIF", 4) == 0) {
                    const uint8_t* e = d + pos + 8;
                    size_t el = len;
                    if (el >= 6 && std::memcmp(e, "Exif\0\0", 6) == 0) e += 6, el -= 6;  // some writers keep it
                    h.exifOrientation = TiffIfdReader::exifOrientation(e, el);
                    break;
                }
                pos += 8 + size_t(len) + (len & 1);
            }
        }
    } else {
        return fail("corrupt WebP header (unknown first chunk)");
    }
    if (auto s = checkSize(w, ht, "WebP"); !s) return s;
    ProbeResult r = finish(h, w, ht, "webp");
    r.animated = animated;
    return r;
}

bool looksLikeText(const uint8_t* d, size_t n) {
    size_t m = n < 64 ? n : 64;
    size_t start = startsWith(d, n, "\xEF\xBB\xBF", 3) ? 3 : 0;  // UTF-8 byte-order mark
    if (m <= start) return false;
    for (size_t i = start; i < m; ++i) {
        uint8_t ch = d[i];
        if (ch >= 0x80) continue;  // UTF-8 multibyte text
        if (ch < 0x20 && ch != '\n' && ch != '\r' && ch != '\t') return false;
        if (ch == 0x7F) return false;
    }
    return true;
}

std::string firstBytesHex(const uint8_t* d, size_t n) {
    std::string out;
    char buf[4];
    for (size_t i = 0; i < n && i < 8; ++i) {
        std::snprintf(buf, sizeof buf, i ? " %02X" : "%02X", d[i]);
        out += buf;
    }
    return out;
}

Parse dispatch(const uint8_t* d, size_t n) {
    if (n == 0) return fail("empty file (0 bytes)");
    if (startsWith(d, n, "\xFF\xD8\xFF", 3)) return probeJpeg(d, n);
    if (startsWith(d, n, "\x89PNG\r\n\x1A\n", 8)) return probePng(d, n);
    if (startsWith(d, n, "II*\0", 4) || startsWith(d, n, "MM\0*", 4)) return probeTiff(d, n);
    if (startsWith(d, n, "RIFF", 4) && n >= 12 && std::memcmp(d + 8, "WEBP", 4) == 0) return probeWebp(d, n);
    if (startsWith(d, n, "BM", 2)) return probeBmp(d, n);
    // Recognisable prefixes of the formats above, cut short.
    if (startsWith(d, n, "\xFF\xD8", 2) && n < 3) return fail("truncated JPEG header");
    if (n < 8 && std::memcmp(d, "\x89PNG\r\n\x1A\n", n) == 0) return fail("truncated PNG header");
    if (startsWith(d, n, "GIF8", 4)) return fail("unsupported image format (GIF)");
    if (n >= 12 && std::memcmp(d + 4, "ftyp", 4) == 0) return fail("unsupported image format (HEIF/AVIF/ISO media)");
    if (looksLikeText(d, n)) return fail("not an image (starts with text)");
    return fail("not an image (unknown format, starts with " + firstBytesHex(d, n) + ")");
}

}  // namespace

Expected<ProbeResult> HeaderProbe::probe(const uint8_t* data, size_t size, const std::string& nameForErrors) {
    if (data == nullptr && size != 0) return makeError(nameForErrors + ": no data");
    Parse r = dispatch(data, size);
    if (!r) return makeError(nameForErrors + ": " + r.error());
    return r;
}

}  // namespace tessera::imaging
