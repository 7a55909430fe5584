// GoogleTest matchers for absl::Status (Abseil 20220623 ships none).
#ifndef KAFKA_AGENT_TESTS_UNIT_STATUS_MATCHERS_H_
#define KAFKA_AGENT_TESTS_UNIT_STATUS_MATCHERS_H_

#include <ostream>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace kafka_agent {
namespace testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status: " << s;
  return s.ok();
}

// StatusIs(code, message_matcher)
MATCHER_P2(StatusIs, code, message_matcher,
           "has code " + absl::StatusCodeToString(code)) {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status: " << s;
  return s.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, std::string(s.message()),
                                       result_listener);
}

}  // namespace testing
}  // namespace kafka_agent

#endif  // KAFKA_AGENT_TESTS_UNIT_STATUS_MATCHERS_H_
