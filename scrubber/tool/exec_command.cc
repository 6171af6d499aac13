// `scrub exec`: options to a ChildOptions, the shared child runner, then the
// report and the command's exit status.
#include "exec_command.h"

#include <unistd.h>

#include <chrono>

#include "scrubber/io/child_process.h"

#include "report.h"

namespace scrubber::tool {

int RunExec(const RawOptions& raw, const Diagnostics& diag) {
  auto start = std::chrono::steady_clock::now();
  RawOptions effective = raw;
  effective.add_mask_commands = !raw.no_add_mask_commands;
  auto scrubber = BuildScrubber(effective, diag);
  if (!scrubber.ok()) {
    diag.Error(scrubber.status().message());
    return kExitUsage;
  }
  io::FdSink out(STDOUT_FILENO, "stdout");
  io::FdSink err(STDERR_FILENO, "stderr");
  io::ChildOptions child;
  child.argv = raw.command;
  child.hold_ms = raw.hold_ms;
  child.grace_ms = raw.grace_ms;
  auto result = io::RunScrubbedChild(child, *scrubber, &out, &err);
  (void)out.Flush();
  (void)err.Flush();
  if (!result.ok()) {
    diag.Error(result.status().message());
    return kExitRuntime;
  }
  if (!result->started) {
    diag.Error(result->start_error);
    return result->exit_status;
  }
  ScrubStats total = result->stdout_stats;
  total.Merge(result->stderr_stats);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  int code = result->exit_status;
  if (!raw.report.empty() &&
      !WriteReport(raw.report, ReportJson(**scrubber, total, seconds), diag) && code == 0) {
    code = kExitRuntime;
  }
  if (code == 0 && raw.fail_on_redact && total.redactions > 0) {
    code = kExitRedacted;
  }
  return FinishRun(code, {scrubber->get()});
}

}  // namespace scrubber::tool
