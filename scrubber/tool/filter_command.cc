// The filter: inputs in order, each through its own StreamScrubber over one
// compiled Scrubber, into one buffered stdout.
#include "filter_command.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>

#include "scrubber/io/fd_io.h"

#include "report.h"

namespace scrubber::tool {
namespace {

// Scrubs one input. Returns false when scrub must stop (output gone or
// failing); `input_failed` is set when only this input failed.
bool ScrubInput(const std::string& name,
                const std::shared_ptr<const Scrubber>& scrubber,
                const io::PumpOptions& pump,
                io::FdSink* out,
                ScrubStats* total,
                bool* input_failed,
                const Diagnostics& diag) {
  bool is_stdin = name == "-";
  int fd = is_stdin ? STDIN_FILENO : ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    diag.Error(name + ": " + std::strerror(errno));
    *input_failed = true;
    return true;
  }
  StreamScrubber stream(scrubber, out);
  Status s = io::PumpFd(fd, is_stdin ? "stdin" : name, &stream, out, pump);
  // Whatever was read is scrubbed and written, even after a read error.
  Status finish = stream.Finish();
  if (finish.ok()) {
    finish = out->Flush();
  }
  total->Merge(stream.stats());
  if (!is_stdin) {
    ::close(fd);
  }
  if (out->broken_pipe()) {
    return false;
  }
  for (const Status& st : {s, finish}) {
    if (!st.ok()) {
      diag.Error(st.message());
      *input_failed = true;
      if (st.code() != StatusCode::kIoError || &st == &finish) {
        return false;
      }
    }
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
  ScrubStats total;
  bool failed = false;
  std::vector<std::string> inputs = raw.inputs;
  if (inputs.empty()) {
    inputs.emplace_back("-");
  }
  for (const std::string& input : inputs) {
    if (!ScrubInput(input, *scrubber, pump, &out, &total, &failed, diag)) {
      break;
    }
  }
  if (out.broken_pipe()) {
    return kExitOk;  // the reader went away: a normal end for a filter
  }
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
  if ((*scrubber)->compile_pending()) {
    // The input ended before the background Hyperscan compile did: it is
    // no longer needed, and destroying the Scrubber would wait for it.
    (void)out.Flush();
    std::_Exit(code);
  }
  return code;
}

}  // namespace scrubber::tool
