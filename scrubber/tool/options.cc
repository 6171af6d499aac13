// Option declarations and validation for `scrub`.
#include "options.h"

#include <chrono>
#include <cstdlib>
#include <string>

#include "scrubber/io/secret_sources.h"

#include <CLI/CLI.hpp>

namespace scrubber::tool {

void AddScrubOptions(CLI::App* app, RawOptions* raw) {
  // Each occurrence of a repeatable option takes exactly one value, so that
  // `--secret-file s.txt build.log` leaves build.log as an input.
  app->add_option("--secret-file", raw->secret_files, "File with one secret per line")
      ->type_name("PATH")
      ->allow_extra_args(false);
  app->add_option("--secrets-json", raw->secrets_json,
                  "JSON array of secrets, or object of name to secret")
      ->type_name("PATH")
      ->allow_extra_args(false);
  app->add_option("--secret-env", raw->secret_envs, "Environment variable holding a secret")
      ->type_name("NAME")
      ->allow_extra_args(false);
  app->add_flag("--secrets-from-env", raw->secrets_from_env,
                "Take every variable whose name looks secret (*TOKEN*, *PASSWORD*, ...)");
  app->add_option("--mask", raw->mask, "Text written for each redaction (default ***)");
  app->add_flag("--label", raw->label, "Write [REDACTED:<id>] instead of the mask");
  app->add_flag("--preserve-length", raw->preserve_length, "Write one * per redacted byte");
  app->add_option("--variants", raw->variants,
                  "Encodings to redact: all, or a list of raw,base64,base64url,percent,json,"
                  "xml,shell,lines");
  app->add_option("--min-secret-length", raw->min_secret_length,
                  "Ignore shorter secrets and variants (default 4)")
      ->check(CLI::Range(size_t{1}, size_t{1} << 20));
  app->add_option("--engine", raw->engine, "auto, hyperscan or re2 (default auto)");
  app->add_option("--hold-ms", raw->hold_ms,
                  "Release a held partial match after this many ms of quiet (default 250)")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--report", raw->report, "Write a JSON summary to PATH (- for stderr)")
      ->type_name("PATH");
  app->add_flag("--fail-on-redact", raw->fail_on_redact, "Exit 1 when anything was redacted");
  app->add_flag("--add-mask-commands", raw->add_mask_commands,
                "Honour ::add-mask::VALUE lines in the input");
  AddRuleOptions(app, raw);
  app->add_flag("-v,--verbose", raw->verbose, "Say more on stderr");
  app->add_flag("-q,--quiet", raw->quiet, "Only errors on stderr");
}

void AddRuleOptions(CLI::App* app, RawOptions* raw) {
  app->add_option("--rules", raw->rule_files, "JSON rule file of key shapes to redact; repeatable")
      ->type_name("PATH")
      ->allow_extra_args(false);
  app->add_flag("--no-default-rules", raw->no_default_rules,
                "Leave out the built-in key-shape rules");
}

Result<RuleSet> LoadRules(const RawOptions& raw) {
  RuleSet rules;
  if (!raw.no_default_rules) {
    Status s = rules.AddDefault();
    if (!s.ok()) {
      return s;
    }
  }
  for (const std::string& path : raw.rule_files) {
    auto json = io::ReadSmallFile(path);
    if (!json.ok()) {
      return json.status();
    }
    Status s = rules.AddJson(*json, path);
    if (!s.ok()) {
      return s;
    }
  }
  return rules;
}

Result<std::shared_ptr<const Scrubber>> BuildScrubber(const RawOptions& raw,
                                                      const Diagnostics& diag,
                                                      const RuleSet* rules) {
  ScrubOptions options;
  options.mask = raw.mask;
  options.label = raw.label;
  options.preserve_length = raw.preserve_length;
  options.add_mask_commands = raw.add_mask_commands;
  options.min_secret_length = raw.min_secret_length;
  auto variants = ParseVariantList(raw.variants);
  if (!variants.ok()) {
    return variants.status();
  }
  options.variants = *variants;
  auto engine = ParseEngine(raw.engine);
  if (!engine.ok()) {
    return engine.status();
  }
  options.engine = *engine;

  SecretSet secrets;
  for (const std::string& path : raw.secret_files) {
    Status s = io::LoadSecretFile(path, &secrets);
    if (!s.ok()) {
      return s;
    }
  }
  for (const std::string& path : raw.secrets_json) {
    Status s = io::LoadSecretsJson(path, &secrets);
    if (!s.ok()) {
      return s;
    }
  }
  for (const std::string& name : raw.secret_envs) {
    Status s = io::LoadSecretEnv(name, &secrets);
    if (!s.ok()) {
      return s;
    }
  }
  if (raw.secrets_from_env) {
    io::LoadSecretsFromEnv(&secrets);
  }

  RuleSet loaded;
  if (rules == nullptr) {
    auto from_files = LoadRules(raw);
    if (!from_files.ok()) {
      return from_files.status();
    }
    loaded = std::move(*from_files);
    rules = &loaded;
  }

  auto start = std::chrono::steady_clock::now();
  auto compiled = Scrubber::Compile(secrets, *rules, options);
  if (!compiled.ok()) {
    return compiled.status();
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const Scrubber& scrubber = **compiled;
  bool sources_given = !raw.secret_files.empty() || !raw.secrets_json.empty() ||
                       !raw.secret_envs.empty() || raw.secrets_from_env;
  // A typo in a CI setup must not pass secrets through in silence; the
  // rules still catch key shapes, but not the values the job meant.
  if (scrubber.secrets_loaded() == 0) {
    if (sources_given) {
      diag.Warning(scrubber.rule_count() > 0 ? "no secrets loaded: only key-shape rules will redact"
                                             : "no secrets loaded: nothing will be redacted");
    } else if (scrubber.rule_count() == 0 && !options.add_mask_commands) {
      diag.Warning("no secrets and no rules: nothing will be redacted");
    }
  }
  for (const std::string& warning : scrubber.warnings()) {
    diag.Warning(warning);
  }
  for (const SkippedSecret& skip : scrubber.skipped()) {
    std::string who = skip.name.empty() ? "a secret" : "secret '" + skip.name + "'";
    diag.Warning(who + " from " + skip.source + " is " + std::to_string(skip.length) +
                 " bytes, shorter than --min-secret-length " +
                 std::to_string(options.min_secret_length) + "; not used");
  }
  diag.Info("engine " + std::string(EngineName(scrubber.engine())) + " (literals on " +
            std::string(scrubber.literal_engine()) +
            (scrubber.compile_pending() ? ", compiling in the background" : "") +
            "): " + std::to_string(scrubber.secrets_loaded()) + " secrets, " +
            std::to_string(scrubber.literal_count()) + " literals, " +
            std::to_string(scrubber.rule_count()) + " rules, compiled in " +
            std::to_string(seconds) + " s");
  if (std::string note = HyperscanNote(); !note.empty()) {
    diag.Info(note);
  }
  return compiled;
}

int FinishRun(int code, std::initializer_list<const Scrubber*> scrubbers) {
  for (const Scrubber* scrubber : scrubbers) {
    if (scrubber->compile_pending()) {
      std::_Exit(code);
    }
  }
  return code;
}

}  // namespace scrubber::tool
