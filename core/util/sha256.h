#pragma once
// SHA-256 over memory, streams and files (OpenSSL). Used for image content hashes (rename survival, duplicates)
// and for verifying downloaded weights against the hash prefix in their file name.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "expected.h"

namespace tessera::util {

class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void update(const void* data, size_t size);
    std::string finalHex();  // lower-case hex; the object must not be updated afterwards

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

std::string sha256Hex(const void* data, size_t size);
std::string sha256Hex(const std::string& bytes);
Expected<std::string> sha256File(const std::filesystem::path& path);

}  // namespace tessera::util
