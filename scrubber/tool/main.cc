// `scrub`: the command-line entry point. Parses the command line (CLI11)
// and dispatches; every failure ends as one line on stderr and an exit
// status from DESIGN §3.
#include <signal.h>

#include <iostream>

#include "archive_command.h"
#include "diagnostics.h"
#include "exec_command.h"
#include "filter_command.h"
#include "options.h"
#include "rules_command.h"
#include "scan_command.h"
#include "scrubber_config.h"
#include <CLI/CLI.hpp>

namespace {

constexpr const char* kDescription =
    "scrub: redact secrets from logs and build artifacts.\n"
    "Reads FILEs (or stdin) and writes them to stdout with every known secret, and its\n"
    "base64, percent, JSON, XML and shell encodings, replaced by a mask; key shapes\n"
    "(tokens, private keys, passwords in URLs) too, by the built-in rules.";

}  // namespace

int main(int argc, char** argv) {
  // A closed output pipe must end us quietly through EPIPE, not a signal.
  ::signal(SIGPIPE, SIG_IGN);  // NOLINT(cert-err33-c)

  using scrubber::tool::Diagnostics;
  using scrubber::tool::RawOptions;
  CLI::App app(kDescription, "scrub");
  app.set_version_flag("--version", std::string("scrub ") + SCRUBBER_VERSION);
  RawOptions raw;
  scrubber::tool::AddScrubOptions(&app, &raw);
  app.add_option("FILE", raw.inputs, "Inputs to scrub; none or - reads stdin");
  CLI::App* exec = app.add_subcommand(
      "exec", "Run CMD with its stdout and stderr scrubbed live; exit with its status");
  scrubber::tool::AddScrubOptions(exec, &raw);
  exec->add_flag("--no-add-mask-commands", raw.no_add_mask_commands,
                 "Pass ::add-mask:: lines through instead of honouring them");
  exec->add_option("--grace-ms", raw.grace_ms,
                   "After CMD exits, wait this long for output its children still write "
                   "(default 2000)")
      ->check(CLI::NonNegativeNumber);
  exec->add_option("CMD", raw.command, "The command and its arguments, after --")->required();

  CLI::App* archive = app.add_subcommand(
      "archive", "Scrub a .zst, .tar, .tar.gz, .tar.zst or .zip into the same format");
  scrubber::tool::AddScrubOptions(archive, &raw);
  archive->add_option("--max-output-bytes", raw.max_output_bytes,
                      "Fail when members expand past this many bytes in all (default 64 GiB)");
  archive
      ->add_option("--max-ratio", raw.max_ratio,
                   "Fail when the input expands more than this many times (default 1000)")
      ->check(CLI::PositiveNumber);
  archive->add_option("--max-members", raw.max_members,
                      "Fail past this many members (default 100000)");
  archive
      ->add_option("--max-depth", raw.max_depth,
                   "Scrub archives inside archives this deep (default 3)")
      ->check(CLI::NonNegativeNumber);
  archive->add_option("IN", raw.archive_in, "The archive to scrub")->required();
  archive->add_option("OUT", raw.archive_out, "Where to write the scrubbed archive")->required();

  CLI::App* scan = app.add_subcommand(
      "scan", "Find secrets and key shapes without rewriting: JSON Lines or SARIF on stdout");
  scrubber::tool::AddScrubOptions(scan, &raw);
  scan->add_option("--format", raw.scan_format, "jsonl (default) or sarif")
      ->check(CLI::IsMember({"jsonl", "sarif"}));
  scan->add_option("FILE", raw.inputs, "Inputs to scan, each on its own; none or - reads stdin");

  CLI::App* rules = app.add_subcommand(
      "rules", "List the key-shape rules in effect and test their examples and counter-examples");
  scrubber::tool::AddRuleOptions(rules, &raw);
  rules
      ->add_option("--engine", raw.rule_engines,
                   "Test on this engine: auto, hyperscan or re2; repeatable (default auto)")
      ->allow_extra_args(false);
  rules->add_flag("-v,--verbose", raw.verbose, "Say more on stderr");
  rules->add_flag("-q,--quiet", raw.quiet, "Only errors on stderr");
  Diagnostics diag;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return scrubber::tool::kExitOk;
  } catch (const CLI::CallForVersion&) {
    std::cout << app.version() << "\n";
    return scrubber::tool::kExitOk;
  } catch (const CLI::ParseError& e) {
    diag.Error(std::string(e.what()) + " (see scrub --help)");
    return scrubber::tool::kExitUsage;
  }
  if (raw.quiet) {
    diag.set_verbosity(scrubber::tool::Verbosity::kQuiet);
  } else if (raw.verbose) {
    diag.set_verbosity(scrubber::tool::Verbosity::kVerbose);
  }
  if (scan->parsed()) {
    return scrubber::tool::RunScan(raw, diag);
  }
  if (rules->parsed()) {
    return scrubber::tool::RunRules(raw, diag);
  }
  if (archive->parsed()) {
    return scrubber::tool::RunArchive(raw, diag);
  }
  if (exec->parsed()) {
    return scrubber::tool::RunExec(raw, diag);
  }
  return scrubber::tool::RunFilter(raw, diag);
}
