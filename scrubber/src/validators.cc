// Checksums that tell a real token from a look-alike of the same shape:
// GitHub's and npm's CRC32 in base62, GitLab's routable CRC32 in base36, the
// Bech32 checksum of age identities, and a JWT's decodable header. A rule
// names one in "validate"; the span it checks is what the rule redacts.
// "generic-value" is not a checksum: it turns away values of generic
// `key = value` rules that name things (URLs, files, classes, paths).
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scrubber/rule_set.h"

namespace scrubber {
namespace {

uint32_t Crc32(std::string_view bytes) {
  static const std::array<uint32_t, 256> kTable = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) {
        c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      }
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char b : bytes) {
    crc = kTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
  }
  return crc ^ 0xFFFFFFFFu;
}

// `value` in base `digits.size()`, most significant first, left-padded with
// digits[0] to `width`.
std::string Encode(uint32_t value, std::string_view digits, size_t width) {
  std::string out;
  while (value > 0) {
    out.insert(out.begin(), digits[value % digits.size()]);
    value /= static_cast<uint32_t>(digits.size());
  }
  while (out.size() < width) {
    out.insert(out.begin(), digits[0]);
  }
  return out;
}

// PREFIX_ + body + 6 base62 check characters over the body.
bool GitHubCrc32(std::string_view token) {
  size_t underscore = token.rfind('_');
  if (underscore == std::string_view::npos || token.size() - underscore - 1 < 7) {
    return false;
  }
  std::string_view rest = token.substr(underscore + 1);
  std::string_view body = rest.substr(0, rest.size() - 6);
  std::string_view check = rest.substr(rest.size() - 6);
  return Encode(Crc32(body), "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 6) ==
         check;
}

// Everything before the last 7 characters, then their base36 CRC32.
bool GitLabCrc32(std::string_view token) {
  if (token.size() < 8) {
    return false;
  }
  std::string_view body = token.substr(0, token.size() - 7);
  std::string_view check = token.substr(token.size() - 7);
  return Encode(Crc32(body), "0123456789abcdefghijklmnopqrstuvwxyz", 7) == check;
}

uint32_t Bech32Polymod(const std::vector<uint8_t>& values) {
  constexpr std::array<uint32_t, 5> kGen = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd,
                                            0x2a1462b3};
  uint32_t chk = 1;
  for (uint8_t v : values) {
    uint32_t top = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (int i = 0; i < 5; ++i) {
      if (((top >> i) & 1) != 0) {
        chk ^= kGen[i];
      }
    }
  }
  return chk;
}

// BIP 173: human-readable part, '1', data with a 6-character checksum.
bool Bech32(std::string_view text) {
  constexpr std::string_view kCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  size_t sep = text.rfind('1');
  if (sep == std::string_view::npos || sep == 0 || text.size() - sep - 1 < 6) {
    return false;
  }
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  std::vector<uint8_t> values;
  for (size_t i = 0; i < sep; ++i) {
    values.push_back(static_cast<uint8_t>(lower(text[i])) >> 5);
  }
  values.push_back(0);
  for (size_t i = 0; i < sep; ++i) {
    values.push_back(static_cast<uint8_t>(lower(text[i])) & 31);
  }
  for (size_t i = sep + 1; i < text.size(); ++i) {
    size_t v = kCharset.find(lower(text[i]));
    if (v == std::string_view::npos) {
      return false;
    }
    values.push_back(static_cast<uint8_t>(v));
  }
  return Bech32Polymod(values) == 1;
}

// The first segment decodes (base64url) to a JSON object naming "alg".
bool Jwt(std::string_view token) {
  size_t dot = token.find('.');
  if (dot == std::string_view::npos) {
    return false;
  }
  std::string decoded;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : token.substr(0, dot)) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '-' || c == '+') {
      v = 62;
    } else if (c == '_' || c == '/') {
      v = 63;
    } else if (c == '=') {
      break;
    } else {
      return false;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      decoded.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  size_t first = decoded.find_first_not_of(" \t\r\n");
  return first != std::string::npos && decoded[first] == '{' &&
         decoded.find("\"alg\"") != std::string::npos;
}

// Standard base64 (padding optional, but right when present) of a text
// `user:password`, neither part empty: a Basic credential or a docker
// config "auth".
bool BasicCredentials(std::string_view text) {
  size_t digits = text.size();
  while (digits > 0 && text[digits - 1] == '=') {
    --digits;
  }
  const size_t pads = text.size() - digits;
  if (digits % 4 == 1 || (pads > 0 && (digits + pads) % 4 != 0)) {
    return false;
  }
  std::string decoded;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text.substr(0, digits)) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '+') {
      v = 62;
    } else if (c == '/') {
      v = 63;
    } else {
      return false;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      decoded.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  // No control bytes but tabs and line breaks (a GCR "_json_key:" auth's
  // password is a whole key file); bytes from 0x80 (a UTF-8 or Latin-1
  // password) are text too.
  for (char ch : decoded) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
      return false;
    }
  }
  const size_t colon = decoded.find(':');
  return colon != std::string::npos && colon > 0 && colon + 1 < decoded.size();
}

bool IsIdentifierChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// A value of a `key = value` line that names something rather than being a
// secret: a URL, an ARN, a file, a dotted identifier (a class, a host), a
// lower-case path. Generic rules reject those; prefixed tokens have rules
// of their own.
bool GenericValue(std::string_view v) {
  auto starts = [&](std::string_view p) { return v.substr(0, p.size()) == p; };
  auto ends = [&](std::string_view p) {
    return v.size() >= p.size() && v.substr(v.size() - p.size()) == p;
  };
  if (v.find("://") != std::string_view::npos || starts("arn:") || starts("projects/")) {
    return false;
  }
  for (std::string_view ext : {".pem", ".key", ".crt", ".json", ".yaml", ".yml", ".txt", ".p12",
                               ".pfx", ".env", ".cfg", ".conf", ".ini", ".xml"}) {
    if (ends(ext)) {
      return false;
    }
  }
  // a.b.c of identifiers with a run of four letters or more somewhere.
  size_t dots = 0;
  bool all_identifier = true;
  bool word = false;
  size_t letters = 0;
  for (char c : v) {
    bool letter = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    if (c == '.') {
      ++dots;
    } else if (!IsIdentifierChar(c)) {
      all_identifier = false;
    }
    letters = letter ? letters + 1 : 0;
    word = word || letters >= 4;
  }
  if (dots >= 2 && all_identifier && word) {
    return false;
  }
  // kv-prod/db-password-2: a path of lower-case names.
  if (v.find('/') != std::string_view::npos) {
    bool lower_path = true;
    for (char c : v) {
      lower_path = lower_path && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' ||
                                  c == '-' || c == '_' || c == '.');
    }
    if (lower_path) {
      return false;
    }
  }
  return true;
}

}  // namespace

const std::vector<std::string>& ValidatorNames() {
  static const std::vector<std::string> kNames = {
      "github-crc32", "gitlab-crc32", "age-bech32", "jwt", "generic-value", "basic-credentials"};
  return kNames;
}

bool RunValidator(std::string_view name, std::string_view span) {
  if (name == "github-crc32") {
    return GitHubCrc32(span);
  }
  if (name == "gitlab-crc32") {
    return GitLabCrc32(span);
  }
  if (name == "age-bech32") {
    return Bech32(span);
  }
  if (name == "jwt") {
    return Jwt(span);
  }
  if (name == "generic-value") {
    return GenericValue(span);
  }
  if (name == "basic-credentials") {
    return BasicCredentials(span);
  }
  return false;
}

}  // namespace scrubber
