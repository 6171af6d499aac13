// DecryptVault runs `age --decrypt` with the vault file on its stdin, the
// identity in a memfd it opens as /dev/fd/3, its stdout on a pipe we read to
// the end and its stderr in a second memfd we read only to classify the
// failure: age quotes the start of a file it cannot parse, which could be a
// plaintext secret, so none of its words are passed on. Vault keeps each
// entry's string leaves by dotted path and answers selectors over them.
#include "agent/vault.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "agent/secret_fields.h"
#include "scrubber/json_syntax.h"

extern char** environ;

namespace scrubber::agent {
namespace {

// Owns a descriptor.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  void Reset(int fd = -1) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = fd;
  }

 private:
  int fd_;
};

// Moves `fd` to a number of at least 10 (close-on-exec), so that the
// child's dup2 onto 0..3 never clobbers a source.
bool RaiseFd(UniqueFd* fd) {
  const int raised = ::fcntl(fd->get(), F_DUPFD_CLOEXEC, 10);
  if (raised < 0) {
    return false;
  }
  fd->Reset(raised);
  return true;
}

bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads `fd` to its end (or `limit` bytes).
bool ReadAll(int fd, std::string* out, size_t limit = static_cast<size_t>(-1)) {
  char buffer[65536];
  while (out->size() < limit) {
    const ssize_t n = ::read(fd, buffer, std::min(sizeof(buffer), limit - out->size()));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return false;
    }
    if (n == 0) {
      break;
    }
    out->append(buffer, static_cast<size_t>(n));
  }
  return true;
}

Status Errno(std::string_view what, int error) {
  return InvalidInput(std::string(what) + ": " + ::strerror(error));
}

struct AgeRun {
  int wait_status = 0;
  std::string out;
  std::string err;  // classified, never shown
};

// Spawns age in a session of its own (no controlling terminal, so it cannot
// stop to prompt for a passphrase) with PATH alone as its environment.
Result<AgeRun> RunAge(int vault_fd, int identity_fd) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return Internal(std::string("age: pipe: ") + ::strerror(errno));
  }
  UniqueFd out_read(pipe_fds[0]);
  UniqueFd out_write(pipe_fds[1]);
  UniqueFd err(::memfd_create("age-stderr", MFD_CLOEXEC));
  if (err.get() < 0 || !RaiseFd(&out_write) || !RaiseFd(&err)) {
    return Internal(std::string("age: descriptors: ") + ::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, vault_fd, 0);
  posix_spawn_file_actions_adddup2(&actions, out_write.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err.get(), 2);
  posix_spawn_file_actions_adddup2(&actions, identity_fd, 3);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  posix_spawn_file_actions_addclosefrom_np(&actions, 4);
#endif
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t no_signals;
  sigemptyset(&no_signals);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGCHLD);
  posix_spawnattr_setsigmask(&attributes, &no_signals);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  const char* path = ::getenv("PATH");
  std::string path_entry = std::string("PATH=") + (path != nullptr ? path : "/usr/bin:/bin");
  char* const argv[] = {const_cast<char*>("age"), const_cast<char*>("--decrypt"),
                        const_cast<char*>("--identity"), const_cast<char*>("/dev/fd/3"), nullptr};
  char* const envp[] = {path_entry.data(), nullptr};
  pid_t pid = 0;
  const int spawn_error = ::posix_spawnp(&pid, "age", &actions, &attributes, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawn_error == ENOENT) {
    return InvalidArgument(
        "cannot run 'age': not found in PATH (install the Debian package 'age')");
  }
  if (spawn_error != 0) {
    return InvalidArgument(std::string("cannot run 'age': ") + ::strerror(spawn_error));
  }
  out_write.Reset();
  AgeRun run;
  const bool read_ok = ReadAll(out_read.get(), &run.out);
  while (::waitpid(pid, &run.wait_status, 0) < 0 && errno == EINTR) {
  }
  if (!read_ok) {
    return Internal("age: reading its output failed");
  }
  ::lseek(err.get(), 0, SEEK_SET);
  ReadAll(err.get(), &run.err, 16384);
  return run;
}

}  // namespace

