#include "agent/base/utf8.h"

#include "gtest/gtest.h"

namespace kafka_agent {
namespace {

TEST(Utf8Test, ValidTextIsKept) {
  for (const char* s : {"", "plain", "Gr\xc3\xbc\xc3\x9f" "e", "\xe2\x82\xac",
                        "\xf0\x9f\x98\x80"}) {
    EXPECT_TRUE(IsValidUtf8(s)) << s;
    EXPECT_EQ(ValidUtf8(s), s);
  }
}

TEST(Utf8Test, InvalidBytesBecomeQuestionMarks) {
  EXPECT_FALSE(IsValidUtf8("a\xff" "b"));
  EXPECT_EQ(ValidUtf8("a\xff" "b"), "a?b");
  EXPECT_EQ(ValidUtf8("\xc3"), "?");                 // truncated
  EXPECT_EQ(ValidUtf8("\xc0\xaf"), "??");            // overlong '/'
  EXPECT_EQ(ValidUtf8("\xed\xa0\x80"), "???");       // a surrogate
  EXPECT_EQ(ValidUtf8("\xf4\x90\x80\x80"), "????");  // > U+10FFFF
  EXPECT_EQ(ValidUtf8("ok\xe2\x82\xac\x80"), "ok\xe2\x82\xac?");
}

}  // namespace
}  // namespace kafka_agent
