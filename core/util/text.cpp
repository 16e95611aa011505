#include "core/util/text.h"

namespace tessera {

namespace {

// Length of the well-formed UTF-8 sequence starting at s[i] (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF);
// 0 when it is not one.
size_t utf8SequenceLength(std::string_view s, size_t i) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char b0 = byte(i);
    if (b0 < 0x80) return 1;
    size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) n = 2;
    else if (b0 == 0xE0) n = 3, lo = 0xA0;
    else if (b0 >= 0xE1 && b0 <= 0xEC) n = 3;
    else if (b0 == 0xED) n = 3, hi = 0x9F;
    else if (b0 >= 0xEE && b0 <= 0xEF) n = 3;
    else if (b0 == 0xF0) n = 4, lo = 0x90;
    else if (b0 >= 0xF1 && b0 <= 0xF3) n = 4;
    else if (b0 == 0xF4) n = 4, hi = 0x8F;
    else return 0;
    if (i + n > s.size()) return 0;
    if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
    for (size_t k = 2; k < n; ++k)
        if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
    return n;
}

bool isControl(unsigned char c) { return c < 0x20 || c == 0x7F; }

void appendEscaped(std::string& out, unsigned char c) {
    static const char* hex = "0123456789ABCDEF";
    out += "\\x";
    out += hex[c >> 4];
    out += hex[c & 0xF];
}

}  // namespace

bool isValidUtf8(std::string_view text) {
    for (size_t i = 0; i < text.size();) {
        const size_t n = utf8SequenceLength(text, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

std::string printable(std::string_view text, size_t maxBytes) {
    std::string out;
    for (size_t i = 0; i < text.size();) {
        if (out.size() >= maxBytes) return out + "…";
        const size_t n = utf8SequenceLength(text, i);
        if (n == 0 || (n == 1 && isControl(static_cast<unsigned char>(text[i])))) {
            appendEscaped(out, static_cast<unsigned char>(text[i]));
            ++i;
        } else {
            out.append(text.substr(i, n));
            i += n;
        }
    }
    return out;
}

std::optional<std::string> nameProblem(std::string_view text, size_t maxBytes) {
    if (!isValidUtf8(text)) return "'" + printable(text) + "' is not valid UTF-8 text";
    for (char c : text)
        if (isControl(static_cast<unsigned char>(c)))
            return "'" + printable(text) + "' contains a control character (a NUL, tab or line break)";
    if (text.size() > maxBytes)
        return "'" + printable(text, 60) + "' is too long (" + std::to_string(text.size()) + " bytes; at most " +
               std::to_string(maxBytes) + ")";
    return std::nullopt;
}

}  // namespace tessera
