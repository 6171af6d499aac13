// ParseBoot: base64, then JSON, then the four fields. Both decoders are
// small and ours: base64 because the boot value may come in either
// alphabet and wrapped, RFC 3339 because std::chrono::parse is not in
// Debian 12's libstdc++.
#include "agent/boot.h"

#include <time.h>

#include <cstdint>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "scrubber/json_syntax.h"

namespace scrubber::agent {
namespace {

constexpr std::string_view kPrefix = "SCRUB_AGENT_BOOT: ";

Status BootError(std::string_view problem) {
  return InvalidInput(std::string(kPrefix) + std::string(problem));
}

bool IsBase64Space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// The value of one base64 digit in either alphabet, or -1.
int Base64Digit(char c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '+' || c == '-') {
    return 62;
  }
  if (c == '/' || c == '_') {
    return 63;
  }
  return -1;
}

// Reads exactly `count` decimal digits at `*pos`.
bool ReadDigits(std::string_view text, size_t* pos, int count, int* value) {
  if (*pos + static_cast<size_t>(count) > text.size()) {
    return false;
  }
  int result = 0;
  for (int i = 0; i < count; ++i) {
    const char c = text[*pos + static_cast<size_t>(i)];
    if (c < '0' || c > '9') {
      return false;
    }
    result = result * 10 + (c - '0');
  }
  *pos += static_cast<size_t>(count);
  *value = result;
  return true;
}

bool Expect(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) {
    return false;
  }
  ++*pos;
  return true;
}

int DaysInMonth(int year, int month) {
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// Reads the optional ".fraction" as nanoseconds (digits past the ninth are
// read and dropped).
bool ReadFraction(std::string_view text, size_t* pos, int64_t* nanos) {
  *nanos = 0;
  if (*pos >= text.size() || text[*pos] != '.') {
    return true;
  }
  ++*pos;
  int digits = 0;
  while (*pos < text.size() && text[*pos] >= '0' && text[*pos] <= '9') {
    if (digits < 9) {
      *nanos = *nanos * 10 + (text[*pos] - '0');
    }
    ++digits;
    ++*pos;
  }
  for (int i = digits; i < 9; ++i) {
    *nanos *= 10;
  }
  return digits > 0;
}

// Reads "Z" or "+HH:MM" / "-HH:MM" as seconds east of UTC.
bool ReadOffset(std::string_view text, size_t* pos, int* offset_s) {
  if (*pos >= text.size()) {
    return false;
  }
  const char c = text[(*pos)++];
  if (c == 'Z' || c == 'z') {
    *offset_s = 0;
    return true;
  }
  if (c != '+' && c != '-') {
    return false;
  }
  int hours = 0;
  int minutes = 0;
  if (!ReadDigits(text, pos, 2, &hours) || !Expect(text, pos, ':') ||
      !ReadDigits(text, pos, 2, &minutes) || hours > 23 || minutes > 59) {
    return false;
  }
  *offset_s = (hours * 60 + minutes) * 60 * (c == '-' ? -1 : 1);
  return true;
}

Status ReadStringField(simdjson::dom::object object, std::string_view key, std::string* out) {
  simdjson::dom::element element;
  if (object[key].get(element) != simdjson::SUCCESS) {
    return BootError("'" + std::string(key) + "' is missing");
  }
  std::string_view value;
  if (element.get_string().get(value) != simdjson::SUCCESS || value.empty()) {
    return BootError("'" + std::string(key) + "' must be a non-empty string");
  }
  *out = std::string(value);
  return Status::Ok();
}

}  // namespace

bool DecodeBase64(std::string_view text, std::string* out) {
  out->clear();
  uint32_t bits = 0;
  int bit_count = 0;
  size_t digits = 0;
  size_t pads = 0;
  for (const char c : text) {
    if (IsBase64Space(c)) {
      continue;
    }
    if (c == '=') {
      if (++pads > 2) {
        return false;
      }
      continue;
    }
    const int digit = Base64Digit(c);
    if (pads > 0 || digit < 0) {
      return false;
    }
    bits = (bits << 6) | static_cast<uint32_t>(digit);
    bit_count += 6;
    ++digits;
    if (bit_count >= 8) {
      bit_count -= 8;
      out->push_back(static_cast<char>((bits >> bit_count) & 0xff));
      bits &= (1U << bit_count) - 1;
    }
  }
  if (digits % 4 == 1 || (pads > 0 && (digits + pads) % 4 != 0)) {
    out->clear();
    return false;
  }
  return true;
}

bool ParseRfc3339(std::string_view text, std::chrono::system_clock::time_point* out) {
  size_t pos = 0;
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!ReadDigits(text, &pos, 4, &year) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &month) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &day)) {
    return false;
  }
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ')) {
    return false;
  }
  ++pos;
  if (!ReadDigits(text, &pos, 2, &hour) || !Expect(text, &pos, ':') ||
      !ReadDigits(text, &pos, 2, &minute) || !Expect(text, &pos, ':') ||
      !ReadDigits(text, &pos, 2, &second)) {
    return false;
  }
  int64_t nanos = 0;
  int offset_s = 0;
  if (!ReadFraction(text, &pos, &nanos) || !ReadOffset(text, &pos, &offset_s) ||
      pos != text.size()) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 60) {
    return false;
  }
  struct tm fields = {};
  fields.tm_year = year - 1900;
  fields.tm_mon = month - 1;
  fields.tm_mday = day;
  fields.tm_hour = hour;
  fields.tm_min = minute;
  fields.tm_sec = second;  // 60 normalizes to the next minute
  using Clock = std::chrono::system_clock;
  // The clock counts nanoseconds in 64 bits (years 1677 to 2262); RFC 3339
  // allows 0000 to 9999. A time past either end saturates: an expiry beyond
  // 2262 is never reached, one before 1677 is long past.
  const int64_t seconds = static_cast<int64_t>(timegm(&fields)) - offset_s;
  const int64_t last =
      std::chrono::duration_cast<std::chrono::seconds>(Clock::time_point::max().time_since_epoch())
          .count();
  const int64_t first =
      std::chrono::duration_cast<std::chrono::seconds>(Clock::time_point::min().time_since_epoch())
          .count();
  if (seconds >= last) {
    *out = Clock::time_point::max();
  } else if (seconds <= first) {
    *out = Clock::time_point::min();
  } else {
    *out = Clock::time_point(std::chrono::duration_cast<Clock::duration>(
        std::chrono::seconds(seconds) + std::chrono::nanoseconds(nanos)));
  }
  return true;
}

Result<Boot> ParseBoot(std::string_view base64_text) {
  std::string json;
  if (!DecodeBase64(base64_text, &json) || json.empty()) {
    return BootError("not base64");
  }
  const simdjson::padded_string padded(json);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS) {
    // simdjson's messages may quote the input: a position, no more.
    return BootError(JsonSyntaxError(json));
  }
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    return BootError("not a JSON object");
  }
  Boot boot;
  std::string expires_at;
  for (const auto& [key, field] : {std::pair<std::string_view, std::string*>{"api", &boot.api},
                                   {"job", &boot.job},
                                   {"token", &boot.token},
                                   {"expires_at", &expires_at}}) {
    if (Status status = ReadStringField(object, key, field); !status.ok()) {
      return status;
    }
  }
  if (!boot.api.starts_with("https://") && !boot.api.starts_with("http://")) {
    return BootError("'api' must be an http:// or https:// URL");
  }
  if (!ParseRfc3339(expires_at, &boot.expires_at)) {
    return BootError("'expires_at' is not an RFC 3339 time");
  }
  return boot;
}

}  // namespace scrubber::agent
