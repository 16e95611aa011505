#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/util/expected.h"

using tessera::Expected;
using tessera::makeError;
using tessera::Status;

namespace {
Expected<int> parsePositive(const std::string& s) {
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos)
        return makeError("'" + s + "' is not a positive number");
    return std::stoi(s);
}
}  // namespace

TEST(Expected, HoldsValueOrMessage) {
    auto good = parsePositive("42");
    ASSERT_TRUE(good.ok());
    EXPECT_EQ(*good, 42);
    auto bad = parsePositive("x1");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error(), "'x1' is not a positive number");
}

TEST(Expected, MisuseIsALogicError) {
    auto bad = parsePositive("");
    EXPECT_THROW(bad.value(), std::logic_error);
    auto good = parsePositive("7");
    EXPECT_THROW((void)good.error(), std::logic_error);
}

TEST(Expected, StringValueAndErrorAreDistinct) {
    Expected<std::string> v(std::string("text"));
    EXPECT_TRUE(v.ok());
    EXPECT_EQ(v.value(), "text");
    Expected<std::string> e(makeError("text"));
    EXPECT_FALSE(e.ok());
    EXPECT_EQ(e.error(), "text");
}

TEST(Expected, MoveOnlyValues) {
    Expected<std::unique_ptr<int>> p(std::make_unique<int>(5));
    ASSERT_TRUE(p.ok());
    std::unique_ptr<int> out = std::move(p).value();
    EXPECT_EQ(*out, 5);
}

TEST(Expected, StatusForwardsErrors) {
    Status ok;
    EXPECT_TRUE(ok.ok());
    Status failed = parsePositive("-3").takeError();
    ASSERT_FALSE(failed.ok());
    EXPECT_NE(failed.error().find("-3"), std::string::npos);
}
