#pragma once
// Replacing a file so that a killed process, a power cut or a full disk leaves either the previous version or the
// complete new one, never a torn one: write a temporary file beside the target, flush it to the disk, then rename it
// over the target (like QSaveFile). Errors name the target file and the system's cause ("No space left on device")
// and say that the previous version is unchanged; a file never committed leaves nothing behind.
#include <filesystem>
#include <string>
#include <string_view>

#include "core/util/expected.h"

namespace tessera::util {

class AtomicFile {
public:
    // Creates the temporary file (a unique name beside `target`, so two writers never share it).
    static Expected<AtomicFile> create(const std::filesystem::path& target);

    AtomicFile(AtomicFile&& other) noexcept;
    AtomicFile& operator=(AtomicFile&&) = delete;
    ~AtomicFile();  // removes the temporary file unless committed

    Status write(std::string_view bytes);
    // For writers that take a path (LibTorch archives, libzip): they write (or replace) the file here and close it,
    // then commit() flushes what is at this path and puts it in place.
    const std::filesystem::path& tempPath();
    const std::filesystem::path& target() const { return target_; }
    // Flushes the data to the disk and renames the temporary file over the target. Once.
    Status commit();
    // The message for a failure of the caller's own writer: names the target and `cause`, removes the temporary file.
    Error fail(const std::string& cause);

private:
    AtomicFile(std::filesystem::path target, std::filesystem::path temp, int fd);
    void discard();

    std::filesystem::path target_;
    std::filesystem::path temp_;
    int fd_ = -1;
    bool done_ = false;
    bool writtenByPath_ = false;
};

// The whole file in one go.
Status writeFileAtomically(const std::filesystem::path& file, std::string_view contents);
// A copy of `source` put in place of `file` the same way; the error names the file that could not be read.
Status copyFileAtomically(const std::filesystem::path& source, const std::filesystem::path& file);

}  // namespace tessera::util