Result<std::string> DecryptVault(const std::string& path, std::string_view identity) {
  UniqueFd vault(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (vault.get() < 0) {
    return Errno(path, errno);
  }
  struct stat info = {};
  if (::fstat(vault.get(), &info) != 0) {
    return Errno(path, errno);
  }
  if (S_ISDIR(info.st_mode)) {
    return Errno(path, EISDIR);
  }
  if (identity.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return InvalidArgument("SCRUB_VAULT_KEY: empty");
  }
  // The identity lives in memory only: a memfd is no file on any disk.
  UniqueFd key(::memfd_create("age-identity", MFD_CLOEXEC));
  if (key.get() < 0 || !WriteAll(key.get(), identity) || !WriteAll(key.get(), "\n") ||
      !RaiseFd(&key) || !RaiseFd(&vault)) {
    return Internal(std::string("age: identity memfd: ") + ::strerror(errno));
  }
  Result<AgeRun> run = RunAge(vault.get(), key.get());
  if (!run.ok()) {
    return run.status();
  }
  const int wait_status = run->wait_status;
  if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) {
    return std::move(run->out);
  }
  if (WIFSIGNALED(wait_status)) {
    return Internal(path + ": age was killed by signal " + std::to_string(WTERMSIG(wait_status)));
  }
  const std::string& err = run->err;
  if (err.find("\"/dev/fd/3\"") != std::string::npos ||
      err.find("no secret keys found") != std::string::npos ||
      err.find("malformed secret key") != std::string::npos) {
    return InvalidArgument("SCRUB_VAULT_KEY: not a valid age identity");
  }
  return InvalidInput(path + ": cannot decrypt (wrong key or not an age file)");
}

