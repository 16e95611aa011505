// libFuzzer target: bytes -> CsvReader::parse (RFC 4180 records, quotes, line breaks, BOM), then the helpers the
// importers apply to each field. Every record must stay within the text it came from.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/project/csvreader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const auto parsed = tessera::project::CsvReader::parse(text);
    size_t fieldBytes = 0;
    for (const auto& record : parsed.records)
        for (const std::string& field : record.fields) {
            fieldBytes += field.size();
            const std::string lowered = tessera::project::CsvReader::lowerAscii(tessera::project::CsvReader::trim(field));
            (void)tessera::project::CsvReader::isFileHeader(lowered);
            // What the exporters write must read back as the same field.
            const auto again = tessera::project::CsvReader::parse(tessera::project::CsvReader::quote(field) + "\n");
            if (!field.empty() && (again.records.size() != 1 || again.records[0].fields.size() != 1 ||
                                   again.records[0].fields[0] != field))
                std::abort();
        }
    if (fieldBytes > size) std::abort();  // parsing never invents data
    return 0;
}
