// Runs a program under test (posix_spawn and pipes) and captures what it
// writes on stdout and stderr and how it ended. A timeout kills a hung child so
// that its test fails instead of hanging. Subprocess also offers an interactive
// mode: the test owns the child's stdin and reads its stdout as it goes.
#ifndef SCRUBBER_TESTS_TOOL_SUBPROCESS_H_
#define SCRUBBER_TESTS_TOOL_SUBPROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scrubber::testing {

struct SpawnOptions {
  // Entries "NAME=VALUE" added to (or replacing in) the environment.
  std::vector<std::string> env;
  // Names removed from the environment.
  std::vector<std::string> unset_env;
  // When false the child starts with `env` alone.
  bool inherit_env = true;
  // Bytes written to the child's stdin, which is then closed. Without a
  // value stdin is empty (Run) or a pipe the test controls (Subprocess).
  std::optional<std::string> stdin_bytes;
  // When set, the child's stdout is this file (opened for writing, e.g.
  // /dev/full) instead of a pipe; RunResult::out stays empty.
  std::optional<std::string> stdout_path;
  // The child is killed with SIGKILL when it has not ended by then.
  std::chrono::seconds timeout{60};
};

struct RunResult {
  std::string out;
  std::string err;
  int exit_code = -1;       // -1 when the child did not exit normally
  int term_signal = 0;      // the signal that ended the child, or 0
  bool timed_out = false;   // the child was killed for running past its timeout
  std::string spawn_error;  // non-empty when the child could not be started
};

// Runs argv[0] (a path, not searched in PATH) to completion.
RunResult RunCommand(const std::vector<std::string>& argv, const SpawnOptions& options = {});

// A running child whose stdin (unless options.stdin_bytes is given), stdout
// and stderr are pipes held by the test. Not thread-safe. The destructor
// kills and reaps a child that is still running.
class Subprocess {
 public:
  Subprocess(const std::vector<std::string>& argv, const SpawnOptions& options = {});
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // Empty when the child was started.
  const std::string& spawn_error() const { return spawn_error_; }

  // Writes all of `bytes` to the child's stdin. False when the pipe is closed
  // or the write failed (e.g. EPIPE after the child ended; the test process
  // must ignore SIGPIPE).
  bool Write(std::string_view bytes);
  void CloseStdin();
  // Closes the read end of the child's stdout, like `| head -1` does after
  // its line. Later output of the child meets a broken pipe.
  void CloseStdout();

  // Reads stdout (and stderr, so the child never blocks on it) until the
  // stdout seen so far contains `want`, stdout ends, or `deadline` passes.
  // Returns true when `want` was seen.
  bool ReadStdoutUntil(std::string_view want, std::chrono::milliseconds deadline);
  // The child's process id (-1 when it did not start).
  pid_t pid() const { return pid_; }
  // Stdout and stderr read so far.
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

  // Closes stdin, reads both outputs to their ends and reaps the child,
  // killing it when options.timeout (counted from the start) has passed.
  RunResult Wait();

 private:
  // One poll() round over the open pipes: feeds pending stdin bytes and
  // appends what is readable. Returns false when nothing is left open.
  bool Pump(int timeout_ms);
  void Kill();

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  std::string pending_stdin_;  // options.stdin_bytes not yet written
  bool close_stdin_when_written_ = false;
  std::string out_;
  std::string err_;
  std::string spawn_error_;
  std::chrono::steady_clock::time_point kill_at_;
  bool timed_out_ = false;
  bool reaped_ = false;
  int wait_status_ = 0;
};

}  // namespace scrubber::testing

#endif  // SCRUBBER_TESTS_TOOL_SUBPROCESS_H_
