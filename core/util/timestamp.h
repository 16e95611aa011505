#pragma once
// The current time as the project store and run records keep it (milliseconds since 1970-01-01 UTC), and as text:
// compact for file and folder names that sort in time order ("20261206-063512"), or ISO 8601 for records
// ("2026-12-06T06:35:12Z").
#include <cstdint>
#include <string>

namespace tessera {

int64_t unixMillisNow();
std::string utcFileStamp();
std::string utcIso8601();

}  // namespace tessera
