// The agent's vault (DESIGN §6): an age-encrypted JSON document of typed
// entries, each with a uuid and nested data whose string leaves are named by
// dotted paths ("credentials.password"). DecryptVault runs Debian's `age`;
// Vault answers selectors for job steps, lists names for `vault list` and
// registers every secret with a SecretSet. No message carries a value.
#ifndef SCRUBBER_AGENT_VAULT_H_
#define SCRUBBER_AGENT_VAULT_H_

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "scrubber/secret_set.h"
#include "scrubber/status.h"

namespace scrubber::agent {

// One string leaf of an entry's data. Array elements are numbered:
// {"hosts": ["a", "b"]} gives "hosts.0" and "hosts.1". Numbers, booleans
// and nulls are not kept.
struct VaultField {
  std::string path;
  std::string value;
};

struct VaultEntry {
  std::string type;                // "GitHubDestination", ...
  std::string uuid;                // unique within the vault
  std::vector<VaultField> fields;  // in document order
};

// What `vault list` shows of an entry: names, never values.
struct VaultFieldName {
  std::string path;
  bool secret = false;  // registered with the secret set (see AddSecrets)
};
struct VaultEntryNames {
  std::string type;
  std::string uuid;
  std::vector<VaultFieldName> fields;
};

// One line for `vault list`, without a line end:
// "TYPE UUID: field, field (secret), ...", or "TYPE UUID: no string fields".
std::string FormatEntryNames(const VaultEntryNames& entry);
std::ostream& operator<<(std::ostream& out, const VaultEntryNames& entry);

// Decrypts the age file at `path` with `identity` (the text of an age
// identity file, e.g. SCRUB_VAULT_KEY's "AGE-SECRET-KEY-1..."), by running
// `age --decrypt` found in PATH. The identity reaches age through an
// in-memory file (memfd) named /dev/fd/3, never a disk file, an argument or
// the environment; age gets PATH alone as its environment. Returns the
// plaintext. Errors: "PATH: No such file or directory" (any open error),
// "PATH: cannot decrypt (wrong key or not an age file)",
// "SCRUB_VAULT_KEY: not a valid age identity", or that `age` cannot be run.
// age's own stderr is never passed on. Thread-compatible; forks.
Result<std::string> DecryptVault(const std::string& path, std::string_view identity);

class Vault {
 public:
  // Parses a decrypted vault: {"version": "1", "entries": [...]} or a bare
  // array of entries, each {"type": non-empty string, "uuid": non-empty
  // string, "data": object}; other entry members are ignored. Uuids must be
  // unique. Errors are InvalidInput naming `source` and the entry
  // ("vault.age: entry 3: 'data' must be an object"), never a value.
  static Result<Vault> Parse(std::string_view json, std::string_view source);

  // The value a selector names: "TYPE.path" (the type must have exactly one
  // entry) or "UUID.path". Errors (InvalidArgument) name the selector and
  // the problem: no such type or uuid, a type with several entries (listing
  // their uuids, to be used instead), no such field (listing the entry's
  // field names), a path that is an object rather than a string.
  Result<std::string> Get(std::string_view selector) const;

  // Types, uuids and field names, in document order.
  std::vector<VaultEntryNames> List() const;

  // Adds every secret field of every entry and its derived forms, named
  // "TYPE.path" with source "vault:UUID.path". Which fields are secret and
  // which forms are derived is in agent/secret_fields.h.
  void AddSecrets(SecretSet* set) const;

  const std::vector<VaultEntry>& entries() const { return entries_; }

 private:
  std::vector<VaultEntry> entries_;
};

// DecryptVault, then Vault::Parse with `path` as the source.
Result<Vault> LoadVault(const std::string& path, std::string_view identity);

}  // namespace scrubber::agent

#endif  // SCRUBBER_AGENT_VAULT_H_