namespace {

std::string_view DescribeJsonType(simdjson::dom::element_type type) {
  switch (type) {
    case simdjson::dom::element_type::ARRAY:
      return "an array";
    case simdjson::dom::element_type::OBJECT:
      return "an object";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
      return "a number";
    case simdjson::dom::element_type::STRING:
      return "a string";
    case simdjson::dom::element_type::BOOL:
      return "a boolean";
    case simdjson::dom::element_type::NULL_VALUE:
      return "null";
  }
  return "an unknown value";
}

// Appends the string leaves under `element` with paths below `prefix`. A
// member name that is empty or holds '.' would make a path no selector can
// name (or two fields one path): an error naming `where`.
Status Flatten(simdjson::dom::element element,
               const std::string& prefix,
               const std::string& where,
               std::vector<VaultField>* fields) {
  std::string_view text;
  simdjson::dom::object object;
  simdjson::dom::array array;
  if (element.get_string().get(text) == simdjson::SUCCESS) {
    fields->push_back({prefix, std::string(text)});
  } else if (element.get_object().get(object) == simdjson::SUCCESS) {
    for (const simdjson::dom::key_value_pair member : object) {
      const std::string key(member.key);
      if (key.empty() || key.find('.') != std::string::npos) {
        return InvalidInput(where + ": a field name under '" + prefix + "' is empty or holds '.'");
      }
      Status s = Flatten(member.value, prefix.empty() ? key : prefix + "." + key, where, fields);
      if (!s.ok()) {
        return s;
      }
    }
  } else if (element.get_array().get(array) == simdjson::SUCCESS) {
    size_t index = 0;
    for (const simdjson::dom::element item : array) {
      const std::string key = std::to_string(index++);
      Status s = Flatten(item, prefix.empty() ? key : prefix + "." + key, where, fields);
      if (!s.ok()) {
        return s;
      }
    }
  }
  return Status::Ok();
}

// Reads a required non-empty string member without '.' (type and uuid
// start selectors).
Status ReadName(simdjson::dom::object object,
                std::string_view key,
                const std::string& where,
                std::string* out) {
  simdjson::dom::element element;
  std::string_view value;
  if (object[key].get(element) != simdjson::SUCCESS) {
    return InvalidInput(where + ": '" + std::string(key) + "' is missing");
  }
  if (element.get_string().get(value) != simdjson::SUCCESS || value.empty()) {
    return InvalidInput(where + ": '" + std::string(key) + "' must be a non-empty string, not " +
                        std::string(DescribeJsonType(element.type())));
  }
  if (value.find('.') != std::string_view::npos) {
    return InvalidInput(where + ": '" + std::string(key) + "' must not contain '.'");
  }
  *out = std::string(value);
  return Status::Ok();
}

Result<VaultEntry> ParseEntry(simdjson::dom::element element, const std::string& where) {
  simdjson::dom::object object;
  if (element.get_object().get(object) != simdjson::SUCCESS) {
    return InvalidInput(where + " is " + std::string(DescribeJsonType(element.type())) +
                        ", expected an object");
  }
  VaultEntry entry;
  if (Status status = ReadName(object, "type", where, &entry.type); !status.ok()) {
    return status;
  }
  if (Status status = ReadName(object, "uuid", where, &entry.uuid); !status.ok()) {
    return status;
  }
  simdjson::dom::element data;
  if (object["data"].get(data) != simdjson::SUCCESS) {
    return InvalidInput(where + ": 'data' is missing");
  }
  if (data.type() != simdjson::dom::element_type::OBJECT) {
    return InvalidInput(where + ": 'data' must be an object, not " +
                        std::string(DescribeJsonType(data.type())));
  }
  Status s = Flatten(data, "", where, &entry.fields);
  if (!s.ok()) {
    return s;
  }
  return entry;
}

// The entries array of a vault document, or why there is none.
Result<simdjson::dom::array> EntriesOf(simdjson::dom::element root, const std::string& source) {
  simdjson::dom::array entries;
  if (root.get_array().get(entries) == simdjson::SUCCESS) {
    return entries;
  }
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    return InvalidInput(source + ": the document is " + std::string(DescribeJsonType(root.type())) +
                        ", expected {\"version\": \"1\", \"entries\": [...]} or an array");
  }
  simdjson::dom::element version;
  std::string_view version_text;
  if (object["version"].get(version) == simdjson::SUCCESS &&
      !(version.get_string().get(version_text) == simdjson::SUCCESS && version_text == "1")) {
    return InvalidInput(source + ": unsupported 'version' (expected \"1\")");
  }
  simdjson::dom::element element;
  if (object["entries"].get(element) != simdjson::SUCCESS ||
      element.get_array().get(entries) != simdjson::SUCCESS) {
    return InvalidInput(source + ": 'entries' must be an array");
  }
  return entries;
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string joined;
  for (const std::string& name : names) {
    joined += (joined.empty() ? "" : ", ") + name;
  }
  return joined.empty() ? "none" : joined;
}

}  // namespace

Result<Vault> Vault::Parse(std::string_view json, std::string_view source_view) {
  const std::string source(source_view);
  const simdjson::padded_string padded(json);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS) {
    // simdjson's messages may quote the input: a position, no more.
    return InvalidInput(source + ": " + JsonSyntaxError(json));
  }
  Result<simdjson::dom::array> entries = EntriesOf(root, source);
  if (!entries.ok()) {
    return entries.status();
  }
  Vault vault;
  std::set<std::string> uuids;
  size_t index = 0;
  for (const simdjson::dom::element element : *entries) {
    const std::string where = source + ": entry " + std::to_string(++index);
    Result<VaultEntry> entry = ParseEntry(element, where);
    if (!entry.ok()) {
      return entry.status();
    }
    if (!uuids.insert(entry->uuid).second) {
      return InvalidInput(where + ": uuid '" + entry->uuid + "' is used by an earlier entry");
    }
    vault.entries_.push_back(std::move(*entry));
  }
  return vault;
}

