// `scrub scan [OPTIONS] [FILE...]`: find secrets and key shapes without
// rewriting anything, as JSON Lines or SARIF.
#ifndef SCRUBBER_TOOL_SCAN_COMMAND_H_
#define SCRUBBER_TOOL_SCAN_COMMAND_H_

#include "diagnostics.h"
#include "options.h"

namespace scrubber::tool {

// Scans each input (stdin for none or "-") as a stream of its own and
// writes its findings to stdout, in order of input, then offset. Returns 0,
// 1 with --fail-on-redact when anything was found, 2 for bad options, 3
// when an input could not be read (the others are still scanned) or stdout
// failed.
int RunScan(const RawOptions& raw, const Diagnostics& diag);

}  // namespace scrubber::tool

#endif  // SCRUBBER_TOOL_SCAN_COMMAND_H_
