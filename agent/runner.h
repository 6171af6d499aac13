// The job runner: runs a job's steps one after another, each in a clean
// environment with its stdout and stderr scrubbed live (the `scrub exec`
// machinery), shown between banner lines and kept per step; scrubs the
// artifacts; writes DIR/manifest.json; and reports to the control plane
// when there is one (events, heartbeats, cancel, uploads). DESIGN §6.
#ifndef SCRUBBER_AGENT_RUNNER_H_
#define SCRUBBER_AGENT_RUNNER_H_

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/job.h"
#include "agent/vault.h"
#include "scrubber/io/fd_io.h"
#include "scrubber/scrubber.h"
#include "scrubber/status.h"

namespace scrubber::agent {

class ControlPlane;

struct RunnerOptions {
  std::string out_dir = "job_output";
  ControlPlane* control_plane = nullptr;  // null: a local job, no events
  // Scrubs archive members: preserves length, honours no ::add-mask::.
  std::shared_ptr<const Scrubber> archive_scrubber;
  int heartbeat_s = 30;
  int kill_after_ms = 5000;  // SIGTERM, then SIGKILL this much later
  int hold_ms = 250;
  // Variables a step inherits from the agent when set (DESIGN §6).
  std::vector<std::string> inherited_env = {"PATH", "HOME", "LANG"};
  // Called with a step's process group id when it starts, and with 0 when
  // it is over (the agent tells its watchdog, which kills the group if the
  // agent dies mid-step).
  std::function<void(pid_t group)> on_step_group;
  // Where a step's process itself writes "group PGID\n" before it runs (the
  // watchdog's socket), so that no instant of the step goes unguarded; -1:
  // none.
  int step_group_fd = -1;
};

struct StepOutcome {
  std::string name;
  int exit_status = 0;
  bool timed_out = false;
  bool cancelled = false;
  double seconds = 0;
  std::map<std::string, uint64_t> redactions;  // by rule id or secret name
  std::string start_error;                     // why it did not start, if so
};

struct FileOutcome {
  std::string path;  // relative to out_dir
  uint64_t size = 0;
  std::string sha256;
  std::map<std::string, uint64_t> redactions;
};

struct JobOutcome {
  std::string state;  // "succeeded", "failed" or "cancelled"
  std::vector<StepOutcome> steps;
  std::vector<FileOutcome> files;
};

// Runs `job`. `vault` may be null when no step names a vault value. Writes
// the agent's own output (banners and step output, all scrubbed) to `out`.
// Errors: DIR cannot be written, or the output failed; a step that fails
// is not an error but a "failed" job.
Result<JobOutcome> RunJob(const Job& job,
                          const Vault* vault,
                          const std::shared_ptr<const Scrubber>& scrubber,
                          const RunnerOptions& options,
                          io::FdSink* out);

}  // namespace scrubber::agent

#endif  // SCRUBBER_AGENT_RUNNER_H_
