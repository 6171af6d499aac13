// The JSON report, built with nlohmann::json.
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include "report.h"
#include <nlohmann/json.hpp>

namespace scrubber::tool {

namespace {

nlohmann::json CountsById(const ScrubStats& stats) {
  nlohmann::json by_id = nlohmann::json::object();
  for (const auto& [id, n] : stats.by_id) {
    by_id[id] = n;
  }
  return by_id;
}

}  // namespace

std::string ReportJson(const Scrubber& scrubber,
                       const ScrubStats& stats,
                       double seconds,
                       const std::vector<MemberCounts>* members) {
  nlohmann::json by_id = CountsById(stats);
  nlohmann::json skipped = nlohmann::json::array();
  for (const SkippedSecret& s : scrubber.skipped()) {
    skipped.push_back({{"name", s.name}, {"source", s.source}, {"length", s.length}});
  }
  nlohmann::json report = {
      {"bytes_in", stats.bytes_in},
      {"bytes_out", stats.bytes_out},
      {"redactions", stats.redactions},
      {"redactions_by_id", by_id},
      {"secrets_loaded", scrubber.secrets_loaded()},
      {"secrets_skipped", skipped},
      {"literals", scrubber.literal_count()},
      {"rules", scrubber.rule_count()},
      {"masks_added", stats.masks_added},
      {"masks_skipped", stats.masks_skipped.size()},
      {"engine", EngineName(scrubber.engine())},
      {"literal_engine", scrubber.literal_engine()},
      {"forced_releases", stats.forced_releases},
      {"seconds", seconds},
  };
  if (members != nullptr) {
    nlohmann::json list = nlohmann::json::array();
    for (const MemberCounts& m : *members) {
      list.push_back({{"name", m.name},
                      {"redactions", m.stats->redactions},
                      {"redactions_by_id", CountsById(*m.stats)}});
    }
    report["members"] = list;
  }
  // Names and sources may hold arbitrary bytes: replace invalid UTF-8.
  return report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

bool WriteReport(const std::string& path, const std::string& json, const Diagnostics& diag) {
  int fd = STDERR_FILENO;
  if (path != "-") {
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      diag.Error(path + ": cannot write report: " + std::strerror(errno));
      return false;
    }
  }
  std::string_view rest = json;
  bool ok = true;
  while (!rest.empty()) {
    ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      diag.Error(path + ": cannot write report: " + std::strerror(errno));
      ok = false;
      break;
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
  if (fd != STDERR_FILENO && ::close(fd) != 0 && ok) {
    diag.Error(path + ": cannot write report: " + std::strerror(errno));
    ok = false;
  }
  return ok;
}

}  // namespace scrubber::tool
