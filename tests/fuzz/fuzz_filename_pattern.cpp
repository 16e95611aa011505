// libFuzzer target: a pattern the user types and the file names it is tried on -> FileNamePattern::compile/match.
// Input: the pattern, a line break, then one relative path per line. Placeholder patterns and "re:" regular
// expressions both: a bad pattern must be an error message, and matching must end quickly on any name.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/project/filenamepattern.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const size_t eol = input.find('\n');
    const std::string pattern(input.substr(0, eol));
    auto compiled = tessera::project::FileNamePattern::compile(pattern);
    if (!compiled) {
        if (compiled.error().empty()) std::abort();  // refused patterns say why
        return 0;
    }
    std::string_view rest = eol == std::string_view::npos ? std::string_view() : input.substr(eol + 1);
    while (!rest.empty()) {
        const size_t next = rest.find('\n');
        const std::string path(rest.substr(0, next));
        if (auto info = compiled->match(path))
            if (info->findId.size() > path.size() || info->site.size() > path.size() || info->context.size() > path.size())
                std::abort();  // fields are parts of the name
        rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
    }
    return 0;
}
