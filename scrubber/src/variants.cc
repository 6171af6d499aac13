// Variant encodings of a secret (DESIGN §2): the literals, besides the raw
// bytes, under which a secret shows up once a tool has encoded it for a log.
//
// Base64 is the subtle one. Inside a longer base64 text the secret starts at
// some byte offset, and only that offset mod 3 changes which characters encode
// its bits. So for each alignment k = 0, 1, 2 we encode k filler bytes followed
// by the n secret bytes. Character i of that encoding covers bits [6i, 6i + 6)
// of the byte stream; the characters with 6i >= 8k and 6i + 6 <= 8(k + n) see
// the secret's bits alone, whatever surrounds it. That run is the "core", and
// it appears in every base64 text that holds the secret at that alignment. When
// the secret ends the text, the last partial character (and any '=' padding)
// is determined too, so the core extended to the end of the encoding, padded
// and unpadded, is emitted as well; that way the trailing character that
// carries the secret's last bits is redacted too.

#include "scrubber/variants.h"

#include <array>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scrubber {
namespace {

constexpr std::string_view kListHint =
    "(expected raw, base64, base64url, percent, json, xml, shell, lines or all)";

constexpr std::array<VariantKind, 8> kAllKinds = {
    VariantKind::kRaw,  VariantKind::kBase64, VariantKind::kBase64Url, VariantKind::kPercent,
    VariantKind::kJson, VariantKind::kXml,    VariantKind::kShell,     VariantKind::kLines,
};

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kBase64UrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::string_view kUpperHex = "0123456789ABCDEF";
constexpr std::string_view kLowerHex = "0123456789abcdef";

// Collects literals in order, dropping empty ones, ones shorter than the
// minimum length, and exact duplicates of an earlier literal.
class LiteralCollector {
 public:
  explicit LiteralCollector(size_t min_length) : min_length_(min_length) {}

  void Add(VariantKind kind, std::string bytes) {
    if (bytes.empty() || bytes.size() < min_length_) {
      return;
    }
    for (const VariantLiteral& earlier : literals_) {
      if (earlier.bytes == bytes) {
        return;
      }
    }
    literals_.push_back({kind, std::move(bytes)});
  }

  std::vector<VariantLiteral> Take() { return std::move(literals_); }

