#pragma once
// Why writes to a folder fail, when a library (SQLite) reports only "disk I/O error": the disk (or the user's
// quota) is full, or this process may not write files that large (ulimit -f). nullopt when neither is the case.
#include <filesystem>
#include <optional>
#include <string>

namespace tessera::util {

std::optional<std::string> whyWritesFail(const std::filesystem::path& folder);

}  // namespace tessera::util