Result<std::string> Vault::Get(std::string_view selector_view) const {
  const std::string selector(selector_view);
  const size_t dot = selector.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == selector.size()) {
    return InvalidArgument("selector '" + selector + "': expected TYPE.path or UUID.path");
  }
  const std::string head = selector.substr(0, dot);
  const std::string path = selector.substr(dot + 1);
  const VaultEntry* entry = nullptr;
  std::vector<const VaultEntry*> of_type;
  for (const VaultEntry& candidate : entries_) {
    if (candidate.uuid == head) {
      entry = &candidate;
    } else if (candidate.type == head) {
      of_type.push_back(&candidate);
    }
  }
  if (entry == nullptr && of_type.empty()) {
    std::vector<std::string> types;
    for (const VaultEntry& candidate : entries_) {
      if (std::ranges::find(types, candidate.type) == types.end()) {
        types.push_back(candidate.type);
      }
    }
    return InvalidArgument("selector '" + selector + "': no entry has type or uuid '" + head +
                           "' (types in the vault: " + JoinNames(types) + ")");
  }
  if (entry == nullptr && of_type.size() > 1) {
    std::vector<std::string> uuids;
    for (const VaultEntry* candidate : of_type) {
      uuids.push_back(candidate->uuid);
    }
    return InvalidArgument("selector '" + selector + "': " + std::to_string(of_type.size()) +
                           " entries have type '" + head + "' (uuids " + JoinNames(uuids) +
                           "): select by UUID." + path);
  }
  if (entry == nullptr) {
    entry = of_type.front();
  }
  std::vector<std::string> under;
  std::vector<std::string> names;
  for (const VaultField& field : entry->fields) {
    if (field.path == path) {
      return field.value;
    }
    if (field.path.starts_with(path + ".")) {
      under.push_back(field.path);
    }
    names.push_back(field.path);
  }
  const std::string what = "selector '" + selector + "': entry " + entry->type + " " + entry->uuid;
  if (!under.empty()) {
    return InvalidArgument(what + ": '" + path + "' is an object, not a string (fields under it: " +
                           JoinNames(under) + ")");
  }
  return InvalidArgument(what + " has no string field '" + path + "' (fields: " + JoinNames(names) +
                         ")");
}

std::vector<VaultEntryNames> Vault::List() const {
  std::vector<VaultEntryNames> list;
  for (const VaultEntry& entry : entries_) {
    VaultEntryNames names{entry.type, entry.uuid, {}};
    for (const VaultField& field : entry.fields) {
      names.fields.push_back({field.path, IsSecretField(entry, field)});
    }
    list.push_back(std::move(names));
  }
  return list;
}

void Vault::AddSecrets(SecretSet* set) const {
  for (const VaultEntry& entry : entries_) {
    AddEntrySecrets(entry, set);
  }
}

std::string FormatEntryNames(const VaultEntryNames& entry) {
  std::string line = entry.type + " " + entry.uuid + ":";
  if (entry.fields.empty()) {
    return line + " no string fields";
  }
  for (size_t i = 0; i < entry.fields.size(); ++i) {
    line += (i == 0 ? " " : ", ") + entry.fields[i].path;
    if (entry.fields[i].secret) {
      line += " (secret)";
    }
  }
  return line;
}

std::ostream& operator<<(std::ostream& out, const VaultEntryNames& entry) {
  return out << FormatEntryNames(entry);
}

Result<Vault> LoadVault(const std::string& path, std::string_view identity) {
  Result<std::string> plaintext = DecryptVault(path, identity);
  if (!plaintext.ok()) {
    return plaintext.status();
  }
  return Vault::Parse(*plaintext, path);
}

}  // namespace scrubber::agent
