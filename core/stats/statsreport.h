#pragma once
// Renders ProjectStatistics as JSON (for scripts and the GUI) and as an aligned plain-text report (for the CLI),
// so every front end shows the same numbers with the same wording.
#include <string>

#include <nlohmann/json.hpp>

#include "core/stats/projectstatistics.h"

namespace tessera::stats {

nlohmann::json toJson(const ProjectStatistics& statistics);

// maxListed: how many entries of each flag list / group list are printed before "... and N more" (0: all).
std::string toText(const ProjectStatistics& statistics, size_t maxListed = 20);

}  // namespace tessera::stats
