#include "agent/sidecar/kafka_sasl.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/status_matchers.h"

namespace kafka_agent {
namespace wire {
namespace {

using ::kafka_agent::testing::IsOk;
using ::kafka_agent::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

// RFC 7677 section 3: user "user", password "pencil".
constexpr char kClientNonce[] = "rOprNGfwEbeRWgbNEkqO";
constexpr char kServerFirst[] =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";

TEST(ScramTest, Rfc7677Sha256Vector) {
  ScramClient c(ScramHash::kSha256, "user", "pencil", kClientNonce);
  EXPECT_EQ(c.ClientFirst(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  absl::StatusOr<std::string> final_msg = c.ClientFinal(kServerFirst);
  ASSERT_THAT(final_msg, IsOk());
  EXPECT_EQ(*final_msg,
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
            "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  EXPECT_THAT(
      c.VerifyServerFinal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="),
      IsOk());
}

// The same exchange with SHA-512 (no RFC vector exists; computed with
// Python's hashlib.pbkdf2_hmac/hmac, an independent implementation).
TEST(ScramTest, Sha512Vector) {
  ScramClient c(ScramHash::kSha512, "user", "pencil", kClientNonce);
  absl::StatusOr<std::string> final_msg = c.ClientFinal(kServerFirst);
  ASSERT_THAT(final_msg, IsOk());
  EXPECT_EQ(*final_msg,
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
            "p=gMGXRcevScNtxZ6/8lQYpGtnsNAc3mGcmNomv+xnoOMw+3R2xNJdMNnzMlTN8PPC"
            "6wdp6dybEmDYXYTxwnYPJQ==");
  EXPECT_THAT(
      c.VerifyServerFinal(
          "v=ZQnYEgWQMFmmsM8aQMF0nDDCy/AgCzkwk8CmMZYcMg0vSVlKDanekLtifDSe"
          "VGT4+5ZxXnJq199RVG2rR7N7Zw=="),
      IsOk());
}

TEST(ScramTest, UserNameIsEscaped) {
  ScramClient c(ScramHash::kSha256, "a=b,c", "pw", "n0");
  EXPECT_EQ(c.ClientFirst(), "n,,n=a=3Db=2Cc,r=n0");
}

TEST(ScramTest, RejectsBadServerMessagesWithoutLeakingThePassword) {
  const std::string pw = "pencil-secret";
  auto client = [&] {
    return ScramClient(ScramHash::kSha256, "user", pw, kClientNonce);
  };
  struct Case {
    const char* server_first;
    absl::StatusCode code;
    const char* message;
  } cases[] = {
      {"r=someoneElsesNonce,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
       absl::StatusCode::kInvalidArgument, "does not extend the client nonce"},
      {"r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
       absl::StatusCode::kInvalidArgument, "does not extend the client nonce"},
      {"r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=100",
       absl::StatusCode::kInvalidArgument, "iteration count 100"},
      {"r=rOprNGfwEbeRWgbNEkqOx,s=!!!,i=4096",
       absl::StatusCode::kInvalidArgument, "salt is not valid base64"},
      {"r=rOprNGfwEbeRWgbNEkqOx,i=4096", absl::StatusCode::kInvalidArgument,
       "needs r=, s= and i="},
      {"e=invalid-encoding", absl::StatusCode::kUnauthenticated,
       "invalid-encoding"},
      {"m=ext,r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
       absl::StatusCode::kUnimplemented, "mandatory extension"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.server_first);
    ScramClient s = client();
    absl::StatusOr<std::string> r = s.ClientFinal(c.server_first);
    EXPECT_THAT(r, StatusIs(c.code, HasSubstr(c.message)));
    EXPECT_THAT(std::string(r.status().message()), Not(HasSubstr(pw)));
  }
}

TEST(ScramTest, ServerFinalMustProveTheKey) {
  ScramClient c(ScramHash::kSha256, "user", "pencil", kClientNonce);
  ASSERT_THAT(c.ClientFinal(kServerFirst), IsOk());
  EXPECT_THAT(c.VerifyServerFinal("v=AAAA"),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("server signature does not match")));
  EXPECT_THAT(
      c.VerifyServerFinal("e=other-error"),
      StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("other-error")));
  EXPECT_THAT(
      c.VerifyServerFinal("junk"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed")));
  // Before ClientFinal there is nothing to verify against.
  ScramClient fresh(ScramHash::kSha256, "user", "pencil", kClientNonce);
  EXPECT_THAT(
      fresh.VerifyServerFinal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="),
      StatusIs(absl::StatusCode::kUnauthenticated, ::testing::_));
}

TEST(SaslTest, PlainAuthBytes) {
  EXPECT_EQ(PlainAuthBytes("agent", "pw"), std::string("\0agent\0pw", 9));
}

TEST(SaslTest, NoncesAreRandomAndPrintable) {
  const std::string a = NewScramNonce(), b = NewScramNonce();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 32u);  // 24 bytes, base64
  EXPECT_EQ(a.find(','), std::string::npos);
}

}  // namespace
}  // namespace wire
}  // namespace kafka_agent
