#pragma once
// The current UTC time as text: compact for file and folder names that sort in time order ("20261206-063512"),
// or ISO 8601 for records ("2026-12-06T06:35:12Z").
#include <string>

namespace tessera {

std::string utcFileStamp();
std::string utcIso8601();

}  // namespace tessera
