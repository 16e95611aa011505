#include "core/util/pathguard.h"

#include "core/util/text.h"

namespace tessera {

bool isContainedRelativePath(std::string_view relPath) {
    if (relPath.empty() || relPath.front() == '/' || relPath.front() == '\\') return false;
    if (relPath.size() >= 2 && relPath[1] == ':') return false;  // C:foo, a Windows drive
    if (relPath.find('\0') != std::string_view::npos) return false;
    size_t start = 0;
    while (start <= relPath.size()) {
        size_t end = relPath.find_first_of("/\\", start);
        if (end == std::string_view::npos) end = relPath.size();
        const std::string_view part = relPath.substr(start, end - start);
        if (part.empty() || part == "." || part == "..") return false;
        start = end + 1;
    }
    return true;
}

std::optional<std::string> singleNameProblem(std::string_view name) {
    if (name.empty()) return std::string("the name is empty");
    if (name == "." || name == "..") return "'" + std::string(name) + "' is not a name";
    if (name.find_first_of("/\\") != std::string_view::npos)
        return "'" + printable(name) + "' contains a '/' or '\\'; it must be a single name, not a path";
    return nameProblem(name, 255);
}

}  // namespace tessera
