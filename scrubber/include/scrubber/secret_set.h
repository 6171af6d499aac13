// SecretSet: the known secret values to redact, each with an optional name
// (used for --label and reports) and the source it came from (used in
// warnings). Parsers for the text formats of DESIGN §3 live here; reading
// files and the process environment is the caller's job (scrubber/io).
#ifndef SCRUBBER_SECRET_SET_H_
#define SCRUBBER_SECRET_SET_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scrubber/status.h"

namespace scrubber {

struct Secret {
  std::string value;   // any bytes
  std::string name;    // may be empty; never derived from the value
  std::string source;  // where it came from, e.g. "secrets.txt:3" or "env:API_TOKEN"
};

class SecretSet {
 public:
  void Add(std::string value, std::string name, std::string source);

  // One secret per line; the line end (LF or CRLF) is excluded, empty lines
  // are ignored. `source` names the input in messages ("secrets.txt").
  void AddLines(std::string_view content, std::string_view source);

  // A JSON array of strings, or an object of name to string. Anything else
  // is an error naming `source` and the problem (never a value).
  Status AddJson(std::string_view json, std::string_view source);

  // Adds the values of `environment` whose names look secret (see
  // LooksLikeSecretName). Entries are NAME=VALUE pairs.
  void AddFromEnvironment(const std::vector<std::pair<std::string, std::string>>& environment);

  const std::vector<Secret>& secrets() const { return secrets_; }
  bool empty() const { return secrets_.empty(); }
  size_t size() const { return secrets_.size(); }

 private:
  std::vector<Secret> secrets_;
};

// True when an environment variable name looks like it holds a secret:
// contains TOKEN, SECRET, PASSWORD, PASSWD, PRIVATE_KEY, ACCESS_KEY, API_KEY
// or CREDENTIAL, case-insensitively.
bool LooksLikeSecretName(std::string_view name);

}  // namespace scrubber

#endif  // SCRUBBER_SECRET_SET_H_
