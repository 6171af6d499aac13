// Subprocess for the CLI tests: posix_spawn with three pipes, one poll() loop
// that feeds stdin and drains stdout and stderr (so no pipe can fill and stall
// the child), and a deadline after which the child is killed.
#include "tests/tool/subprocess.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <thread>

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace scrubber::testing {
namespace {

using Clock = std::chrono::steady_clock;

void CloseFd(int* fd) {
  if (*fd >= 0) {
    ::close(*fd);
    *fd = -1;
  }
}

std::string NameOf(const std::string& entry) {
  return entry.substr(0, entry.find('='));
}

// The child's environment: ours (unless told otherwise) minus the names that
// options unset or set, plus the entries that options set.
std::vector<std::string> ChildEnvironment(const SpawnOptions& options) {
  std::vector<std::string> dropped = options.unset_env;
  for (const std::string& entry : options.env) {
    dropped.push_back(NameOf(entry));
  }
  std::vector<std::string> result;
  if (options.inherit_env) {
    for (char** e = environ; *e != nullptr; ++e) {
      std::string entry(*e);
      if (std::find(dropped.begin(), dropped.end(), NameOf(entry)) == dropped.end()) {
        result.push_back(entry);
      }
    }
  }
  result.insert(result.end(), options.env.begin(), options.env.end());
  return result;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> result;
  for (std::string& s : strings) {
    result.push_back(s.data());
  }
  result.push_back(nullptr);
  return result;
}

int MillisUntil(Clock::time_point t, int cap_ms) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(t - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, cap_ms));
}

}  // namespace

Subprocess::Subprocess(const std::vector<std::string>& argv, const SpawnOptions& options)
    : kill_at_(Clock::now() + options.timeout) {
  int in[2] = {-1, -1};
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    spawn_error_ = std::string("pipe: ") + std::strerror(errno);
    for (int* fd : {&in[0], &in[1], &out[0], &out[1], &err[0], &err[1]}) {
      CloseFd(fd);
    }
    return;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  if (options.stdout_path.has_value()) {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, options.stdout_path->c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CloseFd(&out[0]);  // nothing to read: the child writes to the file
  } else {
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  }
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  // The test process ignores SIGPIPE; the child starts with default handling.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Default dispositions for the signals the tests send or a runner may
  // ignore (nohup, a shell's background job), which a child would inherit.
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGHUP, SIGINT, SIGQUIT, SIGTERM}) {
    sigaddset(&defaults, sig);
  }
  posix_spawnattr_setsigdefault(&attr, &defaults);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<std::string> args = argv;
  std::vector<std::string> env = ChildEnvironment(options);
  std::vector<char*> c_args = CStrings(args);
  std::vector<char*> c_env = CStrings(env);
  int rc = args.empty()
               ? EINVAL
               : ::posix_spawn(&pid_, c_args[0], &actions, &attr, c_args.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  CloseFd(&in[0]);
  CloseFd(&out[1]);
  CloseFd(&err[1]);
  stdin_fd_ = in[1];
  stdout_fd_ = out[0];
  stderr_fd_ = err[0];
  if (rc != 0) {
    spawn_error_ = (args.empty() ? std::string("no argv") : args[0]) + ": " + std::strerror(rc);
    pid_ = -1;
    reaped_ = true;
    CloseFd(&stdin_fd_);
    CloseFd(&stdout_fd_);
    CloseFd(&stderr_fd_);
    return;
  }
  // Writes to stdin go through poll(): a full pipe must not block the test.
  ::fcntl(stdin_fd_, F_SETFL, ::fcntl(stdin_fd_, F_GETFL) | O_NONBLOCK);
  if (options.stdin_bytes.has_value()) {
    pending_stdin_ = *options.stdin_bytes;
    close_stdin_when_written_ = true;
    if (pending_stdin_.empty()) {
      CloseStdin();
    }
  }
}

Subprocess::~Subprocess() {
  CloseFd(&stdin_fd_);
  CloseFd(&stdout_fd_);
  CloseFd(&stderr_fd_);
  Kill();
}

