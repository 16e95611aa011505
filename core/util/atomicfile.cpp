#include "core/util/atomicfile.h"

#include <fstream>
#include <system_error>

namespace tessera::util {

Status writeFileAtomically(const std::filesystem::path& file, const std::string& contents) {
    const std::filesystem::path tmp = file.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << contents;
        out.flush();
        if (!out) return makeError("cannot write " + tmp.string());
    }
    std::error_code ec;
    std::filesystem::rename(tmp, file, ec);
    if (ec) {
        std::filesystem::remove(tmp, ec);
        return makeError("cannot replace " + file.string() + ": " + ec.message());
    }
    return {};
}

}  // namespace tessera::util
