// `scrub rules`: the listing, then each rule's examples run through a
// Scrubber compiled from that rule alone, so that a failure is the rule's
// own (another rule cannot redact its example, nor hide a counter-example
// it wrongly redacts).
#include "rules_command.h"

#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "scrubber/io/fd_io.h"
#include "scrubber/stream_scrubber.h"

namespace scrubber::tool {
namespace {

constexpr int kExitExampleFailed = 1;

// A description is one line by contract; keep the listing's columns even
// when a file breaks it.
std::string OneLine(std::string text) {
  std::replace_if(
      text.begin(), text.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; }, ' ');
  return text;
}

std::string Count(size_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

struct EngineChoice {
  std::string name;  // as asked for, for messages
  Engine engine;
};

Result<std::shared_ptr<const Scrubber>> CompileAlone(const RuleSet& rules, Engine engine) {
  ScrubOptions options;
  options.engine = engine;
  options.background_compile = false;  // check the engine asked for, not its stand-in
  return Scrubber::Compile(SecretSet(), rules, options);
}

// Checks one rule on one engine; reports each failure. Returns the number
// of failures, or the compile error.
Result<size_t> CheckRule(const Rule& rule,
                         const EngineChoice& choice,
                         bool name_engine,
                         const Diagnostics& diag) {
  RuleSet alone;
  Status added = alone.Add(rule);
  if (!added.ok()) {
    return added;
  }
  auto scrubber = CompileAlone(alone, choice.engine);
  if (!scrubber.ok()) {
    return scrubber.status();
  }
  for (const std::string& warning : (*scrubber)->warnings()) {
    diag.Warning(warning);
  }
  std::string where = name_engine ? " on " + choice.name : "";
  size_t failures = 0;
  auto fail = [&](const std::string& what, size_t index, const std::string& problem) {
    diag.Error("rule '" + rule.id + "': " + what + " " + std::to_string(index) + " " + problem +
               where);
    ++failures;
  };
  for (size_t i = 0; i < rule.examples.size(); ++i) {
    ScrubStats stats;
    auto out = ScrubString(*scrubber, rule.examples[i], &stats);
    if (!out.ok()) {
      fail("example", i, "could not be scrubbed: " + out.status().message());
    } else if (stats.by_id[rule.id] == 0) {
      fail("example", i, "is not redacted");
    }
  }
  for (size_t i = 0; i < rule.counter_examples.size(); ++i) {
    auto out = ScrubString(*scrubber, rule.counter_examples[i]);
    if (!out.ok()) {
      fail("counter-example", i, "could not be scrubbed: " + out.status().message());
    } else if (*out != rule.counter_examples[i]) {
      fail("counter-example", i, "is redacted");
    }
  }
  return failures;
}

Result<std::vector<EngineChoice>> ParseEngines(const RawOptions& raw) {
  std::vector<std::string> names = raw.rule_engines;
  if (names.empty()) {
    names.emplace_back("auto");
  }
  std::vector<EngineChoice> engines;
  for (const std::string& name : names) {
    auto engine = ParseEngine(name);
    if (!engine.ok()) {
      return engine.status();
    }
    bool seen = std::any_of(engines.begin(), engines.end(),
                            [&](const EngineChoice& e) { return e.name == name; });
    if (seen) {
      continue;
    }
    // An engine this build or CPU cannot run is a usage error even with no
    // rule to check.
    auto probe = CompileAlone(RuleSet(), *engine);
    if (!probe.ok()) {
      return probe.status();
    }
    engines.push_back({name, *engine});
  }
  return engines;
}

Status List(const RuleSet& rules, io::FdSink* out) {
  for (const Rule& rule : rules.rules()) {
    Status s = out->Write(rule.id + "\t" + rule.source + "\t" + OneLine(rule.description) + "\n");
    if (!s.ok()) {
      return s;
    }
  }
  return out->Flush();
}

}  // namespace

int RunRules(const RawOptions& raw, const Diagnostics& diag) {
  auto rules = LoadRules(raw);
  if (!rules.ok()) {
    diag.Error(rules.status().message());
    return kExitUsage;
  }
  auto engines = ParseEngines(raw);
  if (!engines.ok()) {
    diag.Error(engines.status().message());
    return kExitUsage;
  }
  io::FdSink out(STDOUT_FILENO, "stdout");
  Status listed = List(*rules, &out);
  // A reader that went away (`scrub rules | head`) still gets the checks.
  if (!listed.ok() && !out.broken_pipe()) {
    diag.Error(listed.message());
    return kExitRuntime;
  }
  size_t failures = 0;
  size_t examples = 0;
  size_t counter_examples = 0;
  for (const Rule& rule : rules->rules()) {
    for (const EngineChoice& choice : *engines) {
      auto failed = CheckRule(rule, choice, engines->size() > 1, diag);
      if (!failed.ok()) {
        diag.Error(failed.status().message());
        return kExitUsage;
      }
      failures += *failed;
    }
    examples += rule.examples.size();
    counter_examples += rule.counter_examples.size();
  }
  if (failures > 0) {
    return kExitExampleFailed;
  }
  diag.Note(Count(rules->rules().size(), "rule") + "; " + Count(examples, "example") + " and " +
            Count(counter_examples, "counter-example") + " pass");
  return kExitOk;
}

}  // namespace scrubber::tool
