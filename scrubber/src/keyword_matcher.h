// KeywordMatcher: finds the rules' keywords in a stream, the trigger for
// running a rule's regex (rule_set.h). Two engines: Hyperscan's literal
// compiler in streaming mode, and a portable one for --engine re2 that
// indexes keywords by their first two (case-folded) bytes.
// LIMITATION(hyperscan-keywords-only): rule regexes themselves run on RE2.
#ifndef SCRUBBER_SRC_KEYWORD_MATCHER_H_
#define SCRUBBER_SRC_KEYWORD_MATCHER_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scrubber/status.h"

namespace scrubber {

struct Keyword {
  std::string text;  // lower-cased when caseless
  bool caseless = false;
  std::vector<uint32_t> rules;  // the rules it triggers
};

// Keyword `keyword` at stream offsets [start, start + its length).
struct KeywordHit {
  uint64_t start;
  uint32_t keyword;
};

// ASCII lower case of a byte.
inline unsigned char FoldByte(unsigned char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c + 32) : c;
}

// True when `text` (at least keyword.text.size() bytes) starts with `keyword`.
bool KeywordAt(const Keyword& keyword, std::string_view text);

class KeywordScanner {
 public:
  virtual ~KeywordScanner() = default;
  // `window` holds stream offsets [base, base + size); bytes from `fresh` on
  // are new and `window` begins at least (longest keyword - 1) bytes before
  // `fresh` where the stream has them. Appends every occurrence that ends
  // after `fresh`, in no particular order.
  virtual Status Scan(std::string_view window,
                      uint64_t base,
                      uint64_t fresh,
                      std::vector<KeywordHit>* out) = 0;
};

class KeywordMatcher {
 public:
  virtual ~KeywordMatcher() = default;
  virtual Result<std::unique_ptr<KeywordScanner>> NewScanner() const = 0;
};

// The portable engine. `keywords` must outlive it.
std::unique_ptr<KeywordMatcher> NewPortableKeywordMatcher(const std::vector<Keyword>* keywords);

// The Hyperscan engine; an error when Hyperscan is not built in.
Result<std::unique_ptr<KeywordMatcher>> CompileHyperscanKeywords(
    const std::vector<Keyword>* keywords);

}  // namespace scrubber

#endif  // SCRUBBER_SRC_KEYWORD_MATCHER_H_