 private:
  size_t min_length_;
  std::vector<VariantLiteral> literals_;
};

// Standard base64 with '=' padding, in the given alphabet.
std::string Base64Encode(std::string_view bytes, std::string_view alphabet) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t group = (static_cast<uint8_t>(bytes[i]) << 16) |
                           (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                           static_cast<uint8_t>(bytes[i + 2]);
    out += alphabet[(group >> 18) & 63];
    out += alphabet[(group >> 12) & 63];
    out += alphabet[(group >> 6) & 63];
    out += alphabet[group & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest == 1) {
    const uint32_t group = static_cast<uint8_t>(bytes[i]) << 16;
    out += alphabet[(group >> 18) & 63];
    out += alphabet[(group >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    const uint32_t group =
        (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8);
    out += alphabet[(group >> 18) & 63];
    out += alphabet[(group >> 12) & 63];
    out += alphabet[(group >> 6) & 63];
    out += '=';
  }
  return out;
}

// Per alignment: the core, then (when the stream does not end on a 3-byte
// boundary) the padded and unpadded endings. See the comment at the top.
// `base64` wraps its output at 76 columns and PEM (openssl) at 64: for a
// secret at the start of the encoded text, each full line of its encoding,
// and the start of the line where it ends, is a literal of its own.
// LIMITATION(wrapped-encodings): only a secret at the start of the text.
void AddWrappedLines(std::string_view core, VariantKind kind, LiteralCollector* out) {
  for (size_t width : {size_t{64}, size_t{76}}) {
    if (core.size() <= width) {
      continue;
    }
    for (size_t at = 0; at < core.size(); at += width) {
      out->Add(kind, std::string(core.substr(at, width)));
    }
  }
}

void AddBase64(std::string_view secret,
               VariantKind kind,
               std::string_view alphabet,
               LiteralCollector* out) {
  const size_t n = secret.size();
  for (size_t k = 0; k < 3; ++k) {
    std::string stream(k, '\0');
    stream.append(secret);
    const std::string padded = Base64Encode(stream, alphabet);
    const size_t first = (8 * k + 5) / 6;  // smallest i with 6i >= 8k
    const size_t end = 8 * (k + n) / 6;    // one past the largest i with 6i + 6 <= 8(k + n)
    if (end <= first) {
      continue;  // no character depends on the secret alone
    }
    out->Add(kind, padded.substr(first, end - first));
    if (k == 0) {
      AddWrappedLines(padded.substr(0, end), kind, out);
    }
    if ((k + n) % 3 != 0) {
      const size_t unpadded_size = padded.find('=');
      out->Add(kind, padded.substr(first));
      out->Add(kind, padded.substr(first, unpadded_size - first));
    }
  }
}

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// RFC 3986 percent-encoding; with `form`, space becomes '+'.
// `safe` lists further bytes an encoder leaves as they are: Python's quote()
// keeps '/', JavaScript's encodeURIComponent keeps !'()*.
std::string PercentEncode(std::string_view secret,
                          std::string_view hex,
                          bool form,
                          std::string_view safe = {}) {
  std::string out;
  for (const char ch : secret) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || safe.find(ch) != std::string_view::npos) {
      out += ch;
    } else if (form && c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

void AppendUnicodeEscape(uint32_t unit, std::string* out) {
  *out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) {
    *out += kLowerHex[(unit >> shift) & 15];
  }
}

// Escapes one byte below 0x80 as a JSON string does.
void AppendJsonAscii(unsigned char c, bool escape_slash, std::string* out) {
  switch (c) {
    case '"':
      *out += "\\\"";
      return;
    case '\\':
      *out += "\\\\";
      return;
    case '\b':
      *out += "\\b";
      return;
    case '\f':
      *out += "\\f";
      return;
    case '\n':
      *out += "\\n";
      return;
    case '\r':
      *out += "\\r";
      return;
    case '\t':
      *out += "\\t";
      return;
    case '/':
      *out += escape_slash ? "\\/" : "/";
      return;
    default:
      break;
  }
  if (c < 0x20 || c == 0x7f) {
    AppendUnicodeEscape(c, out);
  } else {
    *out += static_cast<char>(c);
  }
}

// JSON string escape; bytes >= 0x80 are copied as they are.
std::string JsonEscape(std::string_view secret, bool escape_slash) {
  std::string out;
  for (const char ch : secret) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80) {
      out += ch;
    } else {
      AppendJsonAscii(c, escape_slash, &out);
    }
  }
  return out;
}

// Decodes the UTF-8 character at `*pos` and advances past it. Rejects
// truncated and overlong sequences, surrogates and values above U+10FFFF.
std::optional<uint32_t> DecodeUtf8(std::string_view s, size_t* pos) {
  const auto lead = static_cast<unsigned char>(s[*pos]);
  if (lead < 0x80) {
    ++*pos;
    return lead;
  }
  size_t length = 0;
  if ((lead & 0xe0) == 0xc0) {
    length = 2;
  } else if ((lead & 0xf0) == 0xe0) {
    length = 3;
  } else if ((lead & 0xf8) == 0xf0) {
    length = 4;
  } else {
    return std::nullopt;
  }
  constexpr std::array<uint32_t, 5> kMinCodePoint = {0, 0, 0x80, 0x800, 0x10000};
  uint32_t cp = lead & (0x7f >> length);
  if (s.size() - *pos < length) {
    return std::nullopt;
  }
  for (size_t i = 1; i < length; ++i) {
    const auto c = static_cast<unsigned char>(s[*pos + i]);
    if ((c & 0xc0) != 0x80) {
      return std::nullopt;
    }
    cp = (cp << 6) | (c & 0x3f);
  }
  if (cp < kMinCodePoint[length] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    return std::nullopt;
  }
  *pos += length;
  return cp;
}

// JSON escape that writes every non-ASCII character as \uxxxx (a surrogate
// pair beyond the BMP). Nothing when the secret is not valid UTF-8.
std::optional<std::string> JsonEscapeAsciiOnly(std::string_view secret) {
  std::string out;
  size_t pos = 0;
  while (pos < secret.size()) {
    const std::optional<uint32_t> cp = DecodeUtf8(secret, &pos);
    if (!cp) {
      return std::nullopt;
    }
    if (*cp < 0x80) {
      AppendJsonAscii(static_cast<unsigned char>(*cp), /*escape_slash=*/false, &out);
    } else if (*cp < 0x10000) {
      AppendUnicodeEscape(*cp, &out);
    } else {
      const uint32_t v = *cp - 0x10000;
      AppendUnicodeEscape(0xd800 + (v >> 10), &out);
      AppendUnicodeEscape(0xdc00 + (v & 0x3ff), &out);
    }
  }
  return out;
}

// The same JSON escape with every \uxxxx in upper-case hex, as some
// encoders (Java's, .NET's) write it.
std::string UpperCaseUnicodeEscapes(std::string escaped) {
  for (size_t i = 0; i + 1 < escaped.size(); ++i) {
    if (escaped[i] != '\\') {
      continue;
    }
    if (escaped[i + 1] == 'u') {
      for (size_t k = i + 2; k < i + 6 && k < escaped.size(); ++k) {
        escaped[k] = static_cast<char>(std::toupper(static_cast<unsigned char>(escaped[k])));
      }
      i += 5;
    } else {
      ++i;  // the escaped character, which may itself be a backslash
    }
  }
  return escaped;
}

// XML escape with decimal character references only (&#38; &#60; ...).
std::string XmlEscapeNumeric(std::string_view secret) {
  std::string out;
  for (const char ch : secret) {
    if (ch == '&' || ch == '<' || ch == '>' || ch == '"' || ch == '\'') {
      out += "&#" + std::to_string(static_cast<int>(ch)) + ";";
    } else {
      out += ch;
    }
  }
  return out;
}

// JSON escape as Go (and PHP's JSON_HEX_* flags) write it: also <, >, & and '
// as \u00xx, so that the text is safe inside HTML.
std::string JsonEscapeHtmlSafe(std::string_view secret) {
  std::string out;
  for (const char ch : secret) {
    if (ch == '<' || ch == '>' || ch == '&' || ch == '\'') {
      AppendUnicodeEscape(static_cast<unsigned char>(ch), &out);
    } else {
      out += JsonEscape(std::string_view(&ch, 1), /*escape_slash=*/false);
    }
  }
  return out;
}

// XML/HTML entity escape; `apos` is the entity written for a single quote.
std::string XmlEscape(std::string_view secret, std::string_view apos) {
  std::string out;
  for (const char ch : secret) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += apos;
        break;
      default:
        out += ch;
        break;
    }
  }
  return out;
}

