// The token guard. The supervisor forks twice and execs its own binary as
// `__watchdog`; between fork and exec the children only make async-signal-safe
// calls, so the supervisor may already have threads. The two ends talk over a
// Unix socket pair (send() with MSG_NOSIGNAL, so a dead watchdog is an error,
// not a SIGPIPE): first "<length>\n<json parameters>", later "revoked\n". The
// watchdog treats end-of-stream without that word, or a SIGTERM, as "the
// supervisor is gone" and revokes the token itself.
#include "agent/watchdog.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include <nlohmann/json.hpp>

extern char** environ;

namespace scrubber::agent {

namespace {

constexpr std::string_view kRevokedWord = "revoked\n";
constexpr std::string_view kGroupWord = "group ";
constexpr size_t kMaxMessageBytes = size_t{1} << 20;
constexpr int kFirstPrivateFd = 10;  // our descriptors are moved at or above this

// What the watchdog keeps of the environment: how to reach the control plane.
constexpr std::string_view kKeptEnv[] = {
    "https_proxy", "HTTPS_PROXY", "http_proxy",    "all_proxy",    "ALL_PROXY",
    "no_proxy",    "NO_PROXY",    "SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE",
};

volatile sig_atomic_t g_terminated = 0;

void OnTerminate(int) {
  g_terminated = 1;
}

std::string ErrnoText(int err) {
  return std::strerror(err);
}

// Returns `fd` moved to a close-on-exec descriptor >= kFirstPrivateFd.
int MoveHigh(int fd) {
  int high = fcntl(fd, F_DUPFD_CLOEXEC, kFirstPrivateFd);
  int err = errno;
  close(fd);
  errno = err;
  return high;
}

std::vector<std::string> KeptEnvironment() {
  std::vector<std::string> kept;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    std::string_view name = entry.substr(0, entry.find('='));
    for (std::string_view k : kKeptEnv) {
      if (name == k) {
        kept.emplace_back(entry);
      }
    }
  }
  return kept;
}

bool SendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
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

// Reads exactly `size` bytes unless end-of-file comes first; returns the count.
size_t ReadFull(int fd, void* out, size_t size) {
  size_t got = 0;
  while (got < size) {
    ssize_t n = read(fd, static_cast<char*>(out) + got, size - got);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    got += static_cast<size_t>(n);
  }
  return got;
}

// In the grandchild, between fork and exec: async-signal-safe calls only.
[[noreturn]] void ExecWatchdog(
    int child_fd, int report_fd, const char* exe, char* const argv[], char* const envp[]) {
  pid_t self = getpid();
  if (write(report_fd, &self, sizeof self) != static_cast<ssize_t>(sizeof self)) {
    _exit(127);
  }
  // Set before exec, so there is no moment in which these signals kill the
  // watchdog: ignored stays ignored across exec, and a SIGTERM stays pending
  // until RunWatchdogMain waits with it unblocked.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  sigaction(SIGINT, &ignore, nullptr);
  sigaction(SIGHUP, &ignore, nullptr);
  sigaction(SIGPIPE, &ignore, nullptr);
  sigset_t term_only;
  sigemptyset(&term_only);
  sigaddset(&term_only, SIGTERM);
  sigprocmask(SIG_SETMASK, &term_only, nullptr);
  int null_fd = open("/dev/null", O_RDWR);
  if (null_fd >= 0) {
    dup2(null_fd, STDIN_FILENO);
    dup2(null_fd, STDOUT_FILENO);
  }
  // child_fd and report_fd are >= kFirstPrivateFd, so this clobbers neither.
  if (dup2(child_fd, kWatchdogFd) < 0) {
    int err = errno;
    [[maybe_unused]] ssize_t ignored = write(report_fd, &err, sizeof err);
    _exit(127);
  }
  unsigned first = kWatchdogFd + 1;
  unsigned report = static_cast<unsigned>(report_fd);
  if (close_range(first, report - 1, 0) != 0 || close_range(report + 1, ~0U, 0) != 0) {
    for (unsigned fd = first; fd < 65536; ++fd) {
      if (fd != report) {
        close(static_cast<int>(fd));
      }
    }
  }
  execve(exe, argv, envp);
  int err = errno;
  [[maybe_unused]] ssize_t ignored = write(report_fd, &err, sizeof err);
  _exit(127);
}

std::string ParametersMessage(const ClientOptions& target) {
  auto expires_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(target.expires_at.time_since_epoch())
          .count();
  nlohmann::json j = {{"api", target.api},
                      {"job", target.job},
                      {"token", target.token},
                      {"expires_at_ms", expires_ms}};
  std::string body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string message = std::to_string(body.size()) + "\n" + body;
  OPENSSL_cleanse(body.data(), body.size());
  return message;
}

// Parses "<length>\n<json>" from the front of `buffer` into `out` and erases
// it. False when incomplete or malformed (`*malformed` tells which).
bool TakeParameters(std::string* buffer, ClientOptions* out, bool* malformed) {
  size_t newline = buffer->find('\n');
  if (newline == std::string::npos) {
    *malformed = buffer->size() > 20;
    return false;
  }
  size_t length = 0;
  for (size_t i = 0; i < newline; ++i) {
    char c = (*buffer)[i];
    if (c < '0' || c > '9' || length > kMaxMessageBytes) {
      *malformed = true;
      return false;
    }
    length = length * 10 + static_cast<size_t>(c - '0');
  }
  if (buffer->size() < newline + 1 + length) {
    return false;
  }
  simdjson::dom::parser parser;
  simdjson::dom::object doc;
  std::string_view api;
  std::string_view job;
  std::string_view token;
  int64_t expires_ms = 0;
  simdjson::padded_string json(buffer->data() + newline + 1, length);
  bool ok = parser.parse(json).get(doc) == simdjson::SUCCESS &&
            doc["api"].get(api) == simdjson::SUCCESS && doc["job"].get(job) == simdjson::SUCCESS &&
            doc["token"].get(token) == simdjson::SUCCESS &&
            doc["expires_at_ms"].get(expires_ms) == simdjson::SUCCESS;
  if (ok) {
    out->api = api;
    out->job = job;
    out->token = token;
    // Milliseconds from our own ParseRfc3339 fit the clock; clamp anyway,
    // so no value can overflow it.
    using Clock = std::chrono::system_clock;
    const auto limit =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::duration::max()).count();
    out->expires_at = Clock::time_point(std::chrono::duration_cast<Clock::duration>(
        std::chrono::milliseconds(std::clamp<int64_t>(expires_ms, -limit, limit))));
  }
  OPENSSL_cleanse(json.data(), json.size());
  OPENSSL_cleanse(buffer->data(), newline + 1 + length);
  buffer->erase(0, newline + 1 + length);
  *malformed = !ok;
  return ok;
}

