// The command line of `scrub`: raw option values as parsed (CLI11), and the
// step that validates them into a compiled Scrubber (DESIGN §3).
#ifndef SCRUBBER_TOOL_OPTIONS_H_
#define SCRUBBER_TOOL_OPTIONS_H_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "scrubber/rule_set.h"
#include "scrubber/scrubber.h"
#include "scrubber/status.h"

#include "diagnostics.h"

namespace CLI {
class App;
}  // namespace CLI

namespace scrubber::tool {

// Exit statuses of DESIGN §3.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRedacted = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitRuntime = 3;

struct RawOptions {
  std::vector<std::string> secret_files;
  std::vector<std::string> secrets_json;
  std::vector<std::string> secret_envs;
  bool secrets_from_env = false;
  std::vector<std::string> rule_files;  // --rules, in order
  bool no_default_rules = false;
  std::string mask = "***";
  bool label = false;
  bool preserve_length = false;
  std::string variants = "all";
  size_t min_secret_length = 4;
  std::string engine = "auto";
  int hold_ms = 250;
  std::string report;
  bool fail_on_redact = false;
  bool add_mask_commands = false;
  bool verbose = false;
  bool quiet = false;
  std::vector<std::string> inputs;
  // exec
  std::vector<std::string> command;
  bool no_add_mask_commands = false;
  int grace_ms = 2000;
  // archive
  std::string archive_in;
  std::string archive_out;
  uint64_t max_output_bytes = uint64_t{64} << 30;
  double max_ratio = 1000;
  uint64_t max_members = 100000;
  int max_depth = 3;
  // scan
  std::string scan_format = "jsonl";
  // rules: --engine, repeatable
  std::vector<std::string> rule_engines;
};

// Declares the options shared by the filter, exec, archive and scan.
void AddScrubOptions(CLI::App* app, RawOptions* raw);

// Declares --rules PATH (repeatable) and --no-default-rules.
void AddRuleOptions(CLI::App* app, RawOptions* raw);

// The rules in effect: the built-in set unless --no-default-rules, then
// each --rules file in order. An unreadable file or a malformed rule is an
// error naming the file (and the rule).
Result<RuleSet> LoadRules(const RawOptions& raw);

// Loads the secrets and the rules and compiles them. Warns about skipped
// secrets by name and source, and passes on the compiler's warnings. A bad
// option or an unreadable or malformed secret source or rule file is an
// error (exit 2) whose message names it. `rules`, when given, are used
// instead of LoadRules(raw) (a caller that needs them too loads them once).
Result<std::shared_ptr<const Scrubber>> BuildScrubber(const RawOptions& raw,
                                                      const Diagnostics& diag,
                                                      const RuleSet* rules = nullptr);

// Returns `code`, or ends the process with it at once while a background
// Hyperscan compile is still running: the work is done, and destroying a
// Scrubber would wait for a compile no one needs. REQUIRES: output flushed.
int FinishRun(int code, std::initializer_list<const Scrubber*> scrubbers);

}  // namespace scrubber::tool

#endif  // SCRUBBER_TOOL_OPTIONS_H_
