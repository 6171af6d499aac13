// RunScrubbedChild: Boost.Process starts the child; one poll() loop then
// serves both pipes, our signals (through a signalfd, so that forwarding
// and reaping happen in the loop rather than in handlers) and the timers:
// hold-back release, the grace period after the child's exit and the step
// timeout.
#include "scrubber/io/child_process.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <optional>

#include <boost/process.hpp>
#include <boost/process/extend.hpp>

namespace scrubber::io {
namespace {

namespace bp = boost::process;
using Clock = std::chrono::steady_clock;

// Blocks the signals the loop serves and reads them from a signalfd; the
// old mask comes back on destruction (and in the child, before exec).
class SignalRoute {
 public:
  explicit SignalRoute(bool forward) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGCHLD);
    if (forward) {
      sigaddset(&set_, SIGINT);
      sigaddset(&set_, SIGTERM);
      sigaddset(&set_, SIGHUP);
    }
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
    fd_ = signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK);
  }
  ~SignalRoute() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SignalRoute(const SignalRoute&) = delete;
  SignalRoute& operator=(const SignalRoute&) = delete;

  int fd() const { return fd_; }
  const sigset_t* old_mask() const { return &old_; }

 private:
  sigset_t set_{};
  sigset_t old_{};
  int fd_ = -1;
};

// One of the child's output pipes and the stream that scrubs it.
struct OutputPipe {
  int fd = -1;
  StreamScrubber* stream = nullptr;
  LiveSink* sink = nullptr;
  Clock::time_point last_read;
  bool failed = false;  // our output failed: keep draining, write nothing
  Status error;

  bool open() const { return fd >= 0; }

  void Deliver(std::string_view bytes) {
    if (failed) {
      return;
    }
    Status s = stream->Write(bytes);
    if (s.ok()) {
      s = sink->Flush();
    }
    Fail(s);
  }
  void Fail(const Status& s) {
    if (!s.ok() && !failed) {
      failed = true;
      error = s;
    }
  }
  void Close() {
    if (!failed) {
      Status s = stream->Finish();
      if (s.ok()) {
        s = sink->Flush();
      }
      Fail(s);
    }
    ::close(fd);
    fd = -1;
  }
};

int ExitStatusOf(int wait_status, int* signal) {
  if (WIFSIGNALED(wait_status)) {
    *signal = WTERMSIG(wait_status);
    return 128 + *signal;
  }
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 1;
}

int MillisUntil(Clock::time_point when, Clock::time_point now) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(when - now).count();
  return static_cast<int>(std::clamp<int64_t>(ms + 1, 0, 1 << 30));
}

// The loop's state; one instance per child.
class ChildLoop {
 public:
  ChildLoop(const ChildOptions& options, pid_t pid, int signal_fd, ChildResult* result)
      : options_(options), pid_(pid), signal_fd_(signal_fd), result_(result) {}

  void Run(std::array<OutputPipe, 2>* pipes) {
    pipes_ = pipes;
    start_ = Clock::now();
    for (OutputPipe& p : *pipes_) {
      p.last_read = start_;
    }
    while (!reaped_ || std::any_of(pipes_->begin(), pipes_->end(),
                                   [](const OutputPipe& p) { return p.open(); })) {
      PollOnce();
      Clock::time_point now = Clock::now();
      ReleaseQuietStreams(now);
      EnforceTimeout(now);
      if (reaped_ && now >= grace_end_) {
        for (OutputPipe& p : *pipes_) {
          if (p.open()) {
            p.Close();  // a grandchild still holds it: stop waiting
          }
        }
      }
    }
  }

 private:
  void PollOnce() {
    std::array<pollfd, 4> fds{};
    fds[0] = {signal_fd_, POLLIN, 0};
    nfds_t n = 1;
    const bool watch_stop = options_.stop_fd >= 0 && !stop_requested_ && !reaped_;
    if (watch_stop) {
      fds[n++] = {options_.stop_fd, POLLIN, 0};
    }
    for (const OutputPipe& p : *pipes_) {
      if (p.open()) {
        fds[n++] = {p.fd, POLLIN, 0};
      }
    }
    ::poll(fds.data(), n, NextTimeout(Clock::now()));
    if (fds[0].revents != 0) {
      ReadSignals();
    }
    nfds_t first_pipe = 1;
    if (watch_stop) {
      first_pipe = 2;
      if (fds[1].revents != 0) {
        Stop();
      }
    }
    for (nfds_t i = first_pipe; i < n; ++i) {
      if (fds[i].revents != 0) {
        for (OutputPipe& p : *pipes_) {
          if (p.fd == fds[i].fd) {
            ReadPipe(&p);
          }
        }
      }
    }
  }

  int NextTimeout(Clock::time_point now) const {
    int timeout = -1;
    auto sooner = [&](Clock::time_point when) {
      int ms = MillisUntil(when, now);
      timeout = timeout < 0 ? ms : std::min(timeout, ms);
    };
    for (const OutputPipe& p : *pipes_) {
      if (p.open() && options_.hold_ms > 0 && p.stream->held() > 0) {
        sooner(p.last_read + std::chrono::milliseconds(options_.hold_ms));
      }
    }
    if (reaped_) {
      sooner(grace_end_);
    } else if (kill_at_) {
      sooner(*kill_at_);
    } else if (options_.timeout_ms > 0) {
      sooner(start_ + std::chrono::milliseconds(options_.timeout_ms));
    }
    return timeout;
  }