// The decimal process group id of a "group N" line; 0 (none) when it is
// not one, or not above 1 (kill(-1) would reach every process we may signal).
pid_t ParseGroup(std::string_view digits) {
  int64_t value = 0;
  if (digits.empty() || digits.size() > 10) {
    return 0;
  }
  for (char c : digits) {
    if (c < '0' || c > '9') {
      return 0;
    }
    value = value * 10 + (c - '0');
  }
  return value > 1 && value <= INT32_MAX ? static_cast<pid_t>(value) : 0;
}

void Say(const std::string& line) {
  std::fprintf(stderr, "scrub-agent watchdog: %s\n", line.c_str());
}

int RevokeFor(ClientOptions target, const char* reason) {
  if (std::chrono::system_clock::now() >= target.expires_at) {
    Say(std::string(reason) + "; the job token has expired, nothing to revoke");
    return 0;
  }
  target.max_attempts = 1000;  // bounded by retry_budget
  target.initial_backoff = std::chrono::milliseconds(250);
  target.max_backoff = std::chrono::milliseconds(4000);
  target.request_timeout = std::chrono::milliseconds(10000);
  target.retry_budget = std::chrono::milliseconds(30000);
  Result<std::unique_ptr<ControlPlane>> client = ControlPlane::Create(std::move(target));
  if (!client.ok()) {
    Say(std::string(reason) + "; cannot revoke the job token: " + client.status().message());
    return 1;
  }
  Status revoked = (*client)->Revoke();
  if (!revoked.ok()) {
    Say(std::string(reason) + "; revoking the job token failed: " + revoked.message());
    return 1;
  }
  Say(std::string(reason) + "; revoked the job token");
  return 0;
}

void HardenProcess() {
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  if (chdir("/") != 0) {
    // Staying in the job's directory only keeps it busy; not worth failing.
  }
  signal(SIGINT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  struct sigaction on_term {};
  on_term.sa_handler = OnTerminate;
  sigemptyset(&on_term.sa_mask);
  sigaction(SIGTERM, &on_term, nullptr);
}

}  // namespace

