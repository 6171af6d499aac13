// RuleEngine: the compiled form of a RuleSet, and the search that defines
// what a rule matches (rule_set.h). The window functions here are the one
// definition of a search; the stream (RuleStream) and the reference both
// call them, and differ only in how they find keywords and when they have
// the bytes a window needs.
#ifndef SCRUBBER_SRC_RULE_ENGINE_H_
#define SCRUBBER_SRC_RULE_ENGINE_H_

#include <array>
#include <cassert>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "scrubber/rule_set.h"
#include "scrubber/scrubber.h"

#include "keyword_matcher.h"
#include "redaction_writer.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace scrubber {

struct CompiledRule {
  Rule rule;
  std::unique_ptr<re2::RE2> re;
  int group = 0;          // submatch index to redact
  bool caseless = false;  // keywords match in any case
  uint32_t label = 0;
  size_t max_length = 0;
  size_t lead = 0;
  bool multiline = false;
  bool anywhere = false;  // no keywords: every position opens a search
  size_t longest_keyword = 0;

  CompiledRule();
  ~CompiledRule();
  CompiledRule(CompiledRule&&) noexcept;
  CompiledRule& operator=(CompiledRule&&) noexcept;
};

// Stream bytes [base, base + bytes.size()), and whether the input ends there.
struct TextView {
  std::string_view bytes;
  uint64_t base = 0;
  bool final = false;
  uint64_t end() const { return base + bytes.size(); }
  // REQUIRES: base <= offset < end() (checked where asserts are on).
  char at(uint64_t offset) const {
    assert(offset >= base && offset < end());
    return bytes[offset - base];
  }
};

// An open search: where it starts, and progress kept between calls so a
// stream that waits for bytes does not redo work.
struct Search {
  uint64_t start = 0;    // s'
  uint64_t checked = 0;  // no line break in [start, checked)
  int step = 0;          // multi-line: the next window to try
};

struct SearchResult {
  enum Kind { kNeedMore, kMatch, kNone } kind = kNeedMore;
  uint64_t match_start = 0, match_end = 0;  // kMatch
  uint64_t span_start = 0, span_end = 0;    // kMatch: the group (empty if it did not take part)
  uint64_t next = 0;                        // where the rule's next search may begin
  bool accepted = false;                    // kMatch passed min_entropy and validate
};

class RuleEngine {
 public:
  // Compiles `rules`; labels for them are appended to `labels`. Hyperscan
  // serves the keywords when `engine` is kHyperscan.
  static Result<std::unique_ptr<RuleEngine>> Compile(const RuleSet& rules,
                                                     Engine engine,
                                                     std::vector<std::string>* labels);

  const std::vector<CompiledRule>& rules() const { return rules_; }
  const std::vector<Keyword>& keywords() const { return keywords_; }
  const KeywordMatcher& keyword_matcher() const { return *matcher_; }
  size_t longest_keyword() const { return longest_keyword_; }
  size_t max_window() const { return max_window_; }
  std::string_view keyword_engine() const { return keyword_engine_; }

  // The start s' of the search that keyword occurrence `k` opens for rule
  // `r` whose previous search left off at `s`. REQUIRES: k >= s, and `text`
  // holds [max(s, k - lead) - 1, k).
  uint64_t OpenAt(const CompiledRule& r, const TextView& text, uint64_t s, uint64_t k) const;

  // Runs search `search` of rule `r` as far as `text` allows.
  SearchResult Run(const CompiledRule& r, const TextView& text, Search* search) const;

  // Rule ids whose keywords have `suffix`'s bytes as a proper prefix, each
  // with the longest such suffix: for how much a stream must hold back.
  void HeldPrefixes(std::string_view tail, std::vector<size_t>* longest_by_rule) const;

 private:
  bool Evaluate(const CompiledRule& r,
                const TextView& text,
                uint64_t cl,
                uint64_t start,
                uint64_t cap,
                SearchResult* out) const;

  std::vector<CompiledRule> rules_;
  std::vector<Keyword> keywords_;
  std::unique_ptr<KeywordMatcher> matcher_;
  std::string_view keyword_engine_ = "portable";
  size_t longest_keyword_ = 0;
  size_t max_window_ = 0;
  // Proper prefixes of keywords (folded for caseless ones) to their rules.
  std::unordered_map<std::string, std::vector<uint32_t>> exact_prefixes_;
  std::unordered_map<std::string, std::vector<uint32_t>> folded_prefixes_;
  std::array<bool, 256> first_bytes_{};  // folded first bytes of keywords
};

double ShannonEntropy(std::string_view bytes);

// The key-shape part of one stream: keeps the bytes searches still need,
// finds keywords, runs searches as their bytes arrive.
class RuleStream {
 public:
  explicit RuleStream(const RuleEngine* engine);
  ~RuleStream();

  // Takes the stream's next bytes; appends what the rules redact.
  Status Feed(std::string_view bytes, std::vector<Redaction>* out);

  // Runs every open search as if the input ended here; later bytes start
  // afresh.
  void Finalize(std::vector<Redaction>* out);

  // No redaction found from now on starts before this offset.
  uint64_t HoldFrom() const;

 private:
  struct State {
    uint64_t s = 0;
    std::vector<uint64_t> pending;  // keyword starts >= s, a min-heap
    bool open = false;
    Search search;
  };
  void RunRule(uint32_t id, bool final, std::vector<Redaction>* out);
  bool KeywordsKnownBefore(const CompiledRule& r, uint64_t k) const;
  void ComputeHold();
  void Trim();

  const RuleEngine* engine_;
  std::unique_ptr<KeywordScanner> scanner_;
  std::vector<State> states_;
  std::string ctx_;  // stream bytes [ctx_base_, end_)
  uint64_t ctx_base_ = 0;
  uint64_t end_ = 0;
  uint64_t line_start_ = 0;  // just after the last line break read
  std::vector<KeywordHit> hits_;
  std::vector<size_t> tails_;
  uint64_t hold_ = 0;     // no redaction starts before it
  uint64_t context_ = 0;  // no search looks back before it
};

// Every redaction the rules make in a whole input, found the slow way: a
// naive keyword search and the search loop written out. For the reference.
void ReferenceRuleRedactions(const RuleEngine& engine,
                             std::string_view text,
                             std::vector<Redaction>* out);

}  // namespace scrubber

#endif  // SCRUBBER_SRC_RULE_ENGINE_H_
