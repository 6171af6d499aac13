// `scrub rules [--rules PATH]... [--no-default-rules] [--engine E]...`: list
// the key-shape rules in effect and test each rule's examples.
#ifndef SCRUBBER_TOOL_RULES_COMMAND_H_
#define SCRUBBER_TOOL_RULES_COMMAND_H_

#include "diagnostics.h"
#include "options.h"

namespace scrubber::tool {

// Writes "ID<TAB>SOURCE<TAB>DESCRIPTION" to stdout for each rule, then
// checks, with a Scrubber of that rule alone on each engine asked for, that
// every example is redacted by it and every counter-example passes
// untouched. Returns 0 when all pass (a summary line on stderr), 1 with one
// stderr line per failure (never the example's text), 2 for a bad option
// or rule file, 3 when stdout failed.
int RunRules(const RawOptions& raw, const Diagnostics& diag);

}  // namespace scrubber::tool

#endif  // SCRUBBER_TOOL_RULES_COMMAND_H_
