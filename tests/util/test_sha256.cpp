#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "core/util/sha256.h"

namespace fs = std::filesystem;
using namespace tessera::util;

TEST(Sha256, KnownVectors) {
    EXPECT_EQ(sha256Hex(std::string()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256Hex(std::string("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256Hex(std::string("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, IncrementalMatchesOneShot) {
    std::string data(100000, '\0');
    for (size_t i = 0; i < data.size(); ++i) data[i] = char(i * 31 + 7);
    Sha256 h;
    for (size_t off = 0; off < data.size(); off += 997) h.update(data.data() + off, std::min<size_t>(997, data.size() - off));
    EXPECT_EQ(h.finalHex(), sha256Hex(data));
}

TEST(Sha256, FileHashAndMissingFile) {
    const fs::path dir = fs::temp_directory_path() / ("tessera_sha_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const fs::path file = dir / "abc.bin";
    { std::ofstream(file, std::ios::binary) << "abc"; }
    auto h = sha256File(file);
    ASSERT_TRUE(h.ok()) << h.error();
    EXPECT_EQ(*h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    auto missing = sha256File(dir / "nope.bin");
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().find("nope.bin"), std::string::npos);
    fs::remove_all(dir);
}
