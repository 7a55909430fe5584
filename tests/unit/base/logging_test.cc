#include "agent/base/logging.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spdlog/details/log_msg.h"

namespace kafka_agent {
namespace {

using ::testing::MatchesRegex;

TEST(JsonEscapeTest, EscapesWhatJsonNeeds) {
  EXPECT_EQ(JsonEscape("a\"b\\c\nd\te\x01"), "a\\\"b\\\\c\\nd\\te\\u0001");
  EXPECT_EQ(JsonEscape("caf\xc3\xa9"), "caf\xc3\xa9");
}

TEST(JsonFormatterTest, OneObjectPerLine) {
  auto f = NewJsonFormatter();
  spdlog::details::log_msg msg("kafka-agent", spdlog::level::warn,
                               "dns: \"x\" resolved");
  spdlog::memory_buf_t buf;
  f->format(msg, buf);
  std::string line(buf.data(), buf.size());
  EXPECT_THAT(line,
              MatchesRegex("\\{\"ts\":\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\","
                           "\"level\":\"warning\",\"msg\":\"dns: \\\\\"x\\\\\" "
                           "resolved\"\\}\n"));
}

TEST(ParseLogFormatTest, Values) {
  EXPECT_EQ(*ParseLogFormat("json"), LogFormat::kJson);
  EXPECT_EQ(*ParseLogFormat("text"), LogFormat::kText);
  EXPECT_FALSE(ParseLogFormat("xml").ok());
}

}  // namespace
}  // namespace kafka_agent