Result<Watchdog> Watchdog::Start(const ClientOptions& revoke_target, const std::string& exe) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return IoError("watchdog: socketpair failed: " + ErrnoText(errno));
  }
  int ours = MoveHigh(sv[0]);
  int theirs = MoveHigh(sv[1]);
  int report[2] = {-1, -1};
  if (ours < 0 || theirs < 0 || pipe2(report, O_CLOEXEC) != 0) {
    int err = errno;
    close(ours);
    close(theirs);
    return IoError("watchdog: cannot set up descriptors: " + ErrnoText(err));
  }
  int report_read = report[0];
  int report_write = MoveHigh(report[1]);
  // Everything exec needs is built before fork: no allocation after it.
  std::vector<std::string> env = KeptEnvironment();
  std::vector<char*> envp;
  for (std::string& e : env) {
    envp.push_back(e.data());
  }
  envp.push_back(nullptr);
  std::string command = kWatchdogCommand;
  std::string program = exe;
  char* argv[] = {program.data(), command.data(), nullptr};

  pid_t middle = report_write < 0 ? -1 : fork();
  if (middle == 0) {
    setsid();
    pid_t grandchild = _Fork();  // async-signal-safe, unlike fork()
    if (grandchild != 0) {
      _exit(grandchild < 0 ? 1 : 0);
    }
    ExecWatchdog(theirs, report_write, exe.c_str(), argv, envp.data());
  }
  int fork_errno = errno;
  close(theirs);
  close(report_write);
  if (middle < 0) {
    close(ours);
    close(report_read);
    return IoError("watchdog: fork failed: " + ErrnoText(fork_errno));
  }
  int status = 0;
  while (waitpid(middle, &status, 0) < 0 && errno == EINTR) {
  }
  pid_t pid = -1;
  int exec_errno = 0;
  bool started = ReadFull(report_read, &pid, sizeof pid) == sizeof pid;
  bool exec_failed = started && ReadFull(report_read, &exec_errno, sizeof exec_errno) != 0;
  close(report_read);
  if (!started) {
    close(ours);
    return IoError("watchdog: fork failed");
  }
  if (exec_failed) {
    close(ours);
    return IoError("watchdog: cannot run " + exe + ": " + ErrnoText(exec_errno));
  }
  Watchdog watchdog(ours, pid);
  std::string message = ParametersMessage(revoke_target);
  bool sent = SendAll(ours, message);
  OPENSSL_cleanse(message.data(), message.size());
  if (!sent) {
    return IoError("watchdog: the watchdog process ended at start");
  }
  return watchdog;
}

Watchdog::Watchdog(Watchdog&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), pid_(other.pid_) {}

Watchdog& Watchdog::operator=(Watchdog&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      close(fd_);
    }
    fd_ = std::exchange(other.fd_, -1);
    pid_ = other.pid_;
  }
  return *this;
}

Watchdog::~Watchdog() {
  if (fd_ >= 0) {
    close(fd_);
  }
}

Status Watchdog::GuardGroup(pid_t group) {
  if (fd_ < 0) {
    return Status::Ok();
  }
  if (!SendAll(fd_, "group " + std::to_string(group) + "\n")) {
    return IoError("watchdog: the watchdog process is gone");
  }
  return Status::Ok();
}

Status Watchdog::TokenRevoked() {
  if (fd_ < 0) {
    return Status::Ok();
  }
  bool sent = SendAll(fd_, kRevokedWord);
  close(fd_);
  fd_ = -1;
  if (!sent) {
    return IoError("watchdog: the watchdog process is gone (it may have revoked the token)");
  }
  return Status::Ok();
}

int RunWatchdogMain(int fd) {
  HardenProcess();
  // SIGTERM is only delivered inside ppoll, so it cannot slip in between a
  // check of the flag and a blocking read.
  sigset_t term;
  sigset_t waiting;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigprocmask(SIG_BLOCK, &term, &waiting);
  sigdelset(&waiting, SIGTERM);

  std::string buffer;
  ClientOptions target;
  pid_t group = 0;  // the running step's process group, 0: none
  bool have_target = false;
  bool malformed = false;
  const char* reason = "the supervisor ended without revoking the job token";
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (ppoll(&p, 1, nullptr, &waiting) < 0) {
      if (errno == EINTR && g_terminated) {
        reason = "terminated by SIGTERM";
        break;
      }
      continue;
    }
    char chunk[4096];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
      continue;
    }
    if (n <= 0) {
      break;  // end of stream: the supervisor closed its end or died
    }
    if (buffer.size() < kMaxMessageBytes) {
      buffer.append(chunk, static_cast<size_t>(n));
    }
    if (!have_target && !malformed) {
      have_target = TakeParameters(&buffer, &target, &malformed);
    }
    while (have_target) {
      size_t newline = buffer.find('\n');
      if (newline == std::string::npos) {
        break;
      }
      std::string_view line(buffer.data(), newline + 1);
      if (line == kRevokedWord) {
        return 0;
      }
      if (line.starts_with(kGroupWord)) {
        group = ParseGroup(line.substr(kGroupWord.size(), line.size() - kGroupWord.size() - 1));
      }
      buffer.erase(0, newline + 1);
    }
  }
  OPENSSL_cleanse(buffer.data(), buffer.size());
  if (group > 0) {
    // The whole group: the step and what it started in the background.
    // LIMITATION(agent-step-orphans): not what left the group.
    if (kill(-group, SIGKILL) == 0) {
      Say("the supervisor ended mid-step; killed the step's processes");
    }
  }
  if (!have_target) {
    Say(std::string(reason) + " before sending the watchdog its parameters; nothing revoked");
    return 1;
  }
  if (target.token.empty()) {
    return 0;  // a local job: no token to revoke
  }
  return RevokeFor(std::move(target), reason);
}

}  // namespace scrubber::agent
