// RunJob: steps, artifacts, manifest, events. One thread runs the steps;
// while a step runs, a second thread sends heartbeats and turns a cancel
// reply into a stop request on an eventfd that the child's poll loop
// watches. Both reach the control plane under one mutex.
#include "agent/runner.h"

#include <fcntl.h>
#include <glob.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "agent/control_plane.h"
#include "scrubber/io/archive.h"
#include "scrubber/io/child_process.h"
#include "scrubber/stream_scrubber.h"

#include <nlohmann/json.hpp>

namespace scrubber::agent {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr size_t kTailBytes = 2048;

// Step output goes to the agent's output, the step's log and a short tail
// for events; all of it already scrubbed.
// LIMITATION(agent-output-interleaving): stdout and stderr meet here in the
// order of their reads.
class TeeSink final : public io::LiveSink {
 public:
  TeeSink(io::FdSink* out, io::FdSink* log, std::string* tail)
      : out_(out), log_(log), tail_(tail) {}
  Status Write(std::string_view bytes) override {
    Status s = out_->Write(bytes);
    Status l = log_->Write(bytes);
    tail_->append(bytes);
    if (tail_->size() > 2 * kTailBytes) {
      tail_->erase(0, tail_->size() - kTailBytes);
    }
    return s.ok() ? l : s;
  }
  Status Flush() override {
    Status s = out_->Flush();
    Status l = log_->Flush();
    return s.ok() ? l : s;
  }
  bool broken_pipe() const override { return false; }  // a step is not ended by our reader

 private:
  io::FdSink* out_;
  io::FdSink* log_;
  std::string* tail_;
};

std::string Sha256File(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    EVP_DigestUpdate(ctx, buf.data(), static_cast<size_t>(in.gcount()));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx, digest, &n);
  EVP_MD_CTX_free(ctx);
  std::string hex;
  char two[3];
  for (unsigned int i = 0; i < n; ++i) {
    std::snprintf(two, sizeof two, "%02x", digest[i]);
    hex += two;
  }
  return hex;
}

void AddCounts(const ScrubStats& stats, std::map<std::string, uint64_t>* into) {
  for (const auto& [id, n] : stats.by_id) {
    (*into)[id] += n;
  }
}

// Talks to the control plane for the runner; without one every call is a
// no-op. Thread-safe.
class Reporter {
 public:
  explicit Reporter(ControlPlane* cp) : cp_(cp) {}

  // Sends an event; true when the reply asks to cancel.
  bool Send(std::string state,
            std::string step = "",
            std::optional<int> exit_code = std::nullopt,
            std::map<std::string, uint64_t> redactions = {},
            std::string log_tail = "") {
    if (cp_ == nullptr) {
      return false;
    }
    std::lock_guard<std::mutex> lock(mu_);
    Event e{++seq_,    std::move(state),      std::move(step),
            exit_code, std::move(redactions), std::move(log_tail)};
    auto reply = cp_->SendEvent(e);
    if (!reply.ok()) {
      errors_.push_back(reply.status().message());
      return false;
    }
    if (*reply) {
      cancel_ = true;
    }
    return *reply;
  }

  Status Upload(const std::string& name, const std::string& path) {
    if (cp_ == nullptr) {
      return Status::Ok();
    }
    std::lock_guard<std::mutex> lock(mu_);
    return cp_->UploadArtifact(name, path);
  }

  bool cancelled() const { return cancel_; }
  std::vector<std::string> errors() {
    std::lock_guard<std::mutex> lock(mu_);
    return errors_;
  }

 private:
  ControlPlane* cp_;
  std::mutex mu_;
  uint64_t seq_ = 0;
  std::atomic<bool> cancel_{false};
  std::vector<std::string> errors_;
};

// Sends heartbeats every `period` while a step runs; on a cancel reply it
// writes `stop_fd`. All signals stay blocked in it: the step's poll loop
// reads SIGCHLD through a signalfd and must be the only one to get it.
class Heartbeat {
 public:
  Heartbeat(Reporter* reporter, std::chrono::seconds period, std::string step, int stop_fd)
      : reporter_(reporter) {
    sigset_t all;
    sigset_t old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    thread_ = std::thread([this, period, step = std::move(step), stop_fd] {
      std::unique_lock<std::mutex> lock(mu_);
      while (!done_) {
        if (cv_.wait_for(lock, period, [this] { return done_; })) {
          break;
        }
        lock.unlock();
        bool cancel = reporter_->Send("heartbeat", step);
        lock.lock();
        if (cancel) {
          uint64_t one = 1;
          (void)::write(stop_fd, &one, sizeof one);
        }
      }
    });
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
  }
  ~Heartbeat() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

