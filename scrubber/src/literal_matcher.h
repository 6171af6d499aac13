// LiteralMatcher: the engine interface for finding literals in a stream. A
// compiled matcher is immutable and shared; each stream opens its own
// scanner, which keeps whatever per-stream state the engine needs.
#ifndef SCRUBBER_SRC_LITERAL_MATCHER_H_
#define SCRUBBER_SRC_LITERAL_MATCHER_H_

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "scrubber/status.h"

namespace scrubber {

// One occurrence of literal `literal` at stream offsets [start, end).
struct LiteralMatch {
  uint64_t start;
  uint64_t end;
  uint32_t literal;
};

class LiteralScanner {
 public:
  virtual ~LiteralScanner() = default;
  // `window` holds the stream's bytes [base, base + window.size()); the bytes
  // from stream offset `fresh` on are new, everything before was passed
  // before. Appends every match that ends after `fresh` and starts at or
  // after `base` (it may also repeat matches already reported; callers
  // merge). The first call may pass fresh == base to have a new scanner take
  // over a stream midway: it then scans the whole window. On failure nothing
  // about the new bytes may be trusted.
  virtual Status Scan(std::string_view window,
                      uint64_t base,
                      uint64_t fresh,
                      std::vector<LiteralMatch>* out) = 0;
};

class LiteralMatcher {
 public:
  virtual ~LiteralMatcher() = default;
  virtual Result<std::unique_ptr<LiteralScanner>> NewScanner() const = 0;
};

}  // namespace scrubber

#endif  // SCRUBBER_SRC_LITERAL_MATCHER_H_
