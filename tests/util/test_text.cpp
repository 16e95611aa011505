// Text and paths from outside: UTF-8 validity (RFC 3629, overlongs and surrogates refused), how a bad name is
// quoted in a message, which names and relative paths are accepted.
#include <gtest/gtest.h>

#include <string>

#include "core/util/pathguard.h"
#include "core/util/text.h"

using namespace tessera;

TEST(Text, Utf8ValidityFollowsRfc3629) {
    EXPECT_TRUE(isValidUtf8(""));
    EXPECT_TRUE(isValidUtf8("Terra sigillata"));
    EXPECT_TRUE(isValidUtf8("Keramik \xC3\xA4lter"));         // ä
    EXPECT_TRUE(isValidUtf8("\xE2\x82\xAC 5"));               // €
    EXPECT_TRUE(isValidUtf8("\xF0\x9F\x8F\xBA"));             // 🏺
    EXPECT_FALSE(isValidUtf8("caf\xE9"));                     // Latin-1 é
    EXPECT_FALSE(isValidUtf8("\xC0\xAF"));                    // overlong '/'
    EXPECT_FALSE(isValidUtf8("\xE0\x80\xAF"));                // overlong, three bytes
    EXPECT_FALSE(isValidUtf8("\xED\xA0\x80"));                // a UTF-16 surrogate
    EXPECT_FALSE(isValidUtf8("\xF4\x90\x80\x80"));            // beyond U+10FFFF
    EXPECT_FALSE(isValidUtf8("\xE2\x82"));                    // cut short
    EXPECT_FALSE(isValidUtf8("\x80"));                        // a lone continuation byte
}

TEST(Text, PrintableEscapesWhatATerminalCannotShow) {
    EXPECT_EQ(printable("caf\xE9"), "caf\\xE9");
    EXPECT_EQ(printable(std::string("a\0b", 3)), "a\\x00b");
    EXPECT_EQ(printable("line\nbreak"), "line\\x0Abreak");
    EXPECT_EQ(printable("\xC3\xA4"), "\xC3\xA4");
    const std::string cut = printable(std::string(500, 'x'), 20);
    EXPECT_EQ(cut, std::string(20, 'x') + "…");
}

TEST(Text, NameProblemsSayWhatIsWrong) {
    EXPECT_FALSE(nameProblem("Dressel 20", 200));
    EXPECT_NE(nameProblem("caf\xE9", 200)->find("not valid UTF-8"), std::string::npos);
    EXPECT_NE(nameProblem(std::string("a\0b", 3), 200)->find("control character"), std::string::npos);
    EXPECT_NE(nameProblem("tab\there", 200)->find("control character"), std::string::npos);
    EXPECT_NE(nameProblem(std::string(300, 'a'), 200)->find("too long"), std::string::npos);
}

TEST(PathGuard, RelativePathsMustStayInsideTheirRoot) {
    EXPECT_TRUE(isContainedRelativePath("a.jpg"));
    EXPECT_TRUE(isContainedRelativePath("trench 4/layer 2/sherd..1.jpg"));
    EXPECT_FALSE(isContainedRelativePath(""));
    EXPECT_FALSE(isContainedRelativePath("../../etc/passwd"));
    EXPECT_FALSE(isContainedRelativePath("photos/../../x.jpg"));
    EXPECT_FALSE(isContainedRelativePath("photos/.."));
    EXPECT_FALSE(isContainedRelativePath("/etc/passwd"));
    EXPECT_FALSE(isContainedRelativePath("\\\\server\\share\\x.jpg"));
    EXPECT_FALSE(isContainedRelativePath("C:\\x.jpg"));
    EXPECT_FALSE(isContainedRelativePath("a\\..\\..\\x.jpg"));
    EXPECT_FALSE(isContainedRelativePath("a//b.jpg"));
    EXPECT_FALSE(isContainedRelativePath("./a.jpg"));
    EXPECT_FALSE(isContainedRelativePath(std::string("a\0/../b", 7)));
}

TEST(PathGuard, SingleNamesAreOneFolderName) {
    EXPECT_FALSE(singleNameProblem("run-20261206-051000"));
    EXPECT_FALSE(singleNameProblem("première fouille"));
    EXPECT_TRUE(singleNameProblem(""));
    EXPECT_TRUE(singleNameProblem("."));
    EXPECT_TRUE(singleNameProblem(".."));
    EXPECT_TRUE(singleNameProblem("../../../X"));
    EXPECT_TRUE(singleNameProblem("/tmp/X"));
    EXPECT_TRUE(singleNameProblem("a\\b"));
    EXPECT_TRUE(singleNameProblem(std::string(256, 'r')));
    EXPECT_TRUE(singleNameProblem("bad\xFFname"));
}
