// What `scrub scan` writes: each finding as a line of JSON, or all of them
// as one SARIF 2.1.0 log. Neither ever holds the matched bytes: a rule id or
// secret name, a position and a length.
#ifndef SCRUBBER_TOOL_SCAN_OUTPUT_H_
#define SCRUBBER_TOOL_SCAN_OUTPUT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "scrubber/rule_set.h"
#include "scrubber/status.h"
#include "scrubber/stream_scrubber.h"

#include "line_map.h"

namespace scrubber::tool {

// One finding of one input, with offsets into that input.
struct ScanFinding {
  std::string id;     // rule id, or the secret's name ("secret" for an unnamed one)
  bool rule = false;  // a key-shape rule, not a known secret
  uint64_t start = 0;
  uint64_t end = 0;
  TextPosition begin;   // of `start`
  TextPosition finish;  // LineMap::LocateEnd(start, end)
};

class FindingWriter {
 public:
  virtual ~FindingWriter() = default;
  // `file` is the input as named on the command line ("-" for stdin).
  // Findings come in order of file, then offset.
  virtual Status Add(std::string_view file, const ScanFinding& finding) = 0;
  // After the last input; `complete` is false when an input failed.
  virtual Status Finish(bool complete) = 0;
};

// {"file","line","column","rule","kind","length"} per line, written at once.
std::unique_ptr<FindingWriter> NewJsonLinesWriter(ByteSink* out);

// One SARIF log at Finish: the rules in effect (and the names of the
// secrets found) as the tool's rules, one result per finding.
std::unique_ptr<FindingWriter> NewSarifWriter(const RuleSet& rules, ByteSink* out);

}  // namespace scrubber::tool

#endif  // SCRUBBER_TOOL_SCAN_OUTPUT_H_
