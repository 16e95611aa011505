#include "core/util/diskspace.h"

#include <sys/resource.h>
#include <sys/statvfs.h>

#include <cstdint>

namespace tessera::util {

std::optional<std::string> whyWritesFail(const std::filesystem::path& folder) {
    // Below this, a database page, a WAL frame or a checkpoint can no longer be written.
    constexpr uint64_t kNearlyFull = 1u << 20;
    struct statvfs fs {};
    if (::statvfs(folder.c_str(), &fs) == 0 && uint64_t(fs.f_bavail) * fs.f_frsize < kNearlyFull)
        return "no space left on the device: " + std::to_string(uint64_t(fs.f_bavail) * fs.f_frsize / 1024) +
               " KiB free for '" + folder.string() + "'; free some space and try again";
    rlimit limit{};
    if (::getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
        return "File too large: this program may write files of at most " + std::to_string(limit.rlim_cur) +
               " bytes (ulimit -f)";
    return std::nullopt;
}

}  // namespace tessera::util
