// The filter: inputs in order, each through its own StreamScrubber over one
// compiled Scrubber, into one buffered stdout.
#include "filter_command.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "scrubber/io/fd_io.h"

#include "report.h"

namespace scrubber::tool {
namespace {

// Pumps one input into the stream. Returns false when scrub must stop
// (our output is gone or failing); `input_failed` is set when an input
// could not be read.
bool PumpInput(const std::string& name,
               StreamScrubber* stream,
               const io::PumpOptions& pump,
               io::FdSink* out,
               bool* input_failed,
               const Diagnostics& diag) {
  bool is_stdin = name == "-";
  int fd = is_stdin ? STDIN_FILENO : ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    diag.Error(name + ": " + std::strerror(errno));
    *input_failed = true;
    return true;
  }
  Status s = io::PumpFd(fd, is_stdin ? "stdin" : name, stream, out, pump);
  if (!is_stdin) {
    ::close(fd);
  }
  if (out->broken_pipe()) {
    return false;
  }
  if (!s.ok()) {
    diag.Error(s.message());
    *input_failed = true;
    // A read error ends this input; anything else (our output) ends all.
    return s.code() == StatusCode::kIoError &&
           s.message().find(": read failed") != std::string::npos;
  }
  return true;
}

}  // namespace

int RunFilter(const RawOptions& raw, const Diagnostics& diag) {
  auto start = std::chrono::steady_clock::now();
  auto scrubber = BuildScrubber(raw, diag);
  if (!scrubber.ok()) {
    diag.Error(scrubber.status().message());
    return kExitUsage;
  }
  io::PumpOptions pump;
  pump.hold_ms = raw.hold_ms;
  io::FdSink out(STDOUT_FILENO, "stdout");
  bool failed = false;
  std::vector<std::string> inputs = raw.inputs;
  if (inputs.empty()) {
    inputs.emplace_back("-");
  }
  // One stream for all inputs: they reach one stdout as one text, so a
  // secret cut by the end of a file is still found (as `cat a b | scrub`).
  StreamScrubber stream(*scrubber, &out);
  bool go_on = true;
  for (const std::string& input : inputs) {
    go_on = PumpInput(input, &stream, pump, &out, &failed, diag);
    if (!go_on) {
      break;
    }
  }
  if (go_on) {
    Status finish = stream.Finish();
    if (finish.ok()) {
      finish = out.Flush();
    }
    if (!finish.ok() && !out.broken_pipe()) {
      diag.Error(finish.message());
      failed = true;
    }
  }
  // A reader that went away is a normal end for a filter: quiet, but what
  // was scrubbed still counts in the report and for --fail-on-redact.
  const ScrubStats& total = stream.stats();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!raw.report.empty() &&
      !WriteReport(raw.report, ReportJson(**scrubber, total, seconds), diag)) {
    failed = true;
  }
  int code = kExitOk;
  if (failed) {
    code = kExitRuntime;
  } else if (raw.fail_on_redact && total.redactions > 0) {
    code = kExitRedacted;
  }
  (void)out.Flush();
  return FinishRun(code, {scrubber->get()});
}

}  // namespace scrubber::tool
