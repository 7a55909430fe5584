#include "agent/base/properties.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kafka_agent {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

// Appends code point `cp` as UTF-8. Lone surrogates (possible from \uXXXX
// escapes) are kept as 3-byte sequences so they survive a round trip.
void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Decodes the next code point of UTF-8 `s` at `*i`. A byte that does not
// start a valid sequence is taken as the Latin-1 character of that value.
uint32_t NextCodePoint(absl::string_view s, size_t* i) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t c = b(*i);
  int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3
                                             : (c >> 3) == 0x1E ? 4 : 0;
  if (len <= 1 || *i + len > s.size()) {
    ++*i;
    return c;
  }
  uint32_t cp = c & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    if ((b(*i + k) & 0xC0) != 0x80) {
      ++*i;
      return c;
    }
    cp = (cp << 6) | (b(*i + k) & 0x3F);
  }
  *i += len;
  return cp;
}

void AppendUnicodeEscape(uint32_t cp, std::string* out) {
  if (cp > 0xFFFF) {
    cp -= 0x10000;
    absl::StrAppendFormat(out, "\\u%04X\\u%04X", 0xD800 + (cp >> 10),
                          0xDC00 + (cp & 0x3FF));
  } else {
    absl::StrAppendFormat(out, "\\u%04X", cp);
  }
}

std::string Escape(absl::string_view s, bool is_key) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const bool first = i == 0;
    uint32_t cp = NextCodePoint(s, &i);
    switch (cp) {
      case ' ':
        out += (first || is_key) ? "\\ " : " ";
        break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\f': out += "\\f"; break;
      case '\\':
        out += "\\\\";
        break;
      case '=': case ':': case '#': case '!':
        // Only a key can end at, or start a comment with, these.
        if (is_key) out.push_back('\\');
        out.push_back(static_cast<char>(cp));
        break;
      default:
        if (cp < 0x20 || cp > 0x7E) {
          AppendUnicodeEscape(cp, &out);
        } else {
          out.push_back(static_cast<char>(cp));
        }
    }
  }
  return out;
}

// Undoes the escapes of one key or value (Properties.loadConvert). `text` is
// raw file bytes, each byte one ISO-8859-1 character.
absl::StatusOr<std::string> Unescape(absl::string_view text, int line) {
  std::string out;
  uint32_t high_surrogate = 0;
  auto emit = [&](uint32_t cp) {
    if (high_surrogate != 0) {
      if (cp >= 0xDC00 && cp <= 0xDFFF) {
        AppendUtf8(0x10000 + ((high_surrogate - 0xD800) << 10) + (cp - 0xDC00),
                   &out);
        high_surrogate = 0;
        return;
      }
      AppendUtf8(high_surrogate, &out);
      high_surrogate = 0;
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      high_surrogate = cp;
    } else {
      AppendUtf8(cp, &out);
    }
  };
  for (size_t i = 0; i < text.size();) {
    char c = text[i++];
    if (c != '\\' || i >= text.size()) {
      emit(static_cast<uint8_t>(c));
      continue;
    }
    c = text[i++];
    switch (c) {
      case 't': emit('\t'); break;
      case 'n': emit('\n'); break;
      case 'r': emit('\r'); break;
      case 'f': emit('\f'); break;
      case 'u': {
        uint32_t cp = 0;
        for (int k = 0; k < 4; ++k, ++i) {
          char h = i < text.size() ? text[i] : '\0';
          int v = (h >= '0' && h <= '9')   ? h - '0'
                  : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                  : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                           : -1;
          if (v < 0) {
            return absl::InvalidArgumentError(absl::StrFormat(
                "line %d: malformed \\uXXXX escape in \"%s\"; write four hex "
                "digits after \\u, or \\\\u for a literal backslash-u",
                line, std::string(text)));
          }
          cp = cp * 16 + static_cast<uint32_t>(v);
        }
        emit(cp);
        break;
      }
      default:
        emit(static_cast<uint8_t>(c));
    }
  }
  if (high_surrogate != 0) AppendUtf8(high_surrogate, &out);
  return out;
}

}  // namespace

absl::StatusOr<Properties> Properties::Parse(absl::string_view text) {
  Properties props;
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    // Read one logical line: skip leading blanks, drop comments, join
    // continuation lines (dropping the continued line's leading blanks).
    std::string logical;
    int first_line = line_no + 1;
    bool continuing = false;
    bool is_comment = false;
    for (;;) {
      ++line_no;
      size_t end = pos;
      while (end < text.size() && text[end] != '\n' && text[end] != '\r') {
        ++end;
      }
      absl::string_view raw = text.substr(pos, end - pos);
      // Advance past the terminator: \n, \r or \r\n.
      pos = end;
      if (pos < text.size() && text[pos] == '\r') ++pos;
      if (pos < text.size() && text[pos] == '\n' &&
          (pos == end || text[end] == '\r')) {
        ++pos;
      }
      size_t skip = 0;
      while (skip < raw.size() && IsBlank(raw[skip])) ++skip;
      raw.remove_prefix(skip);
      if (!continuing) {
        if (raw.empty()) break;
        if (raw[0] == '#' || raw[0] == '!') {
          is_comment = true;
          break;
        }
      }
      size_t backslashes = 0;
      while (backslashes < raw.size() &&
             raw[raw.size() - 1 - backslashes] == '\\') {
        ++backslashes;
      }
      if (backslashes % 2 == 1) {
        logical.append(raw.data(), raw.size() - 1);
        continuing = true;
        if (pos >= text.size()) break;
        continue;
      }
      logical.append(raw.data(), raw.size());
      break;
    }
    if (is_comment || (logical.empty() && !continuing)) continue;

    // Split key and value at the first unescaped '=', ':' or blank.
    size_t k = 0;
    bool escaped = false;
    while (k < logical.size()) {
      char c = logical[k];
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '=' || c == ':' || IsBlank(c)) {
        break;
      }
      ++k;
    }
    size_t v = k;
    bool had_separator = false;
    while (v < logical.size() && IsBlank(logical[v])) ++v;
    if (v < logical.size() && (logical[v] == '=' || logical[v] == ':')) {
      had_separator = true;
      ++v;
    }
    if (had_separator) {
      while (v < logical.size() && IsBlank(logical[v])) ++v;
    }
    auto key = Unescape(absl::string_view(logical).substr(0, k), first_line);
    if (!key.ok()) return key.status();
    auto value = Unescape(absl::string_view(logical).substr(v), first_line);
    if (!value.ok()) return value.status();
    props.Set(*key, *value);
  }
  return props;
}

void Properties::Set(const std::string& key, const std::string& value) {
  for (auto& e : entries_) {
    if (e.first == key) {
      e.second = value;
      return;
    }
  }
  entries_.emplace_back(key, value);
}

const std::string* Properties::Get(absl::string_view key) const {
  for (const auto& e : entries_) {
    if (e.first == key) return &e.second;
  }
  return nullptr;
}

bool Properties::Erase(absl::string_view key) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->first == key) {
      entries_.erase(it);
      return true;
    }
  }
  return false;
}

std::string Properties::Serialize() const {
  std::string out;
  for (const auto& [key, value] : entries_) {
    absl::StrAppend(&out, EscapePropertyKey(key), "=",
                    EscapePropertyValue(value), "\n");
  }
  return out;
}

std::string EscapePropertyKey(absl::string_view key) {
  return Escape(key, /*is_key=*/true);
}

std::string EscapePropertyValue(absl::string_view value) {
  return Escape(value, /*is_key=*/false);
}

}  // namespace kafka_agent
