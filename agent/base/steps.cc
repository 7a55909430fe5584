#include "agent/base/steps.h"

#include "absl/strings/str_cat.h"
#include "agent/base/logging.h"

namespace kafka_agent {

absl::Status RunSteps(const std::vector<Step>& steps, Clock& clock) {
  const size_t n = steps.size();
  for (size_t i = 0; i < n; ++i) {
    const Step& step = steps[i];
    spdlog::info("step {}/{} {}: start", i + 1, n, step.name);
    const MonoTime start = clock.Monotonic();
    absl::Status s = step.run();
    const double ms =
        absl::ToDoubleMilliseconds(absl::Trunc(clock.Monotonic() - start,
                                               absl::Microseconds(100)));
    if (!s.ok()) {
      spdlog::error("step {}/{} {}: failed after {}ms: {}", i + 1, n,
                    step.name, ms, s.message());
      return absl::Status(s.code(), absl::StrCat(step.name, ": ", s.message()));
    }
    spdlog::info("step {}/{} {}: ok in {}ms", i + 1, n, step.name, ms);
  }
  return absl::OkStatus();
}

int ExitCodeFor(const absl::Status& status) {
  if (status.ok()) return 0;
  if (status.code() == absl::StatusCode::kInvalidArgument) return 2;
  return 1;
}

}  // namespace kafka_agent