// How `set -x` prints a word: inside single quotes, each ' as '\''.
std::string ShellSetX(std::string_view secret) {
  std::string out;
  for (const char ch : secret) {
    if (ch == '\'') {
      out += "'\\''";
    } else {
      out += ch;
    }
  }
  return out;
}

// How `printf %q` prints a word without control bytes: a backslash before
// each shell metacharacter, and before # or ~ only where a word starts.
std::string ShellPrintfQ(std::string_view secret) {
  constexpr std::string_view kSpecial = " \t'\"\\|&;()<>!{}*[]?^$`";
  std::string out;
  for (size_t i = 0; i < secret.size(); ++i) {
    const char ch = secret[i];
    if (kSpecial.find(ch) != std::string_view::npos || (i == 0 && (ch == '#' || ch == '~'))) {
      out += '\\';
    }
    out += ch;
  }
  return out;
}

// Each line of a multi-line secret, then the whole with CRLF line ends, and
// with LF line ends when the secret has CRLF ones.
void AddLines(std::string_view secret, LiteralCollector* out) {
  if (secret.find('\n') == std::string_view::npos) {
    return;
  }
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (true) {
    const size_t newline = secret.find('\n', start);
    std::string_view line = secret.substr(start, newline - start);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    lines.push_back(line);
    if (newline == std::string_view::npos) {
      break;
    }
    start = newline + 1;
  }
  std::string crlf;
  std::string lf;
  for (size_t i = 0; i < lines.size(); ++i) {
    out->Add(VariantKind::kLines, std::string(lines[i]));
    if (i > 0) {
      crlf += "\r\n";
      lf += '\n';
    }
    crlf += lines[i];
    lf += lines[i];
  }
  out->Add(VariantKind::kLines, std::move(crlf));
  if (secret.find("\r\n") != std::string_view::npos) {
    out->Add(VariantKind::kLines, std::move(lf));
  }
}

std::string_view TrimSpace(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  const size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) {
    return {};
  }
  return s.substr(begin, s.find_last_not_of(kSpace) - begin + 1);
}

}  // namespace

