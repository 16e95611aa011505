#pragma once
// Text that comes from outside (class names, find ids, file names, CSV fields): is it fit to store and show, and how
// to quote it in a message when it is not. Strings in Tessera are UTF-8 throughout.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tessera {

bool isValidUtf8(std::string_view text);

// `text` as it can go into a message: invalid UTF-8 bytes and control characters as \xNN, at most `maxBytes` of it
// (cut on a character boundary, then "…").
std::string printable(std::string_view text, size_t maxBytes = 120);

// Why `text` cannot be a name (a class, a find id, a run): not UTF-8, a control character (NUL, line break, tab…),
// or longer than `maxBytes`. nullopt when it can.
std::optional<std::string> nameProblem(std::string_view text, size_t maxBytes);

}  // namespace tessera
