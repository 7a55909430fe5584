#include "agent/base/flags.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace kafka_agent {
namespace {

absl::Status Invalid(absl::string_view msg) {
  return absl::InvalidArgumentError(msg);
}

const FlagSpec* Find(const std::vector<FlagSpec>& specs,
                     absl::string_view name) {
  for (const FlagSpec& s : specs) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::optional<bool> ParseBoolText(absl::string_view text) {
  std::string t = absl::AsciiStrToLower(text);
  if (t == "true" || t == "1" || t == "yes") return true;
  if (t == "false" || t == "0" || t == "no") return false;
  return std::nullopt;
}

}  // namespace

bool ParsedFlags::IsSet(const std::string& name) const {
  return Get(name).set || !List(name).empty();
}

const ParsedFlags::Value& ParsedFlags::Get(const std::string& name) const {
  static const Value* const kEmpty = new Value();
  auto it = values_.find(name);
  return it == values_.end() ? *kEmpty : it->second;
}

std::string ParsedFlags::String(const std::string& name) const {
  return Get(name).text;
}

std::string ParsedFlags::Source(const std::string& name) const {
  return Get(name).source;
}

absl::StatusOr<int> ParsedFlags::Int(const std::string& name) const {
  const Value& v = Get(name);
  int out = 0;
  if (!absl::SimpleAtoi(v.text, &out) ||
      absl::StrContains(v.text, ' ')) {
    return Invalid(absl::StrCat(v.source, " \"", v.text,
                                "\" is not a whole number in the 32-bit "
                                "range; e.g. --",
                                name, "=3"));
  }
  return out;
}

absl::StatusOr<absl::Duration> ParsedFlags::Duration(
    const std::string& name) const {
  const Value& v = Get(name);
  absl::Duration d;
  if (!absl::ParseDuration(v.text, &d) || d == absl::InfiniteDuration()) {
    return Invalid(absl::StrCat(
        v.source, " \"", v.text,
        "\" is not a duration; use a number with a unit, e.g. 300s, 5m, "
        "1m30s or 500ms"));
  }
  if (d < absl::ZeroDuration()) {
    return Invalid(absl::StrCat(v.source, " \"", v.text,
                                "\" is negative; give a positive duration"));
  }
  return d;
}

absl::StatusOr<bool> ParsedFlags::Bool(const std::string& name) const {
  const Value& v = Get(name);
  if (v.text.empty()) return false;
  std::optional<bool> b = ParseBoolText(v.text);
  if (!b.has_value()) {
    return Invalid(absl::StrCat(v.source, " \"", v.text,
                                "\" is not a boolean; use true or false"));
  }
  return *b;
}

std::vector<std::string> ParsedFlags::List(const std::string& name) const {
  auto it = lists_.find(name);
  return it == lists_.end() ? std::vector<std::string>() : it->second;
}

absl::StatusOr<ParsedFlags> ParseFlags(const std::vector<FlagSpec>& specs,
                                       const std::vector<std::string>& args,
                                       const GetEnvFn& getenv,
                                       absl::string_view command) {
  ParsedFlags out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!absl::StartsWith(arg, "--") || arg == "--") {
      return Invalid(absl::StrCat(
          "unexpected argument \"", arg, "\" for \"kafka-agent ", command,
          "\"; it takes only --flags (run \"kafka-agent help\")"));
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const FlagSpec* spec = Find(specs, name);
    if (spec == nullptr) {
      return Invalid(absl::StrCat("unknown flag --", name,
                                  " for \"kafka-agent ", command,
                                  "\"; run \"kafka-agent help\" for the "
                                  "flags each command takes"));
    }
    if (!value.has_value()) {
      if (spec->kind == FlagKind::kBool) {
        value = "true";
      } else if (i + 1 < args.size() && !absl::StartsWith(args[i + 1], "--")) {
        value = args[++i];
      } else {
        return Invalid(absl::StrCat("flag --", name,
                                    " needs a value, e.g. --", name,
                                    "=VALUE"));
      }
    }
    if (spec->kind == FlagKind::kList) {
      out.lists_[name].push_back(*value);
    } else {
      out.values_[name] = {*value, absl::StrCat("--", name), true};
    }
  }
  for (const FlagSpec& spec : specs) {
    if (spec.kind == FlagKind::kList) {
      if (out.lists_.count(spec.name) == 0 && !spec.env.empty()) {
        if (std::optional<std::string> env = getenv(spec.env);
            env.has_value() && !env->empty()) {
          // One value per line: values may hold commas and spaces.
          for (absl::string_view line : absl::StrSplit(*env, '\n')) {
            line = absl::StripAsciiWhitespace(line);
            if (!line.empty()) out.lists_[spec.name].emplace_back(line);
          }
        }
      }
      continue;
    }
    if (out.values_.count(spec.name)) continue;
    if (!spec.env.empty()) {
      if (std::optional<std::string> env = getenv(spec.env);
          env.has_value() && (!env->empty() || spec.empty_env_is_value)) {
        out.values_[spec.name] = {*env, absl::StrCat(spec.env, " (environment)"),
                                  true};
        continue;
      }
    }
    out.values_[spec.name] = {spec.default_value,
                              absl::StrCat("default of --", spec.name), false};
  }
  return out;
}

std::string FlagHelp(const std::vector<FlagSpec>& specs) {
  std::string out;
  for (const FlagSpec& s : specs) {
    std::string left = absl::StrCat("  --", s.name,
                                    s.kind == FlagKind::kBool ? "" : " VALUE");
    std::string extra;
    if (!s.env.empty()) extra = absl::StrCat("env ", s.env);
    if (!s.default_value.empty()) {
      absl::StrAppend(&extra, extra.empty() ? "" : ", ", "default ",
                      s.default_value);
    }
    absl::StrAppendFormat(&out, "%-28s %s%s\n", left, s.help,
                          extra.empty() ? "" : absl::StrCat(" (", extra, ")"));
  }
  return out;
}

}  // namespace kafka_agent