Result<VariantMask> ParseVariantList(std::string_view list) {
  if (TrimSpace(list).empty()) {
    return InvalidArgument(std::string("empty --variants list ") + std::string(kListHint));
  }
  VariantMask mask = VariantMask::RawOnly();
  size_t start = 0;
  while (true) {
    const size_t comma = list.find(',', start);
    const std::string_view name = TrimSpace(list.substr(start, comma - start));
    bool known = false;
    if (name == "all") {
      mask = VariantMask::All();
      known = true;
    }
    for (const VariantKind kind : kAllKinds) {
      if (name == VariantName(kind)) {
        mask.Set(kind);
        known = true;
      }
    }
    if (!known) {
      return InvalidArgument("unknown variant '" + std::string(name) + "' in --variants " +
                             std::string(kListHint));
    }
    if (comma == std::string_view::npos) {
      return mask;
    }
    start = comma + 1;
  }
}

std::string_view VariantName(VariantKind kind) {
  switch (kind) {
    case VariantKind::kRaw:
      return "raw";
    case VariantKind::kBase64:
      return "base64";
    case VariantKind::kBase64Url:
      return "base64url";
    case VariantKind::kPercent:
      return "percent";
    case VariantKind::kJson:
      return "json";
    case VariantKind::kXml:
      return "xml";
    case VariantKind::kShell:
      return "shell";
    case VariantKind::kLines:
      return "lines";
  }
  return "unknown";
}

std::vector<VariantLiteral> EncodeVariants(std::string_view secret,
                                           VariantMask mask,
                                           size_t min_length) {
  // A secret too short to use is not used in any form (DESIGN §2).
  if (secret.empty() || secret.size() < min_length) {
    return {};
  }
  LiteralCollector out(min_length);
  out.Add(VariantKind::kRaw, std::string(secret));
  if (mask.Has(VariantKind::kBase64)) {
    AddBase64(secret, VariantKind::kBase64, kBase64Alphabet, &out);
  }
  if (mask.Has(VariantKind::kBase64Url)) {
    AddBase64(secret, VariantKind::kBase64Url, kBase64UrlAlphabet, &out);
  }
  if (mask.Has(VariantKind::kPercent)) {
    out.Add(VariantKind::kPercent, PercentEncode(secret, kUpperHex, /*form=*/false));
    out.Add(VariantKind::kPercent, PercentEncode(secret, kLowerHex, /*form=*/false));
    out.Add(VariantKind::kPercent, PercentEncode(secret, kUpperHex, /*form=*/true));
    out.Add(VariantKind::kPercent, PercentEncode(secret, kLowerHex, /*form=*/true));
    out.Add(VariantKind::kPercent, PercentEncode(secret, kUpperHex, /*form=*/false, "/"));
    out.Add(VariantKind::kPercent, PercentEncode(secret, kUpperHex, /*form=*/false, "!'()*"));
  }
  if (mask.Has(VariantKind::kJson)) {
    std::string escaped = JsonEscape(secret, /*escape_slash=*/false);
    out.Add(VariantKind::kJson, escaped);
    out.Add(VariantKind::kJson, JsonEscape(secret, /*escape_slash=*/true));
    out.Add(VariantKind::kJson, UpperCaseUnicodeEscapes(std::move(escaped)));
    std::string html_safe = JsonEscapeHtmlSafe(secret);
    out.Add(VariantKind::kJson, html_safe);
    out.Add(VariantKind::kJson, UpperCaseUnicodeEscapes(std::move(html_safe)));
    if (std::optional<std::string> ascii = JsonEscapeAsciiOnly(secret)) {
      out.Add(VariantKind::kJson, *ascii);
      out.Add(VariantKind::kJson, UpperCaseUnicodeEscapes(std::move(*ascii)));
    }
  }
  if (mask.Has(VariantKind::kXml)) {
    out.Add(VariantKind::kXml, XmlEscape(secret, "&#39;"));
    out.Add(VariantKind::kXml, XmlEscapeNumeric(secret));
    if (secret.find('\'') != std::string_view::npos) {
      out.Add(VariantKind::kXml, XmlEscape(secret, "&apos;"));
      out.Add(VariantKind::kXml, XmlEscape(secret, "&#x27;"));
    }
  }
  if (mask.Has(VariantKind::kShell)) {
    out.Add(VariantKind::kShell, ShellSetX(secret));
    out.Add(VariantKind::kShell, ShellPrintfQ(secret));
  }
  if (mask.Has(VariantKind::kLines)) {
    AddLines(secret, &out);
  }
  return out.Take();
}

}  // namespace scrubber
