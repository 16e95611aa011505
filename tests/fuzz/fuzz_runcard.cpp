// libFuzzer target: bytes -> RunCard::parseSummary (runcard.json of a run folder or a model bundle, which anyone
// may have edited) and RunCard::epochFromText / optionsFromText (a run record's JSON columns in a project database
// from someone else): never throws, whatever the types of its fields.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/train/runcard.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    if (auto epoch = tessera::learn::RunCard::epochFromText(text)) (void)tessera::learn::RunCard::toJson(*epoch).dump();
    if (auto options = tessera::learn::RunCard::optionsFromText(text))
        (void)tessera::learn::RunCard::toJson(*options).dump();
    auto summary = tessera::learn::RunCard::parseSummary(text, "fuzz/runcard.json");
    if (!summary) {
        if (summary.error().find("fuzz/runcard.json") == std::string::npos) std::abort();  // errors name the file
        return 0;
    }
    for (const auto& epoch : summary->history) (void)tessera::learn::RunCard::toJson(epoch).dump();
    return 0;
}
