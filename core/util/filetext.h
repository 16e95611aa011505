#pragma once
// Reads a whole file into memory, refusing one larger than the caller's limit before reading a byte. Errors name the
// file and the cause ("cannot read 'x.csv': No such file or directory", "'x.csv' is too large (...)").
#include <cstdint>
#include <filesystem>
#include <string>

#include "core/util/expected.h"

namespace tessera {

Expected<std::string> readFileText(const std::filesystem::path& path, uintmax_t maxBytes = UINTMAX_MAX);

}  // namespace tessera
