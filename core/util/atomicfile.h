#pragma once
// Replacing a small file (an index, a manifest) so that a killed process leaves either the old or the new version,
// never a torn one: write a sibling temporary file, then rename it over the target.
#include <filesystem>
#include <string>

#include "core/util/expected.h"

namespace tessera::util {

Status writeFileAtomically(const std::filesystem::path& file, const std::string& contents);

}  // namespace tessera::util
