// Command-line flags with environment-variable fallbacks (DESIGN.md: every
// flag has a variable, Downward API friendly; a flag beats its variable).
//
// absl::ParseCommandLine is not used: it exits by itself on a bad flag, with
// its own exit code, and knows neither subcommands nor variables.
#ifndef KAFKA_AGENT_BASE_FLAGS_H_
#define KAFKA_AGENT_BASE_FLAGS_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace kafka_agent {

enum class FlagKind { kString, kInt, kDuration, kBool, kList };

struct FlagSpec {
  std::string name;           // without the leading "--"
  std::string env;            // empty: no variable
  FlagKind kind = FlagKind::kString;
  std::string default_value;  // as text; empty for none
  std::string help;
  // An empty variable sets the flag to "" (e.g. turns a listener off)
  // instead of counting as unset.
  bool empty_env_is_value = false;
};

using GetEnvFn = std::function<std::optional<std::string>(const std::string&)>;

// The flags of one command after parsing. Typed getters validate lazily and
// name where a bad value came from ("--controllers" or "KAFKA_CONTROLLERS").
class ParsedFlags {
 public:
  struct Value {
    std::string text;
    std::string source;  // "--name", "NAME (environment)" or "default"
    bool set = false;    // from a flag or variable, not the default
  };

  bool IsSet(const std::string& name) const;
  std::string String(const std::string& name) const;
  absl::StatusOr<int> Int(const std::string& name) const;
  absl::StatusOr<absl::Duration> Duration(const std::string& name) const;
  absl::StatusOr<bool> Bool(const std::string& name) const;
  std::vector<std::string> List(const std::string& name) const;
  // Where the value of `name` came from, for messages.
  std::string Source(const std::string& name) const;

 private:
  friend absl::StatusOr<ParsedFlags> ParseFlags(
      const std::vector<FlagSpec>&, const std::vector<std::string>&,
      const GetEnvFn&, absl::string_view);
  const Value& Get(const std::string& name) const;

  std::map<std::string, Value> values_;
  std::map<std::string, std::vector<std::string>> lists_;
};

// Parses `args` (after the command name) against `specs`: `--name=value`,
// `--name value`, and for booleans `--name` or `--name=false`. A list flag
// repeats; its variable holds one value per line. A flag not
// given falls back to its variable, then to its default. Unknown flags,
// missing values and positional arguments are InvalidArgument, naming them
// and `command`.
absl::StatusOr<ParsedFlags> ParseFlags(const std::vector<FlagSpec>& specs,
                                       const std::vector<std::string>& args,
                                       const GetEnvFn& getenv,
                                       absl::string_view command);

// "  --name VALUE   help (env NAME, default X)" lines for help output.
std::string FlagHelp(const std::vector<FlagSpec>& specs);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_BASE_FLAGS_H_
