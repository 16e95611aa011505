#pragma once
// Read-only view of a zip archive (file or in-memory bytes) over libzip, for PyTorch checkpoints and model bundles.
// Sizes are checked against the archive's own size before anything is allocated, so a hostile header claiming
// terabytes fails cleanly. libzip stays private to tessera_core: this header does not include it.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/util/expected.h"

namespace tessera::nn {

class ZipArchive {
public:
    static Expected<ZipArchive> openFile(const std::string& path);
    // The bytes must outlive the archive. name is used in messages.
    static Expected<ZipArchive> openBytes(const uint8_t* data, size_t size, const std::string& name);

    ZipArchive(ZipArchive&&) noexcept;
    ZipArchive& operator=(ZipArchive&&) noexcept;
    ~ZipArchive();

    const std::string& name() const { return name_; }
    const std::vector<std::string>& entryNames() const { return names_; }
    bool contains(const std::string& entry) const;
    // Uncompressed size, checked to be plausible for the archive's size.
    Expected<uint64_t> entrySize(const std::string& entry) const;
    // The whole entry, refused before anything is inflated when it claims more than `maxBytes`. The entry's CRC is
    // checked: a damaged archive is an error, never silently different data.
    Expected<std::string> read(const std::string& entry, uint64_t maxBytes = UINT64_MAX) const;
    // Reads exactly `size` bytes of the entry's start into dst (the entry may be longer; its CRC is checked when
    // `size` is all of it).
    Status readInto(const std::string& entry, void* dst, uint64_t size) const;

private:
    struct Impl;
    ZipArchive(std::unique_ptr<Impl> impl, std::string name);
    static Expected<ZipArchive> finishOpen(std::unique_ptr<Impl> impl, std::string name);
    std::unique_ptr<Impl> impl_;
    std::string name_;
    std::vector<std::string> names_;
};

// Writes a new zip file from named in-memory entries, atomically (temp file + rename).
struct ZipEntry {
    std::string name;
    std::string data;
    bool compress = true;
};
Status writeZipFile(const std::string& path, const std::vector<ZipEntry>& entries);

}  // namespace tessera::nn
