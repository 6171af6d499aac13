// `scrub exec [OPTIONS] -- CMD [ARG...]`: run a command with its stdout and
// stderr scrubbed live, each on its own stream.
#ifndef SCRUBBER_TOOL_EXEC_COMMAND_H_
#define SCRUBBER_TOOL_EXEC_COMMAND_H_

#include "diagnostics.h"
#include "options.h"

namespace scrubber::tool {

// Returns CMD's exit status (128+N for signal N; 127 not found, 126 not
// executable), 2 for bad options, 3 when our own output failed.
int RunExec(const RawOptions& raw, const Diagnostics& diag);

}  // namespace scrubber::tool

#endif  // SCRUBBER_TOOL_EXEC_COMMAND_H_
