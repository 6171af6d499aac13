// The compiled state behind a Scrubber, shared read-only by its streams and
// by the reference scrubber.
#ifndef SCRUBBER_SRC_SCRUBBER_IMPL_H_
#define SCRUBBER_SRC_SCRUBBER_IMPL_H_

#include <atomic>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "scrubber/scrubber.h"

#include "literal_matcher.h"
#include "literal_table.h"
#include "rule_engine.h"

namespace scrubber {

// Reserved label ids; secret names follow.
inline constexpr uint32_t kAddMaskLabel = 0;    // values from ::add-mask:: lines
inline constexpr uint32_t kScanErrorLabel = 1;  // bytes withheld after an engine failure

class Scrubber::Impl {
 public:
  ScrubOptions options;
  Engine engine = Engine::kRe2;
  std::vector<std::string> labels;
  LiteralTable literals;
  std::unique_ptr<LiteralMatcher> matcher;  // null when there are no literals
  std::unique_ptr<RuleEngine> rules;        // null when there are no rules
  std::vector<std::string> warnings;
  size_t secrets_loaded = 0;
  std::vector<SkippedSecret> skipped;
  bool hyperscan_literals = false;  // literals end up on Hyperscan

  // The background compile: `upgrade` is published once `upgrade_owner` is
  // set; streams poll it between writes. The future joins in ~Impl.
  std::atomic<const LiteralMatcher*> upgrade{nullptr};
  std::unique_ptr<LiteralMatcher> upgrade_owner;
  Status upgrade_status;
  std::future<void> compiling;
};

}  // namespace scrubber

#endif  // SCRUBBER_SRC_SCRUBBER_IMPL_H_
