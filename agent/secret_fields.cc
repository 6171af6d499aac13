// The secret-field rules of agent/secret_fields.h. Names are compared as
// lowercase words so that snake_case, kebab-case and camelCase vaults are
// read alike; values are looked at only for connection strings.
#include "agent/secret_fields.h"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace scrubber::agent {
namespace {

bool IsUpper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool IsLower(char c) {
  return c >= 'a' && c <= 'z';
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
char ToLower(char c) {
  return IsUpper(c) ? static_cast<char>(c - 'A' + 'a') : c;
}

// "clientSecret" -> {"client", "secret"}; "APIKey" -> {"api", "key"};
// "smb-password" -> {"smb", "password"}.
std::vector<std::string> Words(std::string_view name) {
  std::vector<std::string> words(1);
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (!IsUpper(c) && !IsLower(c) && !IsDigit(c)) {
      if (!words.back().empty()) {
        words.emplace_back();
      }
      continue;
    }
    const bool boundary = IsUpper(c) && i > 0 &&
                          (IsLower(name[i - 1]) || IsDigit(name[i - 1]) ||
                           (IsUpper(name[i - 1]) && i + 1 < name.size() && IsLower(name[i + 1])));
    if (boundary && !words.back().empty()) {
      words.emplace_back();
    }
    words.back().push_back(ToLower(c));
  }
  if (words.back().empty()) {
    words.pop_back();
  }
  return words;
}

std::string Joined(const std::vector<std::string>& words, std::string_view separator) {
  std::string joined;
  for (const std::string& word : words) {
    if (!joined.empty()) {
      joined += separator;
    }
    joined += word;
  }
  return joined;
}

bool Contains(const std::vector<std::string>& words, std::string_view word) {
  return std::ranges::find(words, word) != words.end();
}

bool IsIndex(std::string_view component) {
  return !component.empty() && std::ranges::all_of(component, IsDigit);
}

// The path's components, array indexes left out.
std::vector<std::string_view> NamedComponents(std::string_view path) {
  std::vector<std::string_view> components;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t dot = std::min(path.find('.', start), path.size());
    const std::string_view component = path.substr(start, dot - start);
    if (!IsIndex(component)) {
      components.push_back(component);
    }
    start = dot + 1;
  }
  return components;
}

bool IsMetadataWord(std::string_view word) {
  constexpr std::array<std::string_view, 37> kMetadata = {
      "id",       "ids",     "uuid",        "name",       "type",  "kind",     "url",     "uri",
      "endpoint", "host",    "hostname",    "port",       "user",  "username", "login",   "email",
      "region",   "expires", "expiry",      "expiration", "at",    "created",  "updated", "ttl",
      "scope",    "scopes",  "fingerprint", "length",     "count", "enabled",  "format",  "version",
      "hint",     "path",    "file",        "names",      "urls",
  };
  return std::ranges::find(kMetadata, word) != kMetadata.end();
}

// How sure a single name (not a path) is to hold a secret, before the
// metadata exclusion: kStrong for a marker inside it ("apiToken"), kWeak for
// a short marker word ("deploy_key", "pat"), whose compounds are often
// identifiers instead ("project_key", "public_key").
enum class Marker { kNone, kWeak, kStrong };

Marker NameMarker(const std::vector<std::string>& words) {
  constexpr std::array<std::string_view, 10> kInside = {
      "token",      "secret",    "password", "passwd",     "passphrase",
      "privatekey", "accesskey", "apikey",   "credential", "connectionstring",
  };
  constexpr std::array<std::string_view, 6> kWords = {"pat", "key", "keys", "pwd", "pass", "sas"};
  constexpr std::array<std::string_view, 10> kIdentifierCompounds = {
      "public", "project", "partition", "sort",    "cache",
      "object", "routing", "issue",     "foreign", "idempotency",
  };
  const std::string compact = Joined(words, "");
  if (std::ranges::any_of(kInside, [&](std::string_view marker) {
        return compact.find(marker) != std::string::npos;
      })) {
    return Marker::kStrong;
  }
  const auto has = [&](std::string_view word) { return Contains(words, word); };
  if (std::ranges::any_of(kWords, has) && !std::ranges::any_of(kIdentifierCompounds, has)) {
    return Marker::kWeak;
  }
  return Marker::kNone;
}

// The rule of LooksLikeSecretField, counting weak markers or not.
bool LooksSecret(std::string_view path, bool weak_markers) {
  const std::vector<std::string_view> components = NamedComponents(path);
  if (components.empty()) {
    return false;
  }
  const std::vector<std::string> own = Words(components.back());
  if (own.empty() || IsMetadataWord(own.back())) {
    return false;
  }
  const auto secret = [&](std::string_view name) {
    const Marker marker = NameMarker(Words(name));
    return marker == Marker::kStrong || (weak_markers && marker == Marker::kWeak);
  };
  return std::any_of(components.begin(), components.end(), secret);
}

bool IsKnownSecretField(std::string_view type, std::string_view path) {
  const std::vector<std::string_view> known = KnownSecretFields(type);
  return std::ranges::find(known, path) != known.end();
}

// The parts of a connection string that are secrets, by key
// (case-insensitive): Azure storage and Service Bus keys, SAS tokens, ADO.NET
// and ODBC passwords.
bool IsConnectionStringSecretKey(std::string_view key) {
  constexpr std::array<std::string_view, 5> kKeys = {
      "accountkey", "sharedaccesskey", "sharedaccesssignature", "password", "pwd",
  };
  std::string lower(key);
  std::ranges::transform(lower, lower.begin(), ToLower);
  return std::ranges::find(kKeys, lower) != kKeys.end();
}

struct ConnectionStringPart {
  std::string_view key;
  std::string_view value;
};