  void ReadSignals() {
    signalfd_siginfo info{};
    while (::read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
      int sig = static_cast<int>(info.ssi_signo);
      if (sig == SIGCHLD) {
        Reap();
      } else if (!reaped_) {
        // A second SIGINT means "now": the group is killed.
        bool second_interrupt = sig == SIGINT && ++interrupts_ >= 2;
        ::kill(-pid_, second_interrupt ? SIGKILL : sig);
      }
    }
  }

  void Reap() {
    int status = 0;
    if (!reaped_ && ::waitpid(pid_, &status, WNOHANG) == pid_) {
      reaped_ = true;
      result_->exit_status = ExitStatusOf(status, &result_->signal);
      grace_end_ = Clock::now() + std::chrono::milliseconds(options_.grace_ms);
    }
  }

  void ReadPipe(OutputPipe* p) {
    ssize_t n = ::read(p->fd, buffer_.data(), buffer_.size());
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
      return;
    }
    if (n <= 0) {
      p->Close();
      return;
    }
    p->last_read = Clock::now();
    p->Deliver({buffer_.data(), static_cast<size_t>(n)});
    if (p->failed && p->sink->broken_pipe()) {
      // Our reader went away: close the command's end too, so that its next
      // write fails (SIGPIPE) as it would in a plain pipeline.
      p->Close();
    }
  }

  void ReleaseQuietStreams(Clock::time_point now) {
    for (OutputPipe& p : *pipes_) {
      if (p.open() && !p.failed && options_.hold_ms > 0 && p.stream->held() > 0 &&
          now - p.last_read >= std::chrono::milliseconds(options_.hold_ms)) {
        Status s = p.stream->Release();
        if (s.ok()) {
          s = p.sink->Flush();
        }
        p.Fail(s);
      }
    }
  }

  // The caller asked through stop_fd: SIGTERM now, SIGKILL later.
  void Stop() {
    stop_requested_ = true;
    if (!reaped_ && !kill_at_) {
      result_->stopped = true;
      ::kill(-pid_, SIGTERM);
      kill_at_ = Clock::now() + std::chrono::milliseconds(options_.kill_after_ms);
    }
  }

  void EnforceTimeout(Clock::time_point now) {
    if (reaped_ || (options_.timeout_ms <= 0 && !kill_at_)) {
      return;
    }
    if (!kill_at_ && now - start_ >= std::chrono::milliseconds(options_.timeout_ms)) {
      result_->timed_out = true;
      ::kill(-pid_, SIGTERM);
      kill_at_ = now + std::chrono::milliseconds(options_.kill_after_ms);
    } else if (kill_at_ && now >= *kill_at_) {
      ::kill(-pid_, SIGKILL);
      kill_at_ = now + std::chrono::hours(1);
    }
  }

  const ChildOptions& options_;
  pid_t pid_;
  int signal_fd_;
  ChildResult* result_;
  std::array<OutputPipe, 2>* pipes_ = nullptr;
  std::array<char, 64 * 1024> buffer_{};
  Clock::time_point start_;
  bool reaped_ = false;
  Clock::time_point grace_end_;
  std::optional<Clock::time_point> kill_at_;
  bool stop_requested_ = false;
  int interrupts_ = 0;
};

// True when stdin is a terminal whose foreground process group is ours.
bool TerminalIsOurs() {
  return ::isatty(STDIN_FILENO) != 0 && ::tcgetpgrp(STDIN_FILENO) == ::getpgrp();
}

