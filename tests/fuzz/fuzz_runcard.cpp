// libFuzzer target: bytes -> RunCard::parseSummary (runcard.json of a run folder or a model bundle, which anyone
// may have edited): never throws, whatever the types of its fields.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/train/runcard.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    auto summary = tessera::learn::RunCard::parseSummary(text, "fuzz/runcard.json");
    if (!summary) {
        if (summary.error().find("fuzz/runcard.json") == std::string::npos) std::abort();  // errors name the file
        return 0;
    }
    for (const auto& epoch : summary->history) (void)tessera::learn::RunCard::toJson(epoch).dump();
    return 0;
}