// The secret "Key=Value" parts of a ';'-separated connection string.
std::vector<ConnectionStringPart> SecretConnectionStringParts(std::string_view text) {
  std::vector<ConnectionStringPart> parts;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = std::min(text.find(';', start), text.size());
    std::string_view part = text.substr(start, end - start);
    while (!part.empty() && (part.front() == ' ' || part.front() == '\t')) {
      part.remove_prefix(1);
    }
    if (const size_t equals = part.find('='); equals != std::string_view::npos) {
      const std::string_view key = part.substr(0, equals);
      const std::string_view value = part.substr(equals + 1);
      if (IsConnectionStringSecretKey(key) && !value.empty()) {
        parts.push_back({key, value});
      }
    }
    start = end + 1;
  }
  return parts;
}

std::string_view Trimmed(std::string_view value) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  const size_t first = value.find_first_not_of(kSpace);
  if (first == std::string_view::npos) {
    return {};
  }
  return value.substr(first, value.find_last_not_of(kSpace) - first + 1);
}

std::string_view Parent(std::string_view path) {
  const size_t dot = path.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : path.substr(0, dot);
}

std::string_view Leaf(std::string_view path) {
  const size_t dot = path.rfind('.');
  return dot == std::string_view::npos ? path : path.substr(dot + 1);
}

bool IsTokenField(const VaultField& field) {
  const std::vector<std::string> words = Words(Leaf(field.path));
  return Contains(words, "pat") || Joined(words, "").find("token") != std::string::npos;
}

// The user field that goes with a password field, or nullptr.
const VaultField* UserFor(const VaultEntry& entry, const VaultField& password) {
  std::vector<std::string> words = Words(Leaf(password.path));
  constexpr std::array<std::string_view, 4> kPasswordWords = {"password", "passwd", "pwd", "pass"};
  if (words.empty() || std::ranges::find(kPasswordWords, words.back()) == kPasswordWords.end()) {
    return nullptr;
  }
  words.pop_back();
  const std::string prefix = Joined(words, "_");
  std::vector<std::string> candidates;
  for (const std::string_view user : {"username", "user", "login"}) {
    if (!prefix.empty()) {
      candidates.push_back(prefix + "_" + std::string(user));
    }
  }
  for (const std::string_view user : {"username", "user", "login"}) {
    candidates.emplace_back(user);
  }
  const std::string_view parent = Parent(password.path);
  for (const std::string& candidate : candidates) {
    for (const VaultField& field : entry.fields) {
      if (Parent(field.path) == parent && Joined(Words(Leaf(field.path)), "_") == candidate &&
          !field.value.empty()) {
        return &field;
      }
    }
  }
  return nullptr;
}

}  // namespace

std::vector<std::string_view> KnownSecretFields(std::string_view type) {
  if (type == "GitHubDestination" || type == "AzureDevOps") {
    return {"pat"};
  }
  if (type == "BitbucketServer") {
    return {"credentials.password", "host_configuration.ssh_key",
            "host_configuration.smb_password"};
  }
  if (type == "AmazonS3") {
    return {"aws_access_key_id", "aws_secret_access_key"};
  }
  if (type == "AzureBlobStorage") {
    return {"azure_storage_connection_string"};
  }
  return {};
}

bool LooksLikeSecretField(std::string_view path) {
  return LooksSecret(path, true);
}

// For an entry type nobody listed, a field is secret unless its own name
// says it is metadata (an id, a url, a region, a user name, ...): a field
// named "value" or "dsn" is masked, failing safe.
bool UnknownTypeFieldIsSecret(std::string_view path) {
  const std::vector<std::string_view> components = NamedComponents(path);
  if (components.empty()) {
    return true;  // array elements of a secret-looking parent: treated as secret
  }
  const std::vector<std::string> own = Words(components.back());
  return own.empty() || !IsMetadataWord(own.back()) || LooksSecret(path, true);
}

bool IsSecretField(const VaultEntry& entry, const VaultField& field) {
  const bool known_type = !KnownSecretFields(entry.type).empty();
  if (!known_type) {
    return UnknownTypeFieldIsSecret(field.path) ||
           !SecretConnectionStringParts(field.value).empty();
  }
  return IsKnownSecretField(entry.type, field.path) || LooksSecret(field.path, false) ||
         !SecretConnectionStringParts(field.value).empty();
}

void AddEntrySecrets(const VaultEntry& entry, SecretSet* set) {
  for (const VaultField& field : entry.fields) {
    if (field.value.empty() || !IsSecretField(entry, field)) {
      continue;
    }
    const std::string name = entry.type + "." + field.path;
    const std::string source = "vault:" + entry.uuid + "." + field.path;
    set->Add(field.value, name, source);
    const std::string_view trimmed = Trimmed(field.value);
    if (!trimmed.empty() && trimmed.size() != field.value.size()) {
      set->Add(std::string(trimmed), name, source + " (trimmed)");
    }
    if (trimmed.empty()) {
      continue;
    }
    const bool one_line = trimmed.find('\n') == std::string_view::npos;
    if (one_line && IsTokenField(field)) {
      set->Add(":" + std::string(trimmed), name, source + " (:token)");
      set->Add("x-access-token:" + std::string(trimmed), name, source + " (x-access-token:token)");
    }
    if (const VaultField* user = UserFor(entry, field); one_line && user != nullptr) {
      set->Add(user->value + ":" + std::string(trimmed), name, source + " (user:password)");
    }
    for (const ConnectionStringPart& part : SecretConnectionStringParts(field.value)) {
      set->Add(std::string(part.value), name + "." + std::string(part.key),
               source + " (" + std::string(part.key) + "=)");
    }
  }
}

}  // namespace scrubber::agent
