#include "core/util/filetext.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace tessera {

Expected<std::string> readFileText(const std::filesystem::path& path, uintmax_t maxBytes) {
    const std::string name = "'" + path.string() + "'";
    std::ifstream in(path, std::ios::binary);
    if (!in) return makeError("cannot read " + name + ": " + std::strerror(errno));
    std::error_code ec;
    const uintmax_t size = std::filesystem::file_size(path, ec);
    if (!ec && size > maxBytes)
        return makeError(name + " is too large (" + std::to_string(size) + " bytes; at most " + std::to_string(maxBytes) +
                         ")");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) return makeError("cannot read " + name + ": read error");
    std::string text = std::move(buffer).str();
    if (text.size() > maxBytes) return makeError(name + " is too large (it grew while being read)");
    return text;
}

}  // namespace tessera
