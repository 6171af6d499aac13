// Scrubber: the compiled, immutable form of a secret set and its options. One
// Scrubber is shared by any number of StreamScrubbers (one per byte stream),
// across threads. Compile it once; open a stream per input.
//
//   SecretSet secrets;
//   secrets.AddLines(file_bytes, "secrets.txt");
//   ScrubOptions options;
//   auto compiled = Scrubber::Compile(secrets, options);
//   if (!compiled.ok()) { /* compiled.status().message() */ }
//   StreamScrubber stream(*compiled, sink);
#ifndef SCRUBBER_SCRUBBER_H_
#define SCRUBBER_SCRUBBER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scrubber/rule_set.h"
#include "scrubber/secret_set.h"
#include "scrubber/status.h"
#include "scrubber/variants.h"

namespace scrubber {

enum class Engine {
  kAuto,       // Hyperscan where the library is built in and the CPU supports it; literal
               // sets whose literals are all 11 bytes or longer go to the hash index,
               // which scans them faster
  kHyperscan,  // Hyperscan streaming databases
  kRe2,        // no Hyperscan: the portable engines (hash index for literals, RE2 for rules)
};

// Parses "auto", "hyperscan" or "re2".
Result<Engine> ParseEngine(std::string_view name);
std::string_view EngineName(Engine engine);
// True when this build and this CPU can run the Hyperscan engine.
bool HyperscanAvailable();
// How this process uses Hyperscan, when not in the ordinary way: a library
// that fails its self-test on this CPU is scanned through its AVX2 entry
// points, or not used. Empty when nothing is unusual.
std::string HyperscanNote();

struct ScrubOptions {
  std::string mask = "***";        // replaces each merged redacted interval
  bool label = false;              // write [REDACTED:<id>] instead of `mask`
  bool preserve_length = false;    // write one '*' per redacted byte
  bool add_mask_commands = false;  // honour ::add-mask::VALUE lines
  size_t min_secret_length = 4;    // secrets and variants shorter than this are not used
  VariantMask variants = VariantMask::All();
  Engine engine = Engine::kAuto;
  // With the Hyperscan engine, compile its database on a background thread
  // and let streams start at once on the hash engine, moving to Hyperscan
  // when it is ready. The output is the same either way; only the speed of
  // the first bytes differs. False: Compile returns once Hyperscan is ready.
  bool background_compile = true;
};

// Literal sets larger than this are served by the hash engine alone, even
// with --engine hyperscan: Hyperscan's compiler needs seconds and hundreds
// of MiB for them.
inline constexpr size_t kMaxHyperscanLiterals = 20000;

// A secret (or ::add-mask:: value) that was not used because it is shorter
// than the minimum length. Carries where it came from, never the value.
struct SkippedSecret {
  std::string name;
  std::string source;
  size_t length = 0;
};

class Scrubber {
 public:
  // Builds the literal tables and engine databases for `secrets` with all
  // their variants. Fails only on bad options or an engine failure.
  static Result<std::shared_ptr<const Scrubber>> Compile(const SecretSet& secrets,
                                                         const ScrubOptions& options);
  // The same, with key-shape rules. A rule's regex that RE2 rejects is an
  // error naming the rule; one Hyperscan rejects is served by RE2 alone and
  // listed in warnings().
  static Result<std::shared_ptr<const Scrubber>> Compile(const SecretSet& secrets,
                                                         const RuleSet& rules,
                                                         const ScrubOptions& options);

  ~Scrubber();
  Scrubber(const Scrubber&) = delete;
  Scrubber& operator=(const Scrubber&) = delete;

  const ScrubOptions& options() const;
  Engine engine() const;  // the engine chosen: never kAuto
  // "hyperscan" or "hash": what serves the literals once compiling is done.
  std::string_view literal_engine() const;
  // Blocks until a background compile has finished (at once if none).
  void WaitUntilCompiled() const;
  // True while a background compile is still running.
  bool compile_pending() const;
  // Why the background compile failed, if it did; streams then stay on
  // the hash engine, with the same output.
  Status background_status() const;
  size_t secrets_loaded() const;
  const std::vector<SkippedSecret>& skipped() const;
  size_t literal_count() const;  // distinct literals, variants included
  size_t rule_count() const;
  // Warnings from compiling (rule ids and what the engine said; no input).
  const std::vector<std::string>& warnings() const;
  size_t max_literal_length() const;

  class Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit Scrubber(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace scrubber

#endif  // SCRUBBER_SCRUBBER_H_
