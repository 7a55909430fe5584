#include "agent/base/properties.h"

#include <random>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/status_matchers.h"

namespace kafka_agent {
namespace {

using ::kafka_agent::testing::IsOk;
using ::kafka_agent::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

std::vector<Properties::Entry> ParseOk(absl::string_view text) {
  auto p = Properties::Parse(text);
  EXPECT_THAT(p, IsOk());
  return p.ok() ? p->entries() : std::vector<Properties::Entry>{};
}

TEST(PropertiesParseTest, SeparatorsAndWhitespace) {
  EXPECT_THAT(ParseOk("a=1\nb:2\nc 3\nd\t=\t4\n  e  :  5  \nf\ng=\n"),
              ElementsAre(Pair("a", "1"), Pair("b", "2"), Pair("c", "3"),
                          Pair("d", "4"), Pair("e", "5  "), Pair("f", ""),
                          Pair("g", "")));
  // Only the first separator counts; the rest belongs to the value.
  EXPECT_THAT(ParseOk("url=a=b:c\nk :=v\n"),
              ElementsAre(Pair("url", "a=b:c"), Pair("k", "=v")));
  // The value of `listeners` keeps its colons.
  EXPECT_THAT(ParseOk("listeners=PLAINTEXT://:9092"),
              ElementsAre(Pair("listeners", "PLAINTEXT://:9092")));
}

TEST(PropertiesParseTest, CommentsAndBlankLines) {
  EXPECT_THAT(ParseOk("# comment\n! also\n   # indented\n\n  \t\na=1 # not "
                      "a comment\n"),
              ElementsAre(Pair("a", "1 # not a comment")));
  // A comment line ending in a backslash does not continue.
  EXPECT_THAT(ParseOk("# comment \\\na=1\n"), ElementsAre(Pair("a", "1")));
}

TEST(PropertiesParseTest, LineTerminators) {
  EXPECT_THAT(ParseOk("a=1\r\nb=2\rc=3\n\rd=4"),
              ElementsAre(Pair("a", "1"), Pair("b", "2"), Pair("c", "3"),
                          Pair("d", "4")));
}

TEST(PropertiesParseTest, ContinuationLines) {
  EXPECT_THAT(ParseOk("list=a,\\\n    b,\\\n\tc\nnext=1\n"),
              ElementsAre(Pair("list", "a,b,c"), Pair("next", "1")));
  // An even number of trailing backslashes is an escaped backslash.
  EXPECT_THAT(ParseOk("path=c:\\\\\nx=1\n"),
              ElementsAre(Pair("path", "c:\\"), Pair("x", "1")));
  // A continued line may start with '#': it is not a comment.
  EXPECT_THAT(ParseOk("a=1\\\n#2\n"), ElementsAre(Pair("a", "1#2")));
  // A trailing backslash at the end of the file is dropped.
  EXPECT_THAT(ParseOk("a=1\\"), ElementsAre(Pair("a", "1")));
  // Continuation with CRLF.
  EXPECT_THAT(ParseOk("a=1\\\r\n  2\r\n"), ElementsAre(Pair("a", "12")));
}

TEST(PropertiesParseTest, Escapes) {
  EXPECT_THAT(ParseOk("my\\ key\\=x=v\\tw\\nx\\\\y\\z\n"),
              ElementsAre(Pair("my key=x", "v\tw\nx\\yz")));
  EXPECT_THAT(ParseOk("\\#notcomment=1"),
              ElementsAre(Pair("#notcomment", "1")));
  EXPECT_THAT(ParseOk("k=\\u00e9\\u20AC\\uD83D\\uDE00"),
              ElementsAre(Pair("k", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80")));
  // The file is ISO-8859-1: byte 0xE9 is 'é'.
  EXPECT_THAT(ParseOk("k=caf\xe9"), ElementsAre(Pair("k", "caf\xc3\xa9")));
  // A leading escaped space is kept.
  EXPECT_THAT(ParseOk("k=\\  v"), ElementsAre(Pair("k", "  v")));
}

TEST(PropertiesParseTest, MalformedUnicodeEscapeNamesTheLine) {
  EXPECT_THAT(Properties::Parse("a=1\nb=\\u12G4\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("line 2: malformed \\uXXXX")));
  EXPECT_THAT(Properties::Parse("a=\\u12"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("line 1")));
}

TEST(PropertiesParseTest, LaterValueWinsInFirstPosition) {
  EXPECT_THAT(ParseOk("a=1\nb=2\na=3\n"),
              ElementsAre(Pair("a", "3"), Pair("b", "2")));
}

TEST(PropertiesTest, SetGetErase) {
  Properties p;
  p.Set("a", "1");
  p.Set("b", "2");
  p.Set("a", "3");
  ASSERT_NE(p.Get("a"), nullptr);
  EXPECT_EQ(*p.Get("a"), "3");
  EXPECT_EQ(p.Get("c"), nullptr);
  EXPECT_TRUE(p.Erase("a"));
  EXPECT_FALSE(p.Erase("a"));
  EXPECT_EQ(p.size(), 1u);
}

TEST(PropertiesEscapeTest, KeysAndValues) {
  EXPECT_EQ(EscapePropertyKey("a b=c:d#e!f"), "a\\ b\\=c\\:d\\#e\\!f");
  EXPECT_EQ(EscapePropertyValue("PLAINTEXT://:9092"), "PLAINTEXT://:9092");
  EXPECT_EQ(EscapePropertyValue(" lead and inner "), "\\ lead and inner ");
  EXPECT_EQ(EscapePropertyValue("a\\b\tc\nd"), "a\\\\b\\tc\\nd");
  EXPECT_EQ(EscapePropertyValue("caf\xc3\xa9 \xf0\x9f\x98\x80"),
            "caf\\u00E9 \\uD83D\\uDE00");
  EXPECT_EQ(EscapePropertyValue("#!=:"), "#!=:");
}

TEST(PropertiesRoundTripTest, SerializeThenParseGivesTheSameEntries) {
  std::mt19937 rng(42);
  const std::string alphabet =
      std::string("ab =:#!\\\t\n\r\f,.-_") + "\xc3\xa9" + "\x01";
  for (int round = 0; round < 2000; ++round) {
    Properties p;
    int n = rng() % 4 + 1;
    for (int i = 0; i < n; ++i) {
      auto gen = [&](int max_len) {
        std::string s;
        int len = static_cast<int>(rng() % max_len);
        for (int k = 0; k < len; ++k) {
          size_t pick = rng() % alphabet.size();
          // Keep the two-byte 'é' whole.
          if (alphabet[pick] == '\xc3' || alphabet[pick] == '\xa9') {
            s += "\xc3\xa9";
          } else {
            s += alphabet[pick];
          }
        }
        return s;
      };
      p.Set(gen(6) + "k", gen(10));
    }
    auto back = Properties::Parse(p.Serialize());
    ASSERT_THAT(back, IsOk());
    ASSERT_EQ(back->entries(), p.entries()) << p.Serialize();
  }
}

}  // namespace
}  // namespace kafka_agent
