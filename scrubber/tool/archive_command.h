// `scrub archive [OPTIONS] IN OUT`: scrub a .zst, .tar, .tar.gz, .tar.zst or
// .zip into the same format.
#ifndef SCRUBBER_TOOL_ARCHIVE_COMMAND_H_
#define SCRUBBER_TOOL_ARCHIVE_COMMAND_H_

#include "diagnostics.h"
#include "options.h"

namespace scrubber::tool {

// 0 done (1 with --fail-on-redact when something was redacted), 2 bad
// options, 3 when the archive could not be scrubbed (OUT is then untouched).
int RunArchive(const RawOptions& raw, const Diagnostics& diag);

}  // namespace scrubber::tool

#endif  // SCRUBBER_TOOL_ARCHIVE_COMMAND_H_
