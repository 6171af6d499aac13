// `scrub scan`: each input through a StreamScrubber whose output is thrown
// away, with a finding listener. Findings arrive in no order but never
// before the stream's settled point, so a small queue puts them in order and
// a LineMap trimmed at that point gives their lines and columns: memory
// stays bounded whatever the size of the input.
#include "scan_command.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <iterator>
#include <limits>
#include <tuple>
#include <vector>

#include "scrubber/io/fd_io.h"

#include "line_map.h"
#include "report.h"
#include "scan_output.h"

namespace scrubber::tool {
namespace {

constexpr size_t kReadSize = 256 * 1024;
constexpr uint64_t kEndOfInput = std::numeric_limits<uint64_t>::max();

class DiscardSink final : public ByteSink {
 public:
  Status Write(std::string_view /*bytes*/) override { return Status::Ok(); }
};

// Puts the findings of one input in order of offset, and merges findings of
// one id that overlap (a secret's padded and unpadded base64 ending, a span
// found again when the stream moves to another engine), and drops a rule's
// finding that lies inside another rule's. A finding is
// released once it ends at or before the settled point: no later finding can
// then come before it or overlap it.
class FindingQueue {
 public:
  void Add(ScanFinding finding) { pending_.push_back(std::move(finding)); }

  // Moves the findings that are final at `settled` to `out`, in order.
  void Release(uint64_t settled, std::vector<ScanFinding>* out) {
    if (pending_.empty()) {
      return;
    }
    MergeOverlaps();
    std::sort(pending_.begin(), pending_.end(), [](const ScanFinding& a, const ScanFinding& b) {
      return std::tie(a.start, a.end, a.id, a.rule) < std::tie(b.start, b.end, b.id, b.rule);
    });
    size_t n = 0;
    while (n < pending_.size() && pending_[n].end <= settled && pending_[n].start < settled) {
      ++n;
    }
    std::move(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(n),
              std::back_inserter(*out));
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(n));
  }

 private:
  void MergeOverlaps() {
    std::sort(pending_.begin(), pending_.end(), [](const ScanFinding& a, const ScanFinding& b) {
      return std::tie(a.id, a.rule, a.start, a.end) < std::tie(b.id, b.rule, b.start, b.end);
    });
    std::vector<ScanFinding> merged;
    for (ScanFinding& f : pending_) {
      if (!merged.empty()) {
        ScanFinding& last = merged.back();
        if (last.id == f.id && last.rule == f.rule && f.start < last.end) {
          if (f.end > last.end) {
            last.end = f.end;
            last.finish = f.finish;
          }
          continue;
        }
      }
      merged.push_back(std::move(f));
    }
    // A rule's finding inside another rule's (a PEM body inside its whole
    // block, a header value inside a URL) says nothing more: one per span.
    std::sort(merged.begin(), merged.end(), [](const ScanFinding& a, const ScanFinding& b) {
      return std::tie(a.start, b.end, a.id) < std::tie(b.start, a.end, b.id);
    });
    pending_.clear();
    for (ScanFinding& f : merged) {
      bool inside =
          f.rule && std::any_of(pending_.begin(), pending_.end(), [&](const ScanFinding& k) {
            return k.rule && k.start <= f.start && f.end <= k.end;
          });
      if (!inside) {
        pending_.push_back(std::move(f));
      }
    }
  }

