#include "core/util/timestamp.h"

#include <chrono>
#include <ctime>

namespace tessera {

namespace {

std::string utcFormatted(const char* format) {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, format, &tm);
    return buf;
}

}  // namespace

int64_t unixMillisNow() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string utcFileStamp() { return utcFormatted("%Y%m%d-%H%M%S"); }
std::string utcIso8601() { return utcFormatted("%Y-%m-%dT%H:%M:%SZ"); }

}  // namespace tessera
