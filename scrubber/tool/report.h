// The --report JSON summary (DESIGN §3): counts and ids only, never a secret.
#ifndef SCRUBBER_TOOL_REPORT_H_
#define SCRUBBER_TOOL_REPORT_H_

#include <string>

#include "scrubber/scrubber.h"
#include "scrubber/stream_scrubber.h"

#include "diagnostics.h"

namespace scrubber::tool {

std::string ReportJson(const Scrubber& scrubber, const ScrubStats& stats, double seconds);

// Writes the report to `path` ("-" for stderr). Returns false after
// reporting the failure through `diag`.
bool WriteReport(const std::string& path, const std::string& json, const Diagnostics& diag);

}  // namespace scrubber::tool

#endif  // SCRUBBER_TOOL_REPORT_H_
