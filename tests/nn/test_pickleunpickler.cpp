// The restricted unpickler on hand-built byte strings: the opcodes torch.save emits decode to the right values,
// memo references share one object, and anything outside the whitelist or malformed is a clear error.
#include <gtest/gtest.h>

#include <string>

#include "core/nn/pickleunpickler.h"

using namespace tessera;
using namespace tessera::nn;
using Kind = PickleValue::Kind;
using namespace std::string_literals;  // "..."s keeps embedded NUL bytes

namespace {
Expected<PickleDocument> run(const std::string& bytes) {
    return PickleUnpickler().unpickle(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "t.pkl");
}
std::string str(const std::string& s) {  // BINUNICODE
    std::string out = "X";
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((s.size() >> (8 * i)) & 0xff));
    return out + s;
}
}  // namespace

TEST(PickleUnpickler, DecodesScalarsAndContainers) {
    // (1, 300, -2, 2**40, -1 as LONG1, 1.5, True, None, "héllo", [1, 2], {"k": 3})
    std::string p = "\x80\x02(";
    p += std::string("K\x01", 2) + std::string("M\x2c\x01", 3) + std::string("J\xfe\xff\xff\xff", 5);
    p += std::string("\x8a\x06\x00\x00\x00\x00\x00\x01", 8) + std::string("\x8a\x01\xff", 3);
    p += std::string("G\x3f\xf8\x00\x00\x00\x00\x00\x00", 9) + "\x88" + "N" + str("h\xc3\xa9llo");
    p += "](K\x01K\x02" "e"s + "}" + str("k") + "K\x03s" + "t.";
    auto doc = run(p);
    ASSERT_TRUE(doc.ok()) << doc.error();
    const auto& t = doc->root->items;
    ASSERT_EQ(t.size(), 11u);
    EXPECT_EQ(t[0]->integer, 1);
    EXPECT_EQ(t[1]->integer, 300);
    EXPECT_EQ(t[2]->integer, -2);
    EXPECT_EQ(t[3]->integer, int64_t(1) << 40);
    EXPECT_EQ(t[4]->integer, -1);
    EXPECT_DOUBLE_EQ(t[5]->real, 1.5);
    EXPECT_TRUE(t[6]->boolean);
    EXPECT_TRUE(t[7]->is(Kind::None));
    EXPECT_EQ(t[8]->text, "h\xc3\xa9llo");
    ASSERT_EQ(t[9]->items.size(), 2u);
    EXPECT_EQ(t[10]->get("k")->integer, 3);
}

TEST(PickleUnpickler, MemoSharesObjectsAndOrderedDictBuildIsIgnored) {
    // d = OrderedDict(); d["a"] = x; d["b"] = x (memo); BUILD {"_metadata": {}}
    std::string p = "\x80\x02" "ccollections\nOrderedDict\nq\x00)R" "q\x01("s + str("a") + "]q\x02K\x07" "a" + str("b") +
                    "h\x02u}" + str("_metadata") + "}sb.";
    auto doc = run(p);
    ASSERT_TRUE(doc.ok()) << doc.error();
    ASSERT_TRUE(doc->root->is(Kind::Dict));
    ASSERT_EQ(doc->root->entries.size(), 2u);
    EXPECT_EQ(doc->root->get("a"), doc->root->get("b"));
    EXPECT_EQ(doc->root->get("a")->items[0]->integer, 7);
}

TEST(PickleUnpickler, RefusesGlobalsOutsideTheWhitelist) {
    for (const std::string& g : {std::string("os\nsystem\n"), std::string("builtins\neval\n"),
                                 std::string("torch\nload\n"), std::string("torch._utils\n_rebuild_qtensor\n")}) {
        auto doc = run("\x80\x02" "c" + g + str("x") + "\x85R.");
        ASSERT_FALSE(doc.ok());
        std::string name = g.substr(0, g.find('\n')) + "." + g.substr(g.find('\n') + 1);
        name.pop_back();
        EXPECT_NE(doc.error().find("refusing global '" + name + "' in file t.pkl: only tensors are allowed"),
                  std::string::npos) << doc.error();
    }
    // Protocol 4's STACK_GLOBAL goes through the same whitelist.
    auto sg = run("\x80\x04" "\x8c\x02os\x8c\x06system\x93" + str("x") + "\x85R.");
    ASSERT_FALSE(sg.ok());
    EXPECT_NE(sg.error().find("refusing global 'os.system'"), std::string::npos) << sg.error();
}

TEST(PickleUnpickler, MalformedInputIsAnErrorWithAnOffset) {
    const std::string cases[] = {
        "",                                  // empty
        "\x80\x02K",                         // truncated int
        "\x80\x02t.",                        // TUPLE without MARK
        "\x80\x02" "a.",                     // APPEND on an empty stack
        "\x80\x02h\x05.",                    // GET of an unknown memo slot
        "\x80\x02K\x01K\x02.",               // two values at STOP
        "\x80\x02X\xff\xff\xff\x7f" "abc.",  // string length past the end
        "\x80\x02i\n.",                      // INST: unsupported opcode
        "\x80\x09N.",                        // unknown protocol
        "\x80\x02K\x01R.",                   // REDUCE on a non-callable
        "\x80\x02\x8a\x09\x01\x01\x01\x01\x01\x01\x01\x01\x01."s,  // integer wider than 64 bits
        "\x80\x02N",                         // no STOP
    };
    for (const auto& c : cases) {
        auto doc = run(c);
        ASSERT_FALSE(doc.ok()) << "accepted bytes of length " << c.size();
        EXPECT_NE(doc.error().find("t.pkl"), std::string::npos) << doc.error();
    }
}

TEST(PickleUnpickler, SelfReferencingListDoesNotHangOrLeak) {
    // l = []; l.append(l): a cycle through the memo; the arena owns everything.
    auto doc = run("\x80\x02]q\x00h\x00" "a."s);
    ASSERT_TRUE(doc.ok()) << doc.error();
    EXPECT_EQ(doc->root->items[0], doc->root);
}
