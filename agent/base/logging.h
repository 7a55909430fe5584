// Logging: the include for logging calls (spdlog, plus formatting of
// absl::string_view, which on Debian is Abseil's own type), and the set-up:
// one line per event on stderr, as text or JSON (--log-format).
#ifndef KAFKA_AGENT_BASE_LOGGING_H_
#define KAFKA_AGENT_BASE_LOGGING_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "spdlog/formatter.h"
#include "spdlog/spdlog.h"

template <>
struct fmt::formatter<absl::string_view> : fmt::formatter<fmt::string_view> {
  template <typename FormatContext>
  auto format(absl::string_view s, FormatContext& ctx) const {
    return fmt::formatter<fmt::string_view>::format(
        fmt::string_view(s.data(), s.size()), ctx);
  }
};

namespace kafka_agent {

enum class LogFormat { kText, kJson };

absl::StatusOr<LogFormat> ParseLogFormat(absl::string_view s);

// Formats each record as one JSON object per line:
// {"ts":"2026-11-25T18:55:46.123Z","level":"info","msg":"..."}.
std::unique_ptr<spdlog::formatter> NewJsonFormatter();

// Text: "2026-11-25T18:55:46.123Z info  message", UTC.
std::unique_ptr<spdlog::formatter> NewTextFormatter();

// Makes the default logger write to stderr in `format`.
void SetupLogging(LogFormat format);

// `s` as the inside of a JSON string (quotes, backslashes, control
// characters escaped; UTF-8 passed through).
std::string JsonEscape(absl::string_view s);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_BASE_LOGGING_H_
