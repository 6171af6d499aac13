// Scrubber::Compile: secrets to literals (with their variants) to an engine.
#include "scrubber/scrubber.h"

#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <map>

#include "hash_literal_matcher.h"
#include "hyperscan_literal_matcher.h"
#include "hyperscan_runtime.h"
#include "scrubber_impl.h"

namespace scrubber {

Result<Engine> ParseEngine(std::string_view name) {
  if (name == "auto") {
    return Engine::kAuto;
  }
  if (name == "hyperscan") {
    return Engine::kHyperscan;
  }
  if (name == "re2") {
    return Engine::kRe2;
  }
  return InvalidArgument("unknown engine '" + std::string(name) +
                         "' (expected auto, hyperscan or re2)");
}

std::string_view EngineName(Engine engine) {
  switch (engine) {
    case Engine::kAuto:
      return "auto";
    case Engine::kHyperscan:
      return "hyperscan";
    case Engine::kRe2:
      return "re2";
  }
  return "unknown";
}

bool HyperscanAvailable() {
  return HyperscanUsable();
}

std::string HyperscanNote() {
#if SCRUBBER_HAVE_HYPERSCAN
  return Hyperscan().note;
#else
  return "this build has no Hyperscan";
#endif
}

namespace {

// Vectorscan's pure-literal compiler rejects a literal whose first byte is
// NUL (it reads it as an empty string): such sets stay on the hash index.
bool AnyLiteralStartsWithNul(const LiteralTable& literals) {
  // Ids are bytewise ranks: a literal starting with NUL sorts first.
  return !literals.empty() && literals.literal(0).front() == '\0';
}

}  // namespace

Scrubber::Scrubber(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Scrubber::~Scrubber() = default;

const ScrubOptions& Scrubber::options() const {
  return impl_->options;
}
Engine Scrubber::engine() const {
  return impl_->engine;
}
size_t Scrubber::secrets_loaded() const {
  return impl_->secrets_loaded;
}
const std::vector<SkippedSecret>& Scrubber::skipped() const {
  return impl_->skipped;
}
size_t Scrubber::literal_count() const {
  return impl_->literals.size();
}
size_t Scrubber::rule_count() const {
  return impl_->rules == nullptr ? 0 : impl_->rules->rules().size();
}
const std::vector<std::string>& Scrubber::warnings() const {
  return impl_->warnings;
}
size_t Scrubber::max_literal_length() const {
  return impl_->literals.max_length();
}
std::string_view Scrubber::literal_engine() const {
  return impl_->hyperscan_literals ? "hyperscan" : "hash";
}

void Scrubber::WaitUntilCompiled() const {
  if (impl_->compiling.valid()) {
    impl_->compiling.wait();
  }
}

bool Scrubber::compile_pending() const {
  return impl_->compiling.valid() &&
         impl_->compiling.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
}

Status Scrubber::background_status() const {
  WaitUntilCompiled();
  return impl_->upgrade_status;
}

Result<std::shared_ptr<const Scrubber>> Scrubber::Compile(const SecretSet& secrets,
                                                          const ScrubOptions& options) {
  return Compile(secrets, RuleSet(), options);
}

Result<std::shared_ptr<const Scrubber>> Scrubber::Compile(const SecretSet& secrets,
                                                          const RuleSet& rules,
                                                          const ScrubOptions& options) {
  if (options.min_secret_length == 0) {
    return InvalidArgument("--min-secret-length must be at least 1");
  }
  Engine engine = options.engine;
  if (engine == Engine::kAuto) {
    engine = HyperscanUsable() ? Engine::kHyperscan : Engine::kRe2;
  } else if (engine == Engine::kHyperscan && !HyperscanUsable()) {
    return InvalidArgument(
        "--engine hyperscan: Hyperscan is not built in or this CPU cannot run it");
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->engine = engine;
  impl->labels = {"add-mask", "scan-error"};
  std::map<std::string, uint32_t, std::less<>> label_ids;
  for (const Secret& secret : secrets.secrets()) {
    if (secret.value.size() < options.min_secret_length) {
      impl->skipped.push_back({secret.name, secret.source, secret.value.size()});
      continue;
    }
    std::string name = secret.name.empty() ? "secret" : secret.name;
    auto [it, inserted] = label_ids.try_emplace(name, static_cast<uint32_t>(impl->labels.size()));
    if (inserted) {
      impl->labels.push_back(name);
    }
    for (const VariantLiteral& v :
         EncodeVariants(secret.value, options.variants, options.min_secret_length)) {
      impl->literals.Add(v.bytes, it->second);
    }
    ++impl->secrets_loaded;
  }
  impl->literals.Finalize();
  if (!rules.empty()) {
    auto engine_rules = RuleEngine::Compile(rules, engine, &impl->labels);
    if (!engine_rules.ok()) {
      return engine_rules.status();
    }
    impl->rules = std::move(engine_rules.value());
  }
  if (impl->literals.empty()) {
    return std::shared_ptr<const Scrubber>(new Scrubber(std::move(impl)));
  }
  // The hash index builds in milliseconds and, once its stride reaches 8
  // (every literal 11 bytes or longer), scans faster than Hyperscan does
  // (bench/README.md). Auto keeps Hyperscan for sets with shorter literals;
  // --engine hyperscan asks for it whatever the stride.
  auto hash = std::make_unique<HashLiteralMatcher>(&impl->literals);
  impl->hyperscan_literals = engine == Engine::kHyperscan &&
                             impl->literals.size() <= kMaxHyperscanLiterals &&
                             (options.engine == Engine::kHyperscan || hash->stride() < 8) &&
                             !AnyLiteralStartsWithNul(impl->literals);
  if (impl->hyperscan_literals && !options.background_compile) {
    auto matcher = CompileHyperscanLiterals(&impl->literals);
    if (!matcher.ok()) {
      return matcher.status();
    }
    impl->matcher = std::move(matcher.value());
    return std::shared_ptr<const Scrubber>(new Scrubber(std::move(impl)));
  }
  // Streams start on the hash index at once.
  impl->matcher = std::move(hash);
  if (impl->hyperscan_literals) {
    Impl* raw = impl.get();
    raw->compiling = std::async(std::launch::async, [raw] {
      // Process signals are for the caller's threads, which may wait for
      // them (scrub exec reads SIGCHLD from a signalfd): never this one.
      sigset_t all;
      sigfillset(&all);
      pthread_sigmask(SIG_BLOCK, &all, nullptr);
      auto matcher = CompileHyperscanLiterals(&raw->literals);
      if (!matcher.ok()) {
        raw->upgrade_status = matcher.status();
        return;
      }
      raw->upgrade_owner = std::move(matcher.value());
      raw->upgrade.store(raw->upgrade_owner.get(), std::memory_order_release);
    });
  }
  return std::shared_ptr<const Scrubber>(new Scrubber(std::move(impl)));
}

}  // namespace scrubber