  std::vector<ScanFinding> pending_;
};

struct ScanTotals {
  ScrubStats stats;
  uint64_t findings = 0;
  bool input_failed = false;
  Status output;  // the first failure writing findings
};

// Scans one input. Returns false when scanning must stop: stdout failed.
bool ScanInput(const std::string& name,
               const std::shared_ptr<const Scrubber>& scrubber,
               FindingWriter* writer,
               io::FdSink* out,
               ScanTotals* totals,
               const Diagnostics& diag) {
  bool is_stdin = name == "-";
  std::string label = is_stdin ? "stdin" : name;
  int fd = is_stdin ? STDIN_FILENO : ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    diag.Error(name + ": " + std::strerror(errno));
    totals->input_failed = true;
    return true;
  }
  DiscardSink discard;
  StreamScrubber stream(scrubber, &discard);
  LineMap lines;
  FindingQueue queue;
  stream.set_finding_listener([&lines, &queue](const Finding& f) {
    queue.Add({std::string(f.id), f.rule, f.start, f.end, lines.Locate(f.start),
               lines.LocateEnd(f.start, f.end)});
  });
  std::vector<ScanFinding> ready;
  auto emit = [&]() {
    for (const ScanFinding& f : ready) {
      ++totals->findings;
      if (totals->output.ok()) {
        totals->output = writer->Add(name, f);
      }
    }
    bool any = !ready.empty();
    ready.clear();
    // Findings appear as they are made final, like the filter's output.
    if (any && totals->output.ok()) {
      totals->output = out->Flush();
    }
    return totals->output.ok();
  };
  std::vector<char> buffer(kReadSize);
  Status status;
  bool go_on = true;
  while (go_on) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      status = IoError(label + ": read failed: " + std::strerror(errno));
      break;
    }
    if (n == 0) {
      break;
    }
    std::string_view chunk(buffer.data(), static_cast<size_t>(n));
    lines.Append(chunk);
    status = stream.Write(chunk);
    if (!status.ok()) {
      status = Status(status.code(), label + ": " + status.message());
      break;
    }
    queue.Release(stream.settled(), &ready);
    lines.Trim(stream.settled());
    go_on = emit();
  }
  if (!is_stdin) {
    ::close(fd);
  }
  if (go_on) {
    // What was read before a read error is still reported.
    Status finish = stream.Finish();
    queue.Release(kEndOfInput, &ready);
    go_on = emit();
    if (status.ok() && !finish.ok()) {
      status = Status(finish.code(), label + ": " + finish.message());
    }
  }
  totals->stats.Merge(stream.stats());
  if (!status.ok()) {
    diag.Error(status.message());
    totals->input_failed = true;
  }
  return go_on;
}

}  // namespace

int RunScan(const RawOptions& raw, const Diagnostics& diag) {
  auto start = std::chrono::steady_clock::now();
  if (raw.add_mask_commands) {
    // Offsets would count the text without those lines, not the file.
    diag.Error("scan: --add-mask-commands is not supported: lines and columns would not match");
    return kExitUsage;
  }
  auto rules = LoadRules(raw);
  if (!rules.ok()) {
    diag.Error(rules.status().message());
    return kExitUsage;
  }
  auto scrubber = BuildScrubber(raw, diag, &*rules);
  if (!scrubber.ok()) {
    diag.Error(scrubber.status().message());
    return kExitUsage;
  }
  io::FdSink out(STDOUT_FILENO, "stdout");
  std::unique_ptr<FindingWriter> writer =
      raw.scan_format == "sarif" ? NewSarifWriter(*rules, &out) : NewJsonLinesWriter(&out);
  std::vector<std::string> inputs = raw.inputs;
  if (inputs.empty()) {
    inputs.emplace_back("-");
  }
  ScanTotals totals;
  for (const std::string& input : inputs) {
    if (!ScanInput(input, *scrubber, writer.get(), &out, &totals, diag)) {
      break;
    }
  }
  if (totals.output.ok()) {
    totals.output = writer->Finish(!totals.input_failed);
  }
  if (totals.output.ok()) {
    totals.output = out.Flush();
  }
  bool failed = totals.input_failed;
  // A reader that went away is a normal end, as for the filter.
  if (!totals.output.ok() && !out.broken_pipe()) {
    diag.Error(totals.output.message());
    failed = true;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!raw.report.empty() &&
      !WriteReport(raw.report, ReportJson(**scrubber, totals.stats, seconds), diag)) {
    failed = true;
  }
  int code = kExitOk;
  if (failed) {
    code = kExitRuntime;
  } else if (raw.fail_on_redact && totals.findings > 0) {
    code = kExitRedacted;
  }
  return FinishRun(code, {scrubber->get()});
}

}  // namespace scrubber::tool