 private:
  Reporter* reporter_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

std::vector<std::pair<std::string, std::string>> StepEnv(
    const RunnerOptions& options, const std::vector<std::pair<std::string, std::string>>& named) {
  std::vector<std::pair<std::string, std::string>> env;
  for (const std::string& name : options.inherited_env) {
    if (const char* v = std::getenv(name.c_str())) {  // NOLINT(concurrency-mt-unsafe)
      env.emplace_back(name, v);
    }
  }
  for (const auto& kv : named) {
    env.push_back(kv);
  }
  return env;
}

Result<StepOutcome> RunStep(const Step& step,
                            size_t index,
                            size_t count,
                            const Vault* vault,
                            const std::shared_ptr<const Scrubber>& scrubber,
                            const RunnerOptions& options,
                            Reporter* reporter,
                            io::FdSink* out,
                            std::string* tail,
                            std::vector<std::string>* masks) {
  StepOutcome outcome;
  outcome.name = step.name;
  std::vector<std::pair<std::string, std::string>> named;
  for (const auto& [name, value] : step.env) {
    if (value.vault.empty()) {
      named.emplace_back(name, value.literal);
      continue;
    }
    if (vault == nullptr) {
      return InvalidInput("step '" + step.name + "': " + name + " names vault value '" +
                          value.vault + "' but no vault was given");
    }
    auto v = vault->Get(value.vault);
    if (!v.ok()) {
      return InvalidInput("step '" + step.name + "': " + name + ": " + v.status().message());
    }
    named.emplace_back(name, std::move(*v));
  }
  std::string log_path = (fs::path(options.out_dir) / "logs" / (step.name + ".log")).string();
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (log_fd < 0) {
    return IoError(log_path + ": " + std::strerror(errno));
  }
  io::FdSink log(log_fd, log_path);
  TeeSink tee(out, &log, tail);
  std::string banner = "==> step " + std::to_string(index + 1) + "/" + std::to_string(count) +
                       ": " + step.name + "\n";
  Status s = tee.Write(banner);
  if (s.ok()) {
    s = tee.Flush();
  }
  reporter->Send("step_started", step.name);

  io::ChildOptions child;
  child.argv = step.run;
  child.clean_env = true;
  child.env = StepEnv(options, named);
  child.cwd = step.cwd;
  child.hold_ms = options.hold_ms;
  child.timeout_ms = step.timeout_s > 0 ? int64_t{step.timeout_s} * 1000 : 0;
  child.kill_after_ms = options.kill_after_ms;
  child.forward_signals = true;
  // ::add-mask:: values of earlier steps hold here too; this step's are
  // kept for the next ones and the artifacts, archives included. Nothing it
  // started outlives it.
  child.masks = *masks;
  child.on_mask = [masks](std::string_view v) { masks->emplace_back(v); };
  child.kill_group_at_end = true;  // and the watchdog kills it if we die first
  child.on_start = options.on_step_group;
  child.announce_group_fd = options.step_group_fd;  // before exec: no unguarded instant
  int stop_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  child.stop_fd = stop_fd;
  if (reporter->cancelled()) {  // the reply to step_started asked already
    uint64_t one = 1;
    (void)::write(stop_fd, &one, sizeof one);
  }
  auto started = Clock::now();
  Result<io::ChildResult> result = io::ChildResult{};
  {
    std::optional<Heartbeat> heartbeat;
    if (options.control_plane != nullptr) {
      heartbeat.emplace(reporter, std::chrono::seconds(std::max(1, options.heartbeat_s)), step.name,
                        stop_fd);
    }
    result = io::RunScrubbedChild(child, scrubber, &tee, &tee);
  }
  if (options.on_step_group) {
    options.on_step_group(0);  // its group is gone (kill_group_at_end)
  }
  ::close(stop_fd);
  outcome.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (!result.ok()) {
    ::close(log_fd);
    return result.status();
  }
  outcome.exit_status = result->exit_status;
  outcome.timed_out = result->timed_out;
  outcome.cancelled = result->stopped;
  outcome.start_error = result->start_error;
  AddCounts(result->stdout_stats, &outcome.redactions);
  AddCounts(result->stderr_stats, &outcome.redactions);
  std::string end = "<== step " + step.name + ": ";
  if (!outcome.start_error.empty()) {
    end += "did not start (" + outcome.start_error + ")";
  } else if (outcome.cancelled) {
    end += "cancelled";
  } else if (outcome.timed_out) {
    end += "timed out after " + std::to_string(step.timeout_s) + " s";
  } else {
    end += "exit " + std::to_string(outcome.exit_status);
  }
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1f", outcome.seconds);
  end += " (" + std::string(secs) + " s)\n";
  Status w = tee.Write(end);
  if (w.ok()) {
    w = tee.Flush();
  }
  ::close(log_fd);
  if (!s.ok() || !w.ok()) {
    return s.ok() ? w : s;
  }
  return outcome;
}

// The first bytes of a file, enough to tell compressed data and archives.
std::string HeadOf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string head(262, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  return head;
}

// Scrubs one artifact into DIR/artifacts/NAME (NAME its scrubbed base
// name): archives by the archive scrubber, anything else as a stream.
// Compressed data or an archive under another name fails closed: a text
// stream would pass its secrets through unread.
Result<FileOutcome> ScrubArtifact(const std::string& in,
                                  const std::string& name,
                                  const std::shared_ptr<const Scrubber>& scrubber,
                                  const std::vector<std::string>& masks,
                                  const RunnerOptions& options) {
  std::string rel = "artifacts/" + name;
  std::string out = (fs::path(options.out_dir) / rel).string();
  FileOutcome file;
  file.path = rel;
  if (io::ArchiveKindOf(name)) {
    if (options.archive_scrubber == nullptr) {
      return Internal("no archive scrubber");
    }
    io::ArchiveJob job;
    job.in_path = in;
    job.out_path = out;
    job.stream_scrubber = scrubber;
    job.member_scrubber = options.archive_scrubber;
    job.masks = masks;
    io::ArchiveReport report;
    Status s = io::ScrubArchive(job, &report);
    if (!s.ok()) {
      return s;
    }
    AddCounts(report.total, &file.redactions);
  } else {
    if (std::string format = io::CompressedOrArchiveFormat(HeadOf(in)); !format.empty()) {
      return InvalidInput("artifact " + name + ": " + format +
                          " data under a name that does not say so (.tar, .tar.gz, .tar.zst, "
                          ".zip or .zst); not copied unscrubbed");
    }
    std::ifstream src(in, std::ios::binary);
    if (!src) {
      return IoError(in + ": cannot be read");
    }
    std::string tmp = out + ".partial";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
      return IoError(tmp + ": " + std::strerror(errno));
    }
    Status s;
    ScrubStats stats;
    {
      io::FdSink sink(fd, out);
      StreamScrubber stream(scrubber, &sink);
      for (const std::string& v : masks) {
        (void)stream.AddMask(v);
      }
      std::vector<char> buf(1 << 16);
      while (s.ok() && src) {
        src.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        s = stream.Write({buf.data(), static_cast<size_t>(src.gcount())});
      }
      if (s.ok()) {
        s = stream.Finish();
      }
      if (s.ok()) {
        s = sink.Flush();
      }
      stats = stream.stats();
    }
    ::close(fd);
    if (s.ok() && src.bad()) {
      s = IoError(in + ": read failed");
    }
    if (!s.ok()) {
      ::unlink(tmp.c_str());
      return s;
    }
    fs::rename(tmp, out);
    AddCounts(stats, &file.redactions);
  }
  return file;
}

