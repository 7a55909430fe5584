// Start-up as a list of named steps (Falco style): each returns a Status and
// is logged with how long it took; the first failure stops the run.
#ifndef KAFKA_AGENT_BASE_STEPS_H_
#define KAFKA_AGENT_BASE_STEPS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "agent/base/clock.h"

namespace kafka_agent {

struct Step {
  std::string name;
  std::function<absl::Status()> run;
};

// Runs `steps` in order. Logs "step 2/6 dns: ..." before and after each one;
// returns the first failure, prefixed with the step's name.
absl::Status RunSteps(const std::vector<Step>& steps, Clock& clock);

// The process exit code for a final status: 0 OK, 2 bad input
// (InvalidArgument), 1 anything else (DESIGN.md).
int ExitCodeFor(const absl::Status& status);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_BASE_STEPS_H_