// Takes the terminal's foreground back after the child is done with it.
void ReclaimTerminal() {
  sigset_t ttou;
  sigset_t old;
  sigemptyset(&ttou);
  sigaddset(&ttou, SIGTTOU);
  pthread_sigmask(SIG_BLOCK, &ttou, &old);
  ::tcsetpgrp(STDIN_FILENO, ::getpgrp());
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

// In the child between fork and exec: writes "group PID\n" to `fd` with
// async-signal-safe calls only (the parent may have other threads). On a
// socket whose reader is gone, MSG_NOSIGNAL spares the child a SIGPIPE; a
// pipe gets write(), the parent's SIGPIPE disposition applying.
void AnnounceGroup(int fd) {
  char line[32] = "group ";
  char digits[16];
  size_t n = 0;
  for (auto pid = static_cast<unsigned long>(::getpid()); n == 0 || pid > 0; pid /= 10) {
    digits[n++] = static_cast<char>('0' + pid % 10);
  }
  size_t len = 6;
  while (n > 0) {
    line[len++] = digits[--n];
  }
  line[len++] = '\n';
  if (::send(fd, line, len, MSG_NOSIGNAL) < 0 && errno == ENOTSOCK) {
    (void)!::write(fd, line, len);
  }
}

// Starts the child; fills result->start_error and its status on failure.
std::optional<bp::child> Start(const ChildOptions& options,
                               bool take_terminal,
                               const SignalRoute& signals,
                               bp::pipe* out,
                               bp::pipe* err,
                               ChildResult* result) {
  const std::string& name = options.argv.front();
  boost::filesystem::path exe =
      name.find('/') != std::string::npos ? boost::filesystem::path(name) : bp::search_path(name);
  if (exe.empty()) {
    result->exit_status = 127;
    result->start_error = name + ": command not found";
    return std::nullopt;
  }
  bp::environment env = options.clean_env ? bp::environment() : boost::this_process::environment();
  for (const auto& [key, value] : options.env) {
    env[key] = value;
  }
  std::vector<std::string> args(options.argv.begin() + 1, options.argv.end());
  boost::filesystem::path dir = options.cwd.empty() ? boost::filesystem::current_path()
                                                    : boost::filesystem::path(options.cwd);
  const sigset_t* old_mask = signals.old_mask();
  std::error_code ec;
  bp::child child(
      exe, bp::args = args, bp::std_out > *out, bp::std_err > *err, bp::env = env,
      bp::start_dir = dir, ec,
      bp::extend::on_exec_setup = [old_mask, take_terminal,
                                   announce = options.announce_group_fd](auto&) {
        // Own process group, so that signals reach the whole job;
        // our blocked signals are not the child's.
        ::setpgid(0, 0);
        if (announce >= 0) {
          AnnounceGroup(announce);
        }
        if (take_terminal) {
          // Our terminal's foreground group becomes the child's, so that it
          // can read the terminal and gets the keyboard's signals itself.
          sigset_t ttou;
          sigemptyset(&ttou);
          sigaddset(&ttou, SIGTTOU);
          pthread_sigmask(SIG_BLOCK, &ttou, nullptr);
          ::tcsetpgrp(STDIN_FILENO, ::getpid());
        }
        // `scrub` ignores SIGPIPE; ignored signals survive exec.
        ::signal(SIGPIPE, SIG_DFL);
        pthread_sigmask(SIG_SETMASK, old_mask, nullptr);
      });
  if (ec) {
    int code = ec.value();
    result->exit_status = code == ENOENT ? 127 : 126;
    result->start_error = name + ": " + std::strerror(code);
    return std::nullopt;
  }
  result->started = true;
  return child;
}

}  // namespace

Result<ChildResult> RunScrubbedChild(const ChildOptions& options,
                                     const std::shared_ptr<const Scrubber>& scrubber,
                                     LiveSink* out,
                                     LiveSink* err) {
  if (options.argv.empty()) {
    return InvalidArgument("no command to run");
  }
  ChildResult result;
  SignalRoute signals(options.forward_signals);
  if (signals.fd() < 0) {
    return Internal(std::string("signalfd: ") + std::strerror(errno));
  }
  bp::pipe out_pipe;
  bp::pipe err_pipe;
  std::optional<bp::child> child;
  bool take_terminal = TerminalIsOurs();
  try {
    child = Start(options, take_terminal, signals, &out_pipe, &err_pipe, &result);
  } catch (const std::exception& e) {
    // Boost.Process and Boost.Filesystem throw only here, at the boundary.
    result.exit_status = 126;
    result.start_error = options.argv.front() + ": " + e.what();
  }
  if (!child) {
    return result;
  }
  pid_t pid = child->id();
  child->detach();  // we reap it ourselves, on SIGCHLD
  if (options.on_start) {
    options.on_start(pid);
  }

  StreamScrubber out_stream(scrubber, out);
  StreamScrubber err_stream(scrubber, err);
  for (const std::string& v : options.masks) {
    (void)out_stream.AddMask(v);
    (void)err_stream.AddMask(v);
  }
  // An ::add-mask:: line on either stream masks the value on both.
  out_stream.set_mask_listener([&](std::string_view v) {
    (void)err_stream.AddMask(v);
    if (options.on_mask) {
      options.on_mask(v);
    }
  });
  err_stream.set_mask_listener([&](std::string_view v) {
    (void)out_stream.AddMask(v);
    if (options.on_mask) {
      options.on_mask(v);
    }
  });
  std::array<OutputPipe, 2> pipes;
  pipes[0].fd = ::dup(out_pipe.native_source());
  pipes[0].stream = &out_stream;
  pipes[0].sink = out;
  pipes[1].fd = ::dup(err_pipe.native_source());
  pipes[1].stream = &err_stream;
  pipes[1].sink = err;
  out_pipe.close();
  err_pipe.close();

  ChildLoop loop(options, pid, signals.fd(), &result);
  loop.Run(&pipes);
  if (options.kill_group_at_end) {
    ::kill(-pid, SIGKILL);  // ESRCH when nothing is left: fine
  }
  if (take_terminal) {
    ReclaimTerminal();
  }
  result.stdout_stats = out_stream.stats();
  result.stderr_stats = err_stream.stats();
  for (const OutputPipe& p : pipes) {
    if (p.failed && !p.sink->broken_pipe()) {
      return p.error;
    }
  }
  return result;
}

}  // namespace scrubber::io
