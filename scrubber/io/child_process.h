// Runs a child process with its stdout and stderr scrubbed live: each pipe
// feeds its own StreamScrubber over one shared Scrubber, into the caller's
// sinks. Shared by `scrub exec` and the agent's job runner.
#ifndef SCRUBBER_IO_CHILD_PROCESS_H_
#define SCRUBBER_IO_CHILD_PROCESS_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "scrubber/io/fd_io.h"
#include "scrubber/scrubber.h"
#include "scrubber/stream_scrubber.h"

namespace scrubber::io {

struct ChildOptions {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH unless it holds a '/'
  // Without clean_env the child inherits our environment plus `env`; with
  // it, the child gets `env` alone.
  bool clean_env = false;
  std::vector<std::pair<std::string, std::string>> env;
  std::string cwd;         // empty: ours
  int hold_ms = 250;       // release a held partial match after this much quiet
  int grace_ms = 2000;     // after the child exits, wait this long for pipes its
                           // own children keep open, then stop reading
  int64_t timeout_ms = 0;  // 0: none; else SIGTERM after it, SIGKILL kill_after_ms later
  int kill_after_ms = 5000;
  bool forward_signals = true;  // SIGINT, SIGTERM, SIGHUP to the child's process group
  // When this descriptor turns readable (an eventfd the caller writes), the
  // child is stopped as on a timeout: SIGTERM to its group, SIGKILL
  // kill_after_ms later. -1: none.
  int stop_fd = -1;
  // When the child is done (and the grace period over), SIGKILL whatever
  // is left in its process group: what it started in the background.
  bool kill_group_at_end = false;
  // Values masked from the first byte, as if ::add-mask:: lines had come
  // before; and a callback for each value an ::add-mask:: line adds, so a
  // caller can carry them on (the agent, to later steps).
  std::vector<std::string> masks;
  std::function<void(std::string_view value)> on_mask;
  // Called once the child runs (exec done), with its process group id (its
  // pid), before any output is read.
  std::function<void(pid_t group)> on_start;
  // When >= 0, the child itself writes "group PGID\n" here between fork and
  // exec, so that a watcher learns the group before any of the command runs
  // (the agent's watchdog: were the agent killed before on_start, the step
  // would otherwise go unguarded). A watcher that is gone is ignored.
  int announce_group_fd = -1;
};

struct ChildResult {
  bool started = false;
  // The child's exit code, 128+N for a death by signal N, 127 when the
  // command was not found and 126 when it could not be executed.
  int exit_status = 0;
  int signal = 0;  // the signal that ended it, or 0
  bool timed_out = false;
  bool stopped = false;     // stop_fd asked for it
  std::string start_error;  // why it did not start: "CMD: No such file or directory"
  ScrubStats stdout_stats;
  ScrubStats stderr_stats;
};

// Starts the child in a process group of its own, with stdin inherited,
// and scrubs its output until both pipes close (or the grace period after
// its exit ends). ::add-mask:: values from either stream apply to both
// when the scrubber's options honour them. Errors: our own output failing
// (the child is still waited for), or the scrubber failing.
Result<ChildResult> RunScrubbedChild(const ChildOptions& options,
                                     const std::shared_ptr<const Scrubber>& scrubber,
                                     LiveSink* out,
                                     LiveSink* err);

}  // namespace scrubber::io

#endif  // SCRUBBER_IO_CHILD_PROCESS_H_
