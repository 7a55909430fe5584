// Java .properties files, read the way Kafka reads them
// (java.util.Properties.load on an InputStream) and written so Kafka reads
// back exactly the same keys and values.
//
// Keys and values are held as UTF-8. The file itself is ISO-8859-1, as Java
// reads it; any character outside printable ASCII is written as \uXXXX.
#ifndef KAFKA_AGENT_BASE_PROPERTIES_H_
#define KAFKA_AGENT_BASE_PROPERTIES_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kafka_agent {

// An ordered set of key/value pairs: keys keep the position where they were
// first set; setting a key again replaces its value (as Java does).
class Properties {
 public:
  using Entry = std::pair<std::string, std::string>;

  // Parses .properties text: `#` and `!` comments, `=`, `:` or whitespace
  // separators, backslash escapes (\t \n \r \f \uXXXX, \x for x), and lines
  // continued by an odd number of trailing backslashes. The only error is a
  // malformed \uXXXX escape, reported with its line number.
  static absl::StatusOr<Properties> Parse(absl::string_view text);

  void Set(const std::string& key, const std::string& value);
  // nullptr when unset.
  const std::string* Get(absl::string_view key) const;
  bool Erase(absl::string_view key);

  const std::vector<Entry>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }

  // One `key=value` line per entry, escaped; no comments.
  std::string Serialize() const;

 private:
  std::vector<Entry> entries_;
};

// Escaping that Properties.load reads back exactly. Both escape `\`, control
// characters and non-ASCII (as \uXXXX, with surrogate pairs above U+FFFF).
// Keys also escape spaces, `=`, `:`, `#` and `!`; values only a leading space
// (unlike Properties.store, which escapes more than needed: the values stay
// readable, e.g. `listeners=PLAINTEXT://:9092`).
std::string EscapePropertyKey(absl::string_view key);
std::string EscapePropertyValue(absl::string_view value);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_BASE_PROPERTIES_H_