void Subprocess::Kill() {
  if (reaped_) {
    return;
  }
  ::kill(pid_, SIGKILL);
  while (::waitpid(pid_, &wait_status_, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
}

bool Subprocess::Pump(int timeout_ms) {
  pollfd fds[3];
  int* owners[3];
  nfds_t n = 0;
  if (stdin_fd_ >= 0 && !pending_stdin_.empty()) {
    fds[n] = {stdin_fd_, POLLOUT, 0};
    owners[n++] = &stdin_fd_;
  }
  for (int* fd : {&stdout_fd_, &stderr_fd_}) {
    if (*fd >= 0) {
      fds[n] = {*fd, POLLIN, 0};
      owners[n++] = fd;
    }
  }
  if (n == 0) {
    return false;
  }
  int ready = ::poll(fds, n, timeout_ms);
  if (ready <= 0) {
    return true;  // timeout or EINTR: the caller checks its deadline
  }
  for (nfds_t i = 0; i < n; ++i) {
    if (fds[i].revents == 0) {
      continue;
    }
    int* fd = owners[i];
    if (fd == &stdin_fd_) {
      ssize_t w = ::write(stdin_fd_, pending_stdin_.data(), pending_stdin_.size());
      if (w < 0 && errno != EAGAIN && errno != EINTR) {
        pending_stdin_.clear();  // EPIPE: the child stopped reading
        CloseFd(&stdin_fd_);
      } else if (w > 0) {
        pending_stdin_.erase(0, static_cast<size_t>(w));
        if (pending_stdin_.empty() && close_stdin_when_written_) {
          CloseFd(&stdin_fd_);
        }
      }
      continue;
    }
    char buffer[65536];
    ssize_t r = ::read(*fd, buffer, sizeof buffer);
    if (r > 0) {
      (fd == &stdout_fd_ ? out_ : err_).append(buffer, static_cast<size_t>(r));
    } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
      CloseFd(fd);
    }
  }
  return true;
}

bool Subprocess::Write(std::string_view bytes) {
  if (stdin_fd_ < 0) {
    return false;
  }
  pending_stdin_.append(bytes);
  while (!pending_stdin_.empty() && stdin_fd_ >= 0 && Clock::now() < kill_at_) {
    Pump(MillisUntil(kill_at_, 100));
  }
  return stdin_fd_ >= 0 && pending_stdin_.empty();
}

void Subprocess::CloseStdin() {
  pending_stdin_.clear();
  CloseFd(&stdin_fd_);
}

void Subprocess::CloseStdout() {
  CloseFd(&stdout_fd_);
}

bool Subprocess::ReadStdoutUntil(std::string_view want, std::chrono::milliseconds deadline) {
  Clock::time_point end = std::min(Clock::now() + deadline, kill_at_);
  while (out_.find(want) == std::string::npos) {
    if (stdout_fd_ < 0 || Clock::now() >= end) {
      return false;
    }
    Pump(MillisUntil(end, 100));
  }
  return true;
}

RunResult Subprocess::Wait() {
  RunResult result;
  result.spawn_error = spawn_error_;
  if (!spawn_error_.empty()) {
    return result;
  }
  close_stdin_when_written_ = true;
  if (pending_stdin_.empty()) {
    CloseStdin();
  }
  while (Clock::now() < kill_at_ && Pump(MillisUntil(kill_at_, 100))) {
  }
  // Outputs are closed (or time is up): reap, still within the deadline.
  while (!reaped_ && Clock::now() < kill_at_) {
    pid_t r = ::waitpid(pid_, &wait_status_, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
    } else if (r < 0 && errno != EINTR) {
      break;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  if (!reaped_) {
    timed_out_ = true;
    Kill();
  }
  CloseFd(&stdin_fd_);
  CloseFd(&stdout_fd_);
  CloseFd(&stderr_fd_);
  result.out = out_;
  result.err = err_;
  result.timed_out = timed_out_;
  if (WIFEXITED(wait_status_)) {
    result.exit_code = WEXITSTATUS(wait_status_);
  } else if (WIFSIGNALED(wait_status_)) {
    result.term_signal = WTERMSIG(wait_status_);
  }
  return result;
}

RunResult RunCommand(const std::vector<std::string>& argv, const SpawnOptions& options) {
  SpawnOptions with_stdin = options;
  if (!with_stdin.stdin_bytes.has_value()) {
    with_stdin.stdin_bytes = "";  // an empty stdin, closed at once
  }
  Subprocess child(argv, with_stdin);
  return child.Wait();
}

}  // namespace scrubber::testing
