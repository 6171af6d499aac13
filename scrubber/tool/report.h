// The --report JSON summary (DESIGN §3): counts and ids only, never a secret.
#ifndef SCRUBBER_TOOL_REPORT_H_
#define SCRUBBER_TOOL_REPORT_H_

#include <string>
#include <vector>

#include "scrubber/scrubber.h"
#include "scrubber/stream_scrubber.h"

#include "diagnostics.h"

namespace scrubber::tool {

// A member of an archive and its counts, for the report of `scrub archive`.
struct MemberCounts {
  std::string name;
  const ScrubStats* stats;
};

std::string ReportJson(const Scrubber& scrubber,
                       const ScrubStats& stats,
                       double seconds,
                       const std::vector<MemberCounts>* members = nullptr);

// Writes the report to `path` ("-" for stderr). Returns false after
// reporting the failure through `diag`.
bool WriteReport(const std::string& path, const std::string& json, const Diagnostics& diag);

}  // namespace scrubber::tool

#endif  // SCRUBBER_TOOL_REPORT_H_
