// Text that came from the outside world (a Kafka answer, a library's error)
// made safe for protobuf string fields and JSON, which must be valid UTF-8.
#ifndef KAFKA_AGENT_BASE_UTF8_H_
#define KAFKA_AGENT_BASE_UTF8_H_

#include <string>

#include "absl/strings/string_view.h"

namespace kafka_agent {

// Whether `s` is valid UTF-8 (no overlong forms, no surrogates, <= U+10FFFF).
bool IsValidUtf8(absl::string_view s);

// `s` with each byte that is not part of a valid UTF-8 sequence replaced by
// '?'. Valid input comes back unchanged.
std::string ValidUtf8(absl::string_view s);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_BASE_UTF8_H_
