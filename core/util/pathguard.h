#pragma once
// Paths taken from outside (a flag, a database row, a CSV field, an archive entry) must stay inside their root.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace tessera {

// A '/'-separated path relative to a root that cannot leave it: not empty, not absolute (no leading '/' or '\',
// no drive letter), no empty, '.' or '..' component, no NUL byte.
bool isContainedRelativePath(std::string_view relPath);

// Why `name` cannot be one folder or file name inside another folder (a run name, an export's sub-folder): empty,
// '.' or '..', a '/' or '\' in it, a control character, not UTF-8, or longer than 255 bytes. nullopt when it can.
std::optional<std::string> singleNameProblem(std::string_view name);

}  // namespace tessera
