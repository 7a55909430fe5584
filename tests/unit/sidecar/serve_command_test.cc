#include "agent/sidecar/serve_command.h"

#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/fakes.h"

namespace kafka_agent {
namespace {

std::optional<std::string> NoEnv(const std::string&) { return std::nullopt; }

TEST(ServeCommandTest, ServeOptions) {
  auto flags = ParseFlags(ServeFlags(),
                          {"--broker-port=19092", "--kafka-prop",
                           "security.protocol=SSL"},
                          NoEnv, "serve");
  ASSERT_TRUE(flags.ok());
  auto o = ServeOptionsFromFlags(*flags, "kafka-0");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->bootstrap, "localhost:19092");
  EXPECT_EQ(o->grpc_listen, "0.0.0.0:50051");
  EXPECT_EQ(o->poll_interval, absl::Seconds(2));
  ASSERT_EQ(o->kafka_props.size(), 1u);
  EXPECT_EQ(o->kafka_props[0].first, "security.protocol");

  for (std::vector<std::string> bad :
       {std::vector<std::string>{"--kafka-prop=nokey"},
        {"--grpc-listen=50051"},
        {"--grpc-listen=host:99999"},
        {"--poll-interval=1ms"}}) {
    auto f = ParseFlags(ServeFlags(), bad, NoEnv, "serve");
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(ServeOptionsFromFlags(*f, "kafka-0").status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad[0];
  }
}

TEST(ServeCommandTest, ClientPropertiesFromFileThenFlags) {
  testing::FakeFilesystem fs;
  fs.files()["/secret/client.properties"] =
      "# a mounted Secret\nsecurity.protocol=SASL_SSL\nsasl.password: s3cret\n";
  ServeOptions o;
  o.kafka_prop_file = "/secret/client.properties";
  o.kafka_props = {{"security.protocol", "SASL_PLAINTEXT"}};
  auto props = ClientProperties(o, fs);
  ASSERT_TRUE(props.ok()) << props.status();
  ASSERT_EQ(props->size(), 3u);
  EXPECT_EQ((*props)[0], std::make_pair(std::string("security.protocol"),
                                        std::string("SASL_SSL")));
  EXPECT_EQ((*props)[1].second, "s3cret");
  EXPECT_EQ((*props)[2].second, "SASL_PLAINTEXT") << "the flag comes last";

  o.kafka_prop_file = "/secret/missing";
  EXPECT_EQ(ClientProperties(o, fs).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ServeCommandTest, MalformedKafkaPropNeverShowsWhatFollowsTheKey) {
  auto f = ParseFlags(ServeFlags(), {"--kafka-prop", "sasl.password:hunter2"},
                      NoEnv, "serve");
  ASSERT_TRUE(f.ok());
  absl::Status s = ServeOptionsFromFlags(*f, "kafka-0").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("sasl.password"));
  EXPECT_THAT(std::string(s.message()),
              ::testing::Not(::testing::HasSubstr("hunter2")));
}

TEST(ServeCommandTest, HttpListen) {
  auto parse = [](std::vector<std::string> args,
                  std::optional<std::string> env) {
    auto flags = ParseFlags(
        ServeFlags(), args,
        [env](const std::string& name) -> std::optional<std::string> {
          if (name == "KAFKA_AGENT_HTTP_LISTEN") return env;
          return std::nullopt;
        },
        "serve");
    EXPECT_TRUE(flags.ok());
    return ServeOptionsFromFlags(*flags, "kafka-0");
  };
  EXPECT_EQ(parse({}, std::nullopt)->http_listen, "0.0.0.0:9401");
  // An empty variable turns the side port off (DESIGN.md), so does the flag.
  EXPECT_EQ(parse({}, "")->http_listen, "");
  EXPECT_EQ(parse({"--http-listen="}, std::nullopt)->http_listen, "");
  EXPECT_EQ(parse({}, "127.0.0.1:9501")->http_listen, "127.0.0.1:9501");
  // The flag beats the variable, both ways.
  EXPECT_EQ(parse({"--http-listen=127.0.0.1:1"}, "")->http_listen,
            "127.0.0.1:1");
  EXPECT_EQ(parse({"--http-listen="}, "127.0.0.1:9501")->http_listen, "");
  auto bad = parse({"--http-listen=nope"}, std::nullopt);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()),
              ::testing::HasSubstr("--http-listen \"nope\""));
}

}  // namespace
}  // namespace kafka_agent
