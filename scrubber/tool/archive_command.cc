// `scrub archive`: two compiled scrubbers (plain for a zstd stream, length-
// preserving for container members), the archive scrubber, a progress line
// on a terminal, and the report with its members.
#include "archive_command.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <clocale>

#include "scrubber/io/archive.h"

#include "report.h"

namespace scrubber::tool {
namespace {

constexpr uint64_t kProgressFrom = 64 << 20;  // inputs smaller than this show none

// Prints "scrub: 42% of IN" over itself on a terminal, a few times a second.
class ProgressLine {
 public:
  ProgressLine(const std::string& name, uint64_t total)
      : name_(name),
        total_(total),
        shown_(::isatty(STDERR_FILENO) != 0 && total >= kProgressFrom) {}
  void Update(uint64_t done) {
    auto now = std::chrono::steady_clock::now();
    if (!shown_ || now - last_ < std::chrono::milliseconds(200)) {
      return;
    }
    last_ = now;
    std::string line = "\rscrub: " + std::to_string(std::min<uint64_t>(done * 100 / total_, 100)) +
                       "% of " + name_;
    (void)!::write(STDERR_FILENO, line.data(), line.size());
    drawn_ = true;
  }
  void Clear() const {
    if (drawn_) {
      (void)!::write(STDERR_FILENO, "\r\033[K", 4);
    }
  }

 private:
  std::string name_;
  uint64_t total_;
  bool shown_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

const char* SuffixOf(io::ArchiveKind kind) {
  switch (kind) {
    case io::ArchiveKind::kZstd:
      return ".zst";
    case io::ArchiveKind::kTar:
      return ".tar";
    case io::ArchiveKind::kTarGz:
      return ".tar.gz";
    case io::ArchiveKind::kTarZst:
      return ".tar.zst";
    case io::ArchiveKind::kZip:
      return ".zip";
  }
  return "";
}

}  // namespace

int RunArchive(const RawOptions& raw, const Diagnostics& diag) {
  auto start = std::chrono::steady_clock::now();
  // libarchive converts member names through the locale's character set:
  // in the "C" locale a non-ASCII name (PAX, UTF-8 zip) cannot be written.
  if (std::setlocale(LC_CTYPE, "C.UTF-8") == nullptr) {
    (void)std::setlocale(LC_CTYPE, "");
  }
  // OUT keeps IN's format; an OUT whose name says another (gzip bytes in a
  // .zip) would mislead whoever opens it.
  const auto in_kind = io::ArchiveKindOf(raw.archive_in);
  const auto out_kind = io::ArchiveKindOf(raw.archive_out);
  if (in_kind && out_kind && *in_kind != *out_kind) {
    diag.Error(raw.archive_out + ": the output keeps the input's format (" + SuffixOf(*in_kind) +
               "), not " + SuffixOf(*out_kind) + "; name it accordingly");
    return kExitUsage;
  }
  auto rules = LoadRules(raw);
  if (!rules.ok()) {
    diag.Error(rules.status().message());
    return kExitUsage;
  }
  RawOptions stream_options = raw;
  stream_options.add_mask_commands = false;
  auto stream_scrubber = BuildScrubber(stream_options, diag, &*rules);
  if (!stream_scrubber.ok()) {
    diag.Error(stream_scrubber.status().message());
    return kExitUsage;
  }
  RawOptions member_options = stream_options;
  member_options.preserve_length = true;
  Diagnostics quiet;  // the same secrets: warnings were given once already
  quiet.set_verbosity(Verbosity::kQuiet);
  auto member_scrubber = BuildScrubber(member_options, quiet, &*rules);
  if (!member_scrubber.ok()) {
    diag.Error(member_scrubber.status().message());
    return kExitUsage;
  }
  io::ArchiveJob job;
  job.in_path = raw.archive_in;
  job.out_path = raw.archive_out;
  job.stream_scrubber = *stream_scrubber;
  job.member_scrubber = *member_scrubber;
  job.limits.max_output_bytes = raw.max_output_bytes;
  job.limits.max_ratio = raw.max_ratio;
  job.limits.max_members = raw.max_members;
  job.limits.max_depth = raw.max_depth;
  struct stat st {};
  uint64_t size = ::stat(raw.archive_in.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  ProgressLine progress(raw.archive_in, size);
  job.progress = [&progress](uint64_t done, uint64_t /*total*/) { progress.Update(done); };
  io::ArchiveReport report;
  Status s = io::ScrubArchive(job, &report);
  progress.Clear();
  if (!s.ok()) {
    diag.Error(s.message());
    return kExitRuntime;
  }
  int code = kExitOk;
  if (!raw.report.empty()) {
    std::vector<MemberCounts> members;
    for (const io::MemberReport& m : report.members) {
      members.push_back({m.name, &m.stats});
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!WriteReport(raw.report, ReportJson(**member_scrubber, report.total, seconds, &members),
                     diag)) {
      code = kExitRuntime;
    }
  }
  if (code == kExitOk && raw.fail_on_redact && report.total.redactions > 0) {
    code = kExitRedacted;
  }
  return FinishRun(code, {stream_scrubber->get(), member_scrubber->get()});
}

}  // namespace scrubber::tool
