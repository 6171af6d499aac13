// Job: the document a job is described by (DESIGN §6), whether read from
// `--job FILE` or fetched from the control plane: steps to run, each with
// its argv, environment (literals or vault selectors), directory and
// timeout, and the artifacts to collect. ParseJob checks the whole document
// before anything runs; ResolveEnv reads the vault for one step.
#ifndef SCRUBBER_AGENT_JOB_H_
#define SCRUBBER_AGENT_JOB_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/vault.h"
#include "scrubber/status.h"

namespace scrubber::agent {

struct EnvValue {
  std::string literal;  // the value, when `vault` is empty
  std::string vault;    // a selector (TYPE.path or UUID.path), or empty for a literal
};

struct Step {
  std::string name;              // unique; usable as a file name (logs/<name>.log)
  std::vector<std::string> run;  // argv, non-empty
  std::vector<std::pair<std::string, EnvValue>> env;  // in document order, names unique
  std::string cwd;                                    // empty: the agent's
  int timeout_s = 0;                                  // 0: none
};

struct Job {
  std::string id;  // may be empty for a local --job file
  std::vector<Step> steps;
  std::vector<std::string> artifacts;  // paths or globs, as written
};

// Parses and checks a job document:
//   {"id": string?, "steps": [step, ...] (non-empty), "artifacts": [string]?}
//   step: {"name": string, "run": [string, ...], "env": {NAME: string |
//          {"vault": string}}?, "cwd": string?, "timeout_s": integer?}
// Step names are non-empty, unique, at most 100 bytes, hold no '/', NUL or
// other control character and are not "." or ".."; `run` is a non-empty
// array of strings whose first is non-empty; env names match
// [A-Za-z_][A-Za-z0-9_]* and appear once; a selector is non-empty;
// timeout_s is a positive integer up to 2^31-1. Unknown or repeated members
// are errors at every level. Errors are InvalidInput naming `source`, the
// step (number from 1, and name when known) and the member:
// "job.json: step 2 ('build'): 'run' must be a non-empty array of strings".
// Literal env values never appear in messages.
Result<Job> ParseJob(std::string_view json, std::string_view source);

// The step's environment with vault selectors replaced by their values, in
// the step's order. Errors (InvalidArgument) name the step, the variable
// and the vault's problem with the selector, never a value.
Result<std::vector<std::pair<std::string, std::string>>> ResolveEnv(const Step& step,
                                                                    const Vault& vault);

}  // namespace scrubber::agent

#endif  // SCRUBBER_AGENT_JOB_H_