Result<std::string> ScrubArtifactName(const std::shared_ptr<const Scrubber>& scrubber,
                                      const std::vector<std::string>& masks,
                                      const std::string& name) {
  StringSink sink;
  StreamScrubber stream(scrubber, &sink);
  for (const std::string& v : masks) {
    (void)stream.AddMask(v);
  }
  Status s = stream.Write(name);
  if (s.ok()) {
    s = stream.Finish();
  }
  if (!s.ok()) {
    return s;
  }
  return sink.out;
}

// LIMITATION(agent-artifact-paths): patterns are taken as given (absolute,
// `..`, symlinks); one that matches nothing is skipped.
std::vector<std::string> ExpandArtifacts(const std::vector<std::string>& patterns) {
  std::vector<std::string> paths;
  for (const std::string& pattern : patterns) {
    glob_t g{};
    if (::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) {
        if (fs::is_regular_file(g.gl_pathv[i])) {
          paths.emplace_back(g.gl_pathv[i]);
        }
      }
    }
    ::globfree(&g);
  }
  std::sort(paths.begin(), paths.end());
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
  return paths;
}

Status WriteManifest(const Job& job, const JobOutcome& outcome, const std::string& out_dir) {
  nlohmann::json m;
  m["job"] = job.id;
  m["state"] = outcome.state;
  m["steps"] = nlohmann::json::array();
  for (const StepOutcome& s : outcome.steps) {
    m["steps"].push_back({{"name", s.name},
                          {"exit_status", s.exit_status},
                          {"seconds", s.seconds},
                          {"timed_out", s.timed_out},
                          {"cancelled", s.cancelled},
                          {"redactions", s.redactions}});
  }
  m["files"] = nlohmann::json::array();
  for (const FileOutcome& f : outcome.files) {
    m["files"].push_back(
        {{"path", f.path}, {"size", f.size}, {"sha256", f.sha256}, {"redactions", f.redactions}});
  }
  std::string path = (fs::path(out_dir) / "manifest.json").string();
  std::ofstream o(path + ".partial", std::ios::binary | std::ios::trunc);
  o << m.dump(2) << "\n";
  o.close();
  if (!o) {
    return IoError(path + ": cannot be written");
  }
  std::error_code ec;
  fs::rename(path + ".partial", path, ec);
  return ec ? IoError(path + ": " + ec.message()) : Status::Ok();
}

}  // namespace

