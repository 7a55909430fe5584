// The include for logging calls: spdlog, plus formatting of absl::string_view
// (on Debian it is Abseil's own type, not std::string_view).
#ifndef KAFKA_AGENT_AGENT_LOG_H_
#define KAFKA_AGENT_AGENT_LOG_H_

#include "absl/strings/string_view.h"
#include "spdlog/spdlog.h"

template <>
struct fmt::formatter<absl::string_view> : fmt::formatter<fmt::string_view> {
  template <typename FormatContext>
  auto format(absl::string_view s, FormatContext& ctx) const {
    return fmt::formatter<fmt::string_view>::format(
        fmt::string_view(s.data(), s.size()), ctx);
  }
};

#endif  // KAFKA_AGENT_AGENT_LOG_H_
