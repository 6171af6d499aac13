// Key-shape rules in a stream. The idea: a rule is searched only around its
// keywords, in a window of bounded size, so the cost follows the keywords
// and the memory follows max_length, whatever the input.
//
// A keyword occurrence at k opens a search at s' = max(s, k - lead) (moved
// past a line break for single-line rules). RE2 looks leftmost-first for a
// match that starts in [s', s' + max_length], seeing the bytes from s' - 1
// (context for \b) to the window's end: the end of the line, or s' + 2 *
// max_length + 1. A multi-line rule grows its window line by line (first
// the line that ends past s' + 64, then past s' + 128, ...) and takes the
// first match that ends before the window does, so that the text after a
// PEM block is not held until the whole bound has been read. Every window
// end is fixed by the text alone, never by where reads were cut, which is
// what keeps the output the same for every chunking.
#include "rule_engine.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include <re2/re2.h>

namespace scrubber {
namespace {

constexpr uint64_t kFirstMultilineWindow = 64;

bool IsBreak(char c) {
  return c == '\n' || c == '\r';
}

std::string Fold(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(FoldByte(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

CompiledRule::CompiledRule() = default;
CompiledRule::~CompiledRule() = default;
CompiledRule::CompiledRule(CompiledRule&&) noexcept = default;
CompiledRule& CompiledRule::operator=(CompiledRule&&) noexcept = default;

double ShannonEntropy(std::string_view bytes) {
  if (bytes.empty()) {
    return 0;
  }
  std::array<uint32_t, 256> counts{};
  for (unsigned char c : bytes) {
    ++counts[c];
  }
  double h = 0;
  double n = static_cast<double>(bytes.size());
  for (uint32_t c : counts) {
    if (c > 0) {
      double p = c / n;
      h -= p * std::log2(p);
    }
  }
  return h;
}

Result<std::unique_ptr<RuleEngine>> RuleEngine::Compile(const RuleSet& rules,
                                                        Engine engine,
                                                        std::vector<std::string>* labels) {
  auto out = std::make_unique<RuleEngine>();
  std::unordered_map<std::string, uint32_t> keyword_ids;
  for (const Rule& rule : rules.rules()) {
    CompiledRule c;
    c.rule = rule;
    RE2::Options options;
    options.set_encoding(RE2::Options::EncodingLatin1);
    options.set_log_errors(false);
    c.re = std::make_unique<RE2>(rule.regex, options);
    if (!c.re->ok()) {
      return InvalidInput(rule.source + ": rule '" + rule.id + "': regex: " + c.re->error());
    }
    if (!rule.group.empty()) {
      if (std::all_of(rule.group.begin(), rule.group.end(),
                      [](char ch) { return ch >= '0' && ch <= '9'; })) {
        c.group = std::stoi(rule.group);
      } else {
        auto it = c.re->NamedCapturingGroups().find(rule.group);
        if (it == c.re->NamedCapturingGroups().end()) {
          return InvalidInput(rule.source + ": rule '" + rule.id + "': no group '" + rule.group +
                              "'");
        }
        c.group = it->second;
      }
    }
    c.caseless = rule.regex.starts_with("(?i)");
    c.label = static_cast<uint32_t>(labels->size());
    labels->push_back(rule.id);
    c.max_length = rule.max_length;
    c.lead = std::min(rule.lead, rule.max_length);
    c.multiline = rule.multiline;
    c.anywhere = rule.keywords.empty();
    auto id = static_cast<uint32_t>(out->rules_.size());
    for (const std::string& k : rule.keywords) {
      std::string text = c.caseless ? Fold(k) : k;
      std::string key = (c.caseless ? "i:" : "e:") + text;
      auto [it, inserted] =
          keyword_ids.try_emplace(key, static_cast<uint32_t>(out->keywords_.size()));
      if (inserted) {
        out->keywords_.push_back({text, c.caseless, {}});
      }
      std::vector<uint32_t>& owners = out->keywords_[it->second].rules;
      if (owners.empty() || owners.back() != id) {
        owners.push_back(id);
      }
      auto& prefixes = c.caseless ? out->folded_prefixes_ : out->exact_prefixes_;
      for (size_t n = 1; n < text.size(); ++n) {
        std::vector<uint32_t>& ids = prefixes[text.substr(0, n)];
        if (ids.empty() || ids.back() != id) {
          ids.push_back(id);
        }
      }
      out->longest_keyword_ = std::max(out->longest_keyword_, text.size());
      out->first_bytes_[FoldByte(static_cast<unsigned char>(text.front()))] = true;
      c.longest_keyword = std::max(c.longest_keyword, text.size());
    }
    out->max_window_ = std::max(out->max_window_, 2 * c.max_length + c.lead + 2);
    out->rules_.push_back(std::move(c));
  }
  if (engine == Engine::kHyperscan && !out->keywords_.empty()) {
    auto hs = CompileHyperscanKeywords(&out->keywords_);
    if (hs.ok()) {
      out->matcher_ = std::move(hs.value());
      out->keyword_engine_ = "hyperscan";
    }
  }
  if (out->matcher_ == nullptr) {
    out->matcher_ = NewPortableKeywordMatcher(&out->keywords_);
  }
  return out;
}

uint64_t RuleEngine::OpenAt(const CompiledRule& r,
                            const TextView& text,
                            uint64_t s,
                            uint64_t k) const {
  uint64_t start = std::max(s, k >= r.lead ? k - r.lead : 0);
  if (!r.multiline) {
    for (uint64_t pos = k; pos > start; --pos) {
      if (IsBreak(text.at(pos - 1))) {
        return pos;
      }
    }
  }
  return start;
}

bool RuleEngine::Evaluate(const CompiledRule& r,
                          const TextView& text,
                          uint64_t cl,
                          uint64_t start,
                          uint64_t cap,
                          SearchResult* out) const {
  re2::StringPiece piece(text.bytes.data() + (cl - text.base), cap - cl);
  int n = r.group + 1;
  std::vector<re2::StringPiece> sub(static_cast<size_t>(n));
  if (!r.re->Match(piece, start - cl, piece.size(), RE2::UNANCHORED, sub.data(), n)) {
    return false;
  }
  uint64_t p = cl + static_cast<uint64_t>(sub[0].data() - piece.data());
  if (p > start + r.max_length) {
    return false;
  }
  out->kind = SearchResult::kMatch;
  out->match_start = p;
  out->match_end = p + sub[0].size();
  const re2::StringPiece g = sub[static_cast<size_t>(r.group)];
  if (g.data() == nullptr) {
    out->span_start = out->span_end = out->match_end;
  } else {
    out->span_start = cl + static_cast<uint64_t>(g.data() - piece.data());
    out->span_end = out->span_start + g.size();
  }
  return true;
}

// LIMITATION(rule-window): RE2 sees at most 2 * max_length + 2 bytes, so a
// regex that can match more is cut at the window's end.
SearchResult RuleEngine::Run(const CompiledRule& r, const TextView& text, Search* search) const {
  SearchResult res;
  const uint64_t start = search->start;
  const uint64_t cap_limit = start + 2 * r.max_length + 1;
  uint64_t cl = start;
  if (start > 0 && (r.multiline || !IsBreak(text.at(start - 1)))) {
    cl = start - 1;
  }
  const uint64_t limit = std::min(text.end(), cap_limit);
  uint64_t cap = 0;
  if (!r.multiline) {
    uint64_t pos = std::max(search->checked, start);
    while (pos < limit && !IsBreak(text.at(pos))) {
      ++pos;
    }
    search->checked = pos;
    if (pos < limit) {
      cap = pos;
    } else if (text.end() >= cap_limit || text.final) {
      cap = limit;
    } else {
      return res;  // kNeedMore
    }
  } else {
    // LIMITATION(multiline-first-complete-match): the first match that ends
    // before a window's end is taken; for lazy patterns that is RE2's match.
    for (;; ++search->step) {
      uint64_t target = start + (kFirstMultilineWindow << search->step);
      if (target >= cap_limit) {
        break;
      }
      uint64_t pos = std::max(target - 1, search->checked);
      while (pos < limit && text.at(pos) != '\n') {
        ++pos;
      }
      if (pos >= limit) {
        search->checked = limit;
        break;
      }
      search->checked = pos;
      uint64_t window_end = pos + 1;
      if (window_end >= cap_limit) {
        break;
      }
      SearchResult found;
      if (Evaluate(r, text, cl, start, window_end, &found) && found.match_end < window_end) {
        res = found;
        cap = window_end;
        break;
      }
    }
    if (res.kind != SearchResult::kMatch) {
      if (text.end() < cap_limit && !text.final) {
        return res;  // kNeedMore
      }
      cap = limit;
    }
  }
  if (res.kind != SearchResult::kMatch && !Evaluate(r, text, cl, start, cap, &res)) {
    res.kind = SearchResult::kNone;
    res.next = std::max(start + 1, std::min(start + r.max_length + 1, cap));
    return res;
  }
  std::string_view span =
      text.bytes.substr(res.span_start - text.base, res.span_end - res.span_start);
  res.accepted = res.match_end > res.match_start && !span.empty() &&
                 (r.rule.min_entropy <= 0 || ShannonEntropy(span) >= r.rule.min_entropy) &&
                 (r.rule.validate.empty() || RunValidator(r.rule.validate, span));
  res.next = res.accepted ? std::max(res.match_end, res.match_start + 1) : res.match_start + 1;
  return res;
}

void RuleEngine::HeldPrefixes(std::string_view tail, std::vector<size_t>* longest_by_rule) const {
  longest_by_rule->assign(rules_.size(), 0);
  size_t most = std::min(tail.size(), longest_keyword_ > 0 ? longest_keyword_ - 1 : 0);
  std::string key;
  for (size_t n = 1; n <= most; ++n) {
    std::string_view suffix = tail.substr(tail.size() - n);
    // Most suffixes start with a byte no keyword starts with.
    auto first = static_cast<unsigned char>(suffix.front());
    if (!first_bytes_[FoldByte(first)]) {
      continue;
    }
    key.assign(suffix);
    if (auto it = exact_prefixes_.find(key); it != exact_prefixes_.end()) {
      for (uint32_t id : it->second) {
        (*longest_by_rule)[id] = n;
      }
    }
    for (char& c : key) {
      c = static_cast<char>(FoldByte(static_cast<unsigned char>(c)));
    }
    if (auto it = folded_prefixes_.find(key); it != folded_prefixes_.end()) {
      for (uint32_t id : it->second) {
        (*longest_by_rule)[id] = n;
      }
    }
  }
}

RuleStream::RuleStream(const RuleEngine* engine) : engine_(engine) {
  states_.resize(engine->rules().size());
  auto scanner = engine->keyword_matcher().NewScanner();
  if (scanner.ok()) {
    scanner_ = std::move(scanner.value());
  }
}

RuleStream::~RuleStream() = default;

Status RuleStream::Feed(std::string_view bytes, std::vector<Redaction>* out) {
  if (scanner_ == nullptr) {
    return Internal("rules: cannot open a keyword scanner");
  }
  uint64_t fresh = end_;
  ctx_.append(bytes);
  end_ += bytes.size();
  for (size_t i = bytes.size(); i > 0; --i) {
    if (IsBreak(bytes[i - 1])) {
      line_start_ = fresh + i;
      break;
    }
  }
  hits_.clear();
  Status s = scanner_->Scan(ctx_, ctx_base_, fresh, &hits_);
  if (!s.ok()) {
    return s;
  }
  for (const KeywordHit& hit : hits_) {
    for (uint32_t id : engine_->keywords()[hit.keyword].rules) {
      State& st = states_[id];
      if (hit.start >= st.s) {
        st.pending.push_back(hit.start);
        std::push_heap(st.pending.begin(), st.pending.end(), std::greater<>());
      }
    }
  }
  for (uint32_t id = 0; id < states_.size(); ++id) {
    RunRule(id, false, out);
  }
  ComputeHold();
  Trim();
  return Status::Ok();
}

void RuleStream::Finalize(std::vector<Redaction>* out) {
  for (uint32_t id = 0; id < states_.size(); ++id) {
    RunRule(id, true, out);
    State& st = states_[id];
    st = State();
    st.s = end_;
  }
  line_start_ = end_;
  hold_ = end_;
  context_ = end_;
  Trim();
}

void RuleStream::RunRule(uint32_t id, bool final, std::vector<Redaction>* out) {
  const CompiledRule& r = engine_->rules()[id];
  State& st = states_[id];
  TextView text{ctx_, ctx_base_, final};
  for (;;) {
    if (!st.open) {
      uint64_t k = st.s;
      if (r.anywhere) {
        if (st.s >= end_) {
          return;
        }
      } else {
        while (!st.pending.empty() && st.pending.front() < st.s) {
          std::pop_heap(st.pending.begin(), st.pending.end(), std::greater<>());
          st.pending.pop_back();
        }
        if (st.pending.empty()) {
          return;
        }
        k = st.pending.front();
        if (!final && !KeywordsKnownBefore(r, k)) {
          return;
        }
      }
      st.search = Search{};
      st.search.start = engine_->OpenAt(r, text, st.s, k);
      st.search.checked = st.search.start;
      st.open = true;
    }
    SearchResult res = engine_->Run(r, text, &st.search);
    if (res.kind == SearchResult::kNeedMore) {
      return;
    }
    st.open = false;
    if (res.kind == SearchResult::kMatch && res.accepted && res.span_end > res.span_start) {
      out->push_back({res.span_start, res.span_end, res.span_end, r.label, false});
    }
    st.s = res.next;
  }
}

// True when every keyword of `r` that starts before `k` has been read:
// all of them end by k - 1 + the longest keyword, and none of a single-line
// rule runs over a line break.
bool RuleStream::KeywordsKnownBefore(const CompiledRule& r, uint64_t k) const {
  if (end_ + 1 >= k + r.longest_keyword) {
    return true;
  }
  if (r.multiline) {
    return false;
  }
  for (uint64_t pos = k; pos < end_; ++pos) {
    if (IsBreak(ctx_[pos - ctx_base_])) {
      return true;
    }
  }
  return false;
}

// LIMITATION(rule-partial-line-hold): an unfinished line with a keyword, or
// the last `lead` bytes of one, waits for its line end or --hold-ms.
void RuleStream::ComputeHold() {
  std::string_view tail(ctx_);
  tail.remove_prefix(tail.size() - std::min(tail.size(), engine_->longest_keyword()));
  engine_->HeldPrefixes(tail, &tails_);
  uint64_t hold = UINT64_MAX;
  uint64_t context = UINT64_MAX;
  for (uint32_t id = 0; id < states_.size(); ++id) {
    const CompiledRule& r = engine_->rules()[id];
    const State& st = states_[id];
    uint64_t h = 0;
    uint64_t c = 0;  // where the next search's OpenAt may look back to
    if (st.open) {
      h = c = st.search.start;
    } else if (r.anywhere) {
      h = c = st.s;
    } else {
      // The next search opens at a keyword read already (pending) or at one
      // whose first bytes end the text (tails_): a longer keyword may start
      // before a pending shorter one that it contains.
      uint64_t next_keyword = end_ - tails_[id];
      if (!st.pending.empty()) {
        next_keyword = std::min(next_keyword, st.pending.front());
      }
      h = c = std::max(st.s, next_keyword >= r.lead ? next_keyword - r.lead : 0);
      // No match starts before the line does, but OpenAt looks for that
      // line's start from k - lead back.
      if (!r.multiline && next_keyword >= line_start_) {
        h = std::max(h, line_start_);
      }
    }
    hold = std::min(hold, h);
    context = std::min(context, c);
  }
  hold_ = hold;
  context_ = context;
}

void RuleStream::Trim() {
  uint64_t keep =
      std::min(hold_ > 0 ? hold_ - 1 : 0,
               end_ >= engine_->longest_keyword() ? end_ - engine_->longest_keyword() : 0);
  keep = std::min(keep, end_);
  if (keep > ctx_base_) {
    ctx_.erase(0, keep - ctx_base_);
    ctx_base_ = keep;
  }
}

uint64_t RuleStream::HoldFrom() const {
  return hold_;
}

void ReferenceRuleRedactions(const RuleEngine& engine,
                             std::string_view text,
                             std::vector<Redaction>* out) {
  TextView view{text, 0, true};
  const uint64_t n = text.size();
  for (uint32_t id = 0; id < engine.rules().size(); ++id) {
    const CompiledRule& r = engine.rules()[id];
    std::vector<uint64_t> starts;
    for (const Keyword& k : engine.keywords()) {
      if (std::find(k.rules.begin(), k.rules.end(), id) == k.rules.end()) {
        continue;
      }
      for (uint64_t pos = 0; pos + k.text.size() <= n; ++pos) {
        if (KeywordAt(k, text.substr(pos))) {
          starts.push_back(pos);
        }
      }
    }
    std::sort(starts.begin(), starts.end());
    uint64_t s = 0;
    size_t i = 0;
    for (;;) {
      uint64_t k = s;
      if (r.anywhere) {
        if (s >= n) {
          break;
        }
      } else {
        while (i < starts.size() && starts[i] < s) {
          ++i;
        }
        if (i == starts.size()) {
          break;
        }
        k = starts[i];
      }
      Search search;
      search.start = engine.OpenAt(r, view, s, k);
      search.checked = search.start;
      SearchResult res = engine.Run(r, view, &search);
      if (res.kind == SearchResult::kMatch && res.accepted && res.span_end > res.span_start) {
        out->push_back({res.span_start, res.span_end, res.span_end, r.label, false});
      }
      s = res.next;
    }
  }
}

}  // namespace scrubber