Result<JobOutcome> RunJob(const Job& job,
                          const Vault* vault,
                          const std::shared_ptr<const Scrubber>& scrubber,
                          const RunnerOptions& options,
                          io::FdSink* out) {
  std::error_code ec;
  fs::create_directories(fs::path(options.out_dir) / "logs", ec);
  if (!ec) {
    fs::create_directories(fs::path(options.out_dir) / "artifacts", ec);
  }
  if (ec) {
    return IoError(options.out_dir + ": " + ec.message());
  }
  Reporter reporter(options.control_plane);
  std::vector<std::string> masks;  // from ::add-mask:: lines of the steps
  JobOutcome outcome;
  outcome.state = "succeeded";
  reporter.Send("running");
  for (size_t i = 0; i < job.steps.size(); ++i) {
    const Step& step = job.steps[i];
    std::string tail;
    auto r =
        RunStep(step, i, job.steps.size(), vault, scrubber, options, &reporter, out, &tail, &masks);
    if (!r.ok()) {
      return r.status();
    }
    StepOutcome& s = outcome.steps.emplace_back(std::move(*r));
    bool cancel = reporter.Send("step_finished", step.name, s.exit_status, s.redactions, tail);
    if (s.cancelled || cancel || reporter.cancelled()) {
      outcome.state = "cancelled";
      break;
    }
    if (s.exit_status != 0) {
      outcome.state = "failed";
      break;
    }
  }
  for (const StepOutcome& s : outcome.steps) {
    FileOutcome log;
    log.path = "logs/" + s.name + ".log";
    log.redactions = s.redactions;
    outcome.files.push_back(std::move(log));
  }
  if (outcome.state != "cancelled") {
    std::set<std::string> names;
    for (const std::string& path : ExpandArtifacts(job.artifacts)) {
      // A name can carry a secret too; two artifacts may share one.
      auto scrubbed = ScrubArtifactName(scrubber, masks, fs::path(path).filename().string());
      if (!scrubbed.ok()) {
        return scrubbed.status();
      }
      std::string name = *scrubbed;
      for (int n = 2; !names.insert(name).second; ++n) {
        name = std::to_string(n) + "-" + *scrubbed;
      }
      auto f = ScrubArtifact(path, name, scrubber, masks, options);
      if (!f.ok()) {
        return f.status();
      }
      outcome.files.push_back(std::move(*f));
    }
  }
  for (FileOutcome& f : outcome.files) {
    std::string full = (fs::path(options.out_dir) / f.path).string();
    f.size = fs::file_size(full, ec);
    f.sha256 = Sha256File(full);
    Status s = reporter.Upload(fs::path(f.path).filename().string(), full);
    if (!s.ok()) {
      return s;
    }
  }
  Status m = WriteManifest(job, outcome, options.out_dir);
  if (!m.ok()) {
    return m;
  }
  Status u =
      reporter.Upload("manifest.json", (fs::path(options.out_dir) / "manifest.json").string());
  if (!u.ok()) {
    return u;
  }
  reporter.Send(outcome.state);
  return outcome;
}

}  // namespace scrubber::agent
