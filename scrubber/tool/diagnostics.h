// Diagnostics for the `scrub` tool: one line per message on stderr, prefixed
// with the program's name, filtered by -q / -v. Messages never carry input
// bytes or secret values.
#ifndef SCRUBBER_TOOL_DIAGNOSTICS_H_
#define SCRUBBER_TOOL_DIAGNOSTICS_H_

#include <string_view>

namespace scrubber::tool {

enum class Verbosity { kQuiet = 0, kNormal = 1, kVerbose = 2 };

class Diagnostics {
 public:
  void set_verbosity(Verbosity v) { verbosity_ = v; }
  void Error(std::string_view message) const;    // always shown
  void Warning(std::string_view message) const;  // hidden by -q
  void Note(std::string_view message) const;     // a summary line; hidden by -q
  void Info(std::string_view message) const;     // shown with -v

 private:
  Verbosity verbosity_ = Verbosity::kNormal;
};

}  // namespace scrubber::tool

#endif  // SCRUBBER_TOOL_DIAGNOSTICS_H_
