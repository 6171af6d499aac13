// `scrub [OPTIONS] [FILE...]`: the pipe filter.
#ifndef SCRUBBER_TOOL_FILTER_COMMAND_H_
#define SCRUBBER_TOOL_FILTER_COMMAND_H_

#include "diagnostics.h"
#include "options.h"

namespace scrubber::tool {

// Scrubs each input (stdin for none or "-") to stdout, one stream per
// input. Returns the exit status of DESIGN §3.
int RunFilter(const RawOptions& raw, const Diagnostics& diag);

}  // namespace scrubber::tool

#endif  // SCRUBBER_TOOL_FILTER_COMMAND_H_
