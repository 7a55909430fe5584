// libFuzzer target over what a user or a mounted file controls: the Java
// properties parser (base config, --kafka-prop-file), the pod name and the
// identity derived from it, and command-line flags with their typed values
// (numbers, durations, booleans, lists). The first byte picks the target.
// Beyond "never crash": a parsed properties file must read back unchanged
// after Serialize, and a derived identity must be self-consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "agent/base/common_flags.h"
#include "agent/base/flags.h"
#include "agent/base/identity.h"
#include "agent/base/properties.h"

namespace kafka_agent {
namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

void FuzzProperties(absl::string_view text) {
  auto p = Properties::Parse(text);
  if (!p.ok()) return;
  auto again = Properties::Parse(p->Serialize());
  Check(again.ok());
  Check(again->entries() == p->entries());
}

void FuzzIdentity(absl::string_view text) {
  // pod name [\n namespace [\n controllers]]
  std::vector<std::string> parts = absl::StrSplit(text, '\n');
  (void)ParsePodName(parts[0]);
  IdentityOptions o;
  o.pod_name = parts[0];
  if (parts.size() > 1) o.namespace_name = parts[1];
  if (parts.size() > 2) o.process_roles = parts[2];
  auto id = DeriveIdentity(o);
  if (!id.ok()) return;
  Check(id->node_id == o.node_id_offset + id->ordinal);
  Check(!id->fqdn.empty());
  Check(id->is_broker || id->is_controller);
  (void)FormatVoters(id->voters);
  (void)id->Listeners();
  (void)id->AdvertisedListeners();
}

void FuzzFlags(absl::string_view text) {
  std::vector<FlagSpec> specs = IdentityFlagSpecs();
  specs.push_back({"timeout", "T", FlagKind::kDuration, "5s", ""});
  specs.push_back({"json", "", FlagKind::kBool, "", ""});
  specs.push_back({"prop", "PROPS", FlagKind::kList, "", ""});
  std::vector<std::string> args = absl::StrSplit(text, '\n');
  // Variables come from the same bytes: a line "=NAME=VALUE".
  std::vector<std::pair<std::string, std::string>> env;
  std::vector<std::string> argv;
  for (const std::string& a : args) {
    if (a.size() > 1 && a[0] == '=') {
      const size_t eq = a.find('=', 1);
      if (eq != std::string::npos) {
        env.emplace_back(a.substr(1, eq - 1), a.substr(eq + 1));
        continue;
      }
    }
    argv.push_back(a);
  }
  GetEnvFn getenv = [&env](const std::string& k) -> std::optional<std::string> {
    for (const auto& [name, value] : env) {
      if (name == k) return value;
    }
    return std::nullopt;
  };
  auto flags = ParseFlags(specs, argv, getenv, "fuzz");
  if (!flags.ok()) return;
  for (const FlagSpec& s : specs) {
    (void)flags->Source(s.name);
    switch (s.kind) {
      case FlagKind::kString:
        (void)flags->String(s.name);
        break;
      case FlagKind::kInt:
        (void)flags->Int(s.name);
        break;
      case FlagKind::kDuration: {
        auto d = flags->Duration(s.name);
        if (d.ok()) Check(*d >= absl::ZeroDuration());
        break;
      }
      case FlagKind::kBool:
        (void)flags->Bool(s.name);
        break;
      case FlagKind::kList:
        (void)flags->List(s.name);
        break;
    }
  }
  (void)IdentityOptionsFromFlags(*flags, "kafka-0");
}

}  // namespace
}  // namespace kafka_agent

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const absl::string_view body(reinterpret_cast<const char*>(data) + 1,
                               size - 1);
  switch (data[0] % 3) {
    case 0:
      kafka_agent::FuzzProperties(body);
      break;
    case 1:
      kafka_agent::FuzzIdentity(body);
      break;
    case 2:
      kafka_agent::FuzzFlags(body);
      break;
  }
  return 0;
}
