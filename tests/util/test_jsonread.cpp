// Numbers from JSON anyone may have edited: wrong types and values out of range are absent, never converted.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/util/jsonread.h"

using namespace tessera;
using nlohmann::json;

TEST(JsonRead, NumbersOutOfRangeOrOfTheWrongTypeAreAbsent) {
    EXPECT_EQ(jsonAs<int>(json(12)), 12);
    EXPECT_EQ(jsonAs<int>(json(12.0)), 12);
    EXPECT_FALSE(jsonAs<int>(json(12.5)));
    EXPECT_FALSE(jsonAs<int>(json(3.55556e+118)));  // found by fuzz_runcard: UB in nlohmann's get<long>
    EXPECT_FALSE(jsonAs<int>(json(int64_t(1) << 40)));
    EXPECT_FALSE(jsonAs<int>(json("12")));
    EXPECT_FALSE(jsonAs<int>(json(true)));
    EXPECT_EQ(jsonAs<int64_t>(json(-5)), -5);
    EXPECT_FALSE(jsonAs<uint32_t>(json(-5)));
    EXPECT_FALSE(jsonAs<int64_t>(json(9.3e18)));
    EXPECT_FALSE(jsonAs<int64_t>(json(UINT64_MAX)));
    EXPECT_EQ(jsonAs<double>(json(1e300)), 1e300);
    EXPECT_FALSE(jsonAs<float>(json(1e300)));
    EXPECT_EQ(jsonAs<bool>(json(true)), true);
    EXPECT_FALSE(jsonAs<bool>(json(1)));
}

TEST(JsonRead, ListsAreAllOrNothing) {
    EXPECT_EQ(jsonAs<std::vector<int>>(json::parse("[1, 2, 3]")), (std::vector<int>{1, 2, 3}));
    EXPECT_FALSE(jsonAs<std::vector<int>>(json::parse("[1, \"x\", 3]")));
    EXPECT_EQ(jsonAs<std::vector<std::vector<int64_t>>>(json::parse("[[1], [2, 3]]")),
              (std::vector<std::vector<int64_t>>{{1}, {2, 3}}));
    EXPECT_FALSE(jsonAs<std::vector<std::vector<int64_t>>>(json::parse("[[1], 2]")));
    const json object = json::parse(R"({"a": 1, "b": "x"})");
    EXPECT_EQ(jsonValueOr(object, "a", 7), 1);
    EXPECT_EQ(jsonValueOr(object, "b", 7), 7);
    EXPECT_EQ(jsonValueOr(object, "c", 7), 7);
    EXPECT_EQ(jsonValueOr(json(3), "a", 7), 7);
}
