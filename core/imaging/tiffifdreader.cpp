#include "core/imaging/tiffifdreader.h"

namespace tessera::imaging {
namespace {

// Bounds-checked reads in the byte order of the TIFF structure.
struct Reader {
    const uint8_t* data;
    size_t size;
    bool littleEndian;

    bool has(size_t offset, size_t count) const { return offset <= size && count <= size - offset; }
    bool u16(size_t offset, uint32_t& out) const {
        if (!has(offset, 2)) return false;
        const uint8_t* p = data + offset;
        out = littleEndian ? uint32_t(p[0] | (p[1] << 8)) : uint32_t((p[0] << 8) | p[1]);
        return true;
    }
    bool u32(size_t offset, uint32_t& out) const {
        if (!has(offset, 4)) return false;
        const uint8_t* p = data + offset;
        out = littleEndian ? (uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24)
                           : (uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]));
        return true;
    }
};

constexpr uint32_t kTypeByte = 1, kTypeShort = 3, kTypeLong = 4;

// First value of an entry of type BYTE, SHORT or LONG, inline or at its offset.
bool entryValue(const Reader& r, size_t entry, uint32_t& out) {
    uint32_t type = 0, count = 0;
    if (!r.u16(entry + 2, type) || !r.u32(entry + 4, count) || count == 0) return false;
    size_t unit = type == kTypeByte ? 1 : type == kTypeShort ? 2 : type == kTypeLong ? 4 : 0;
    if (unit == 0) return false;
    size_t valueAt = entry + 8;
    if (uint64_t(unit) * count > 4) {
        uint32_t offset = 0;
        if (!r.u32(entry + 8, offset)) return false;
        valueAt = offset;
    }
    if (type == kTypeByte) {
        if (!r.has(valueAt, 1)) return false;
        out = r.data[valueAt];
        return true;
    }
    return type == kTypeShort ? r.u16(valueAt, out) : r.u32(valueAt, out);
}

}  // namespace

bool TiffIfdReader::read(const uint8_t* data, size_t size, TiffTags& tags, std::string& problem) {
    if (size < 8) {
        problem = "truncated TIFF header";
        return false;
    }
    Reader r{data, size, true};
    if (data[0] == 'I' && data[1] == 'I') {
        r.littleEndian = true;
    } else if (data[0] == 'M' && data[1] == 'M') {
        r.littleEndian = false;
    } else {
        problem = "bad TIFF byte-order mark";
        return false;
    }
    uint32_t magic = 0, ifd = 0;
    r.u16(2, magic);
    r.u32(4, ifd);
    if (magic != 42) {
        problem = magic == 43 ? "BigTIFF is not supported" : "bad TIFF magic number";
        return false;
    }
    uint32_t entries = 0;
    if (ifd < 8 || !r.u16(ifd, entries)) {
        problem = "TIFF IFD0 offset points past the end of the data";
        return false;
    }
    for (uint32_t i = 0; i < entries; ++i) {
        size_t entry = size_t(ifd) + 2 + size_t(i) * 12;
        uint32_t tag = 0, value = 0;
        if (!r.has(entry, 12) || !r.u16(entry, tag)) {
            problem = "truncated TIFF IFD0";
            return false;
        }
        if (!entryValue(r, entry, value)) continue;  // unknown types and out-of-range values: not our tags' problem
        switch (tag) {
            case 256: tags.imageWidth = value; break;
            case 257: tags.imageLength = value; break;
            case 258: tags.bitsPerSample = value; break;
            case 262: tags.photometric = value; break;
            case 274: tags.orientation = value; break;
            case 277: tags.samplesPerPixel = value; break;
            case 339: tags.sampleFormat = value; break;
            default: break;
        }
    }
    return true;
}

int TiffIfdReader::exifOrientation(const uint8_t* data, size_t size) {
    TiffTags tags;
    std::string problem;
    read(data, size, tags, problem);  // a partial read still yields the orientation when it came before the damage
    if (tags.orientation && *tags.orientation >= 1 && *tags.orientation <= 8) return int(*tags.orientation);
    return 1;
}

}  // namespace tessera::imaging
