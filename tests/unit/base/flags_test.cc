#include "agent/base/flags.h"

#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/status_matchers.h"

namespace kafka_agent {
namespace {

using ::kafka_agent::testing::IsOk;
using ::kafka_agent::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<FlagSpec> Specs() {
  return {
      {"name", "NAME", FlagKind::kString, "dflt", "a string"},
      {"count", "COUNT", FlagKind::kInt, "3", "an int"},
      {"timeout", "TIMEOUT", FlagKind::kDuration, "300s", "a duration"},
      {"json", "", FlagKind::kBool, "", "a bool"},
      {"prop", "PROPS", FlagKind::kList, "", "a list"},
  };
}

class FlagsTest : public ::testing::Test {
 protected:
  absl::StatusOr<ParsedFlags> Parse(std::vector<std::string> args) {
    return ParseFlags(Specs(), args,
                      [this](const std::string& k) -> std::optional<std::string> {
                        auto it = env_.find(k);
                        if (it == env_.end()) return std::nullopt;
                        return it->second;
                      },
                      "test");
  }
  std::map<std::string, std::string> env_;
};

TEST_F(FlagsTest, DefaultsThenEnvThenFlag) {
  auto f = Parse({});
  ASSERT_THAT(f, IsOk());
  EXPECT_EQ(f->String("name"), "dflt");
  EXPECT_FALSE(f->IsSet("name"));
  EXPECT_EQ(*f->Int("count"), 3);
  EXPECT_EQ(*f->Duration("timeout"), absl::Seconds(300));
  EXPECT_FALSE(*f->Bool("json"));

  env_["NAME"] = "from-env";
  env_["COUNT"] = "5";
  f = Parse({});
  EXPECT_EQ(f->String("name"), "from-env");
  EXPECT_TRUE(f->IsSet("name"));
  EXPECT_EQ(*f->Int("count"), 5);

  f = Parse({"--name=flag", "--count", "7"});
  EXPECT_EQ(f->String("name"), "flag");
  EXPECT_EQ(*f->Int("count"), 7);
}

TEST_F(FlagsTest, EmptyEnvIsUnset) {
  env_["NAME"] = "";
  auto f = Parse({});
  EXPECT_EQ(f->String("name"), "dflt");
}

TEST_F(FlagsTest, BoolsAndLists) {
  auto f = Parse({"--json", "--prop", "a=1", "--prop=b=2"});
  ASSERT_THAT(f, IsOk());
  EXPECT_TRUE(*f->Bool("json"));
  EXPECT_THAT(f->List("prop"), ElementsAre("a=1", "b=2"));
  f = Parse({"--json=false"});
  EXPECT_FALSE(*f->Bool("json"));
  f = Parse({"--json=maybe"});
  EXPECT_THAT(f->Bool("json"), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("\"maybe\"")));
  env_["PROPS"] = "a=1\n sasl.jaas.config=x y;\n\n";
  f = Parse({});
  EXPECT_THAT(f->List("prop"), ElementsAre("a=1", "sasl.jaas.config=x y;"));
  f = Parse({"--prop=c=3"});
  EXPECT_THAT(f->List("prop"), ElementsAre("c=3")) << "flags beat the variable";
}

TEST_F(FlagsTest, ErrorsNameTheFlagOrVariable) {
  EXPECT_THAT(Parse({"--nope=1"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("unknown flag --nope"),
                             HasSubstr("kafka-agent test"))));
  EXPECT_THAT(Parse({"positional"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("\"positional\"")));
  EXPECT_THAT(Parse({"--name"}), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("--name needs a value")));
  EXPECT_THAT(Parse({"--name", "--count=1"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--name needs a value")));

  auto f = Parse({"--count=three", "--timeout=5 minutes"});
  ASSERT_THAT(f, IsOk());
  EXPECT_THAT(f->Int("count"), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("--count \"three\"")));
  EXPECT_THAT(f->Duration("timeout"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--timeout \"5 minutes\" is not a duration")));

  env_["COUNT"] = "99999999999";
  env_["TIMEOUT"] = "-5s";
  f = Parse({});
  EXPECT_THAT(f->Int("count"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("COUNT (environment) \"99999999999\"")));
  EXPECT_THAT(f->Duration("timeout"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("TIMEOUT (environment) \"-5s\" is negative")));
}

TEST_F(FlagsTest, NegativeNumbersAreValues) {
  auto f = Parse({"--count", "-1"});
  ASSERT_THAT(f, IsOk());
  EXPECT_EQ(*f->Int("count"), -1);
}

TEST(FlagHelpTest, ListsFlagsWithEnvAndDefault) {
  std::string help = FlagHelp(Specs());
  EXPECT_THAT(help, HasSubstr("--count VALUE"));
  EXPECT_THAT(help, HasSubstr("(env COUNT, default 3)"));
  EXPECT_THAT(help, HasSubstr("--json "));
}

}  // namespace
}  // namespace kafka_agent
