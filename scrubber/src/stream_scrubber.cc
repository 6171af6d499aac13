// StreamScrubber: the streaming loop. Each Write appends to a window that
// starts at the oldest byte some literal could still match through, scans
// the new bytes, adds the matches to the RedactionWriter, and writes out
// everything before the longest suffix that is still a proper prefix of a
// literal. That suffix is all that is carried to the next Write, so memory
// is bounded by the longest literal, and the output cannot depend on where
// the input was cut: a byte is written only once no future byte can change
// what is written for it.
#include "scrubber/stream_scrubber.h"

#include <algorithm>
#include <iterator>

#include "add_mask.h"
#include "hash_literal_matcher.h"
#include "literal_table.h"
#include "redaction_writer.h"
#include "rule_engine.h"
#include "scrubber_impl.h"

namespace scrubber {

void ScrubStats::Merge(const ScrubStats& other) {
  bytes_in += other.bytes_in;
  bytes_out += other.bytes_out;
  redactions += other.redactions;
  for (const auto& [id, n] : other.by_id) {
    by_id[id] += n;
  }
  forced_releases += other.forced_releases;
  masks_added += other.masks_added;
  masks_skipped.insert(masks_skipped.end(), other.masks_skipped.begin(), other.masks_skipped.end());
}

// Literals from ::add-mask:: lines, each live from the stream offset where
// its line ended. They are kept in levels, like a log-structured merge tree:
// an addition becomes a level of its own, and the two newest levels merge
// while the older is no larger than the newer. So each literal is rebuilt
// O(log n) times over n additions, and a scan visits O(log n) levels.
class DynamicLiterals {
 public:
  void Add(std::vector<VariantLiteral> literals, uint64_t active_from) {
    auto level = std::make_unique<Level>();
    for (VariantLiteral& v : literals) {
      level->added.emplace_back(std::move(v.bytes), active_from);
    }
    level->Build();
    levels_.push_back(std::move(level));
    while (levels_.size() >= 2 &&
           levels_[levels_.size() - 2]->added.size() <= levels_.back()->added.size()) {
      std::unique_ptr<Level> newer = std::move(levels_.back());
      levels_.pop_back();
      Level& older = *levels_.back();
      std::move(newer->added.begin(), newer->added.end(), std::back_inserter(older.added));
      older.Build();
    }
    max_length_ = 0;
    for (const auto& l : levels_) {
      max_length_ = std::max(max_length_, l->table.max_length());
    }
  }

  bool empty() const { return levels_.empty(); }
  size_t max_length() const { return max_length_; }

  size_t LongestHeldSuffix(std::string_view window) const {
    size_t hold = 0;
    for (const auto& l : levels_) {
      hold = std::max(hold, l->table.LongestHeldSuffix(window));
    }
    return hold;
  }

  void Find(std::string_view window,
            uint64_t base,
            std::vector<LiteralMatch>* scratch,
            std::vector<Redaction>* out) const {
    for (const auto& l : levels_) {
      scratch->clear();
      l->matcher->FindAll(window, base, scratch);
      for (const LiteralMatch& m : *scratch) {
        if (m.start >= l->active_from[m.literal]) {
          out->push_back({m.start, m.end, m.end, kAddMaskLabel, true});
        }
      }
    }
  }

 private:
  struct Level {
    std::vector<std::pair<std::string, uint64_t>> added;
    LiteralTable table;
    std::unique_ptr<HashLiteralMatcher> matcher;
    std::vector<uint64_t> active_from;  // by literal id: the earliest activation

    void Build() {
      matcher.reset();
      table = LiteralTable();
      for (const auto& [bytes, from] : added) {
        table.Add(bytes, kAddMaskLabel);
      }
      table.Finalize();
      active_from.assign(table.size(), UINT64_MAX);
      for (size_t i = 0; i < added.size(); ++i) {
        uint64_t& from = active_from[table.IdOfAdded(i)];
        from = std::min(from, added[i].second);
      }
      matcher = std::make_unique<HashLiteralMatcher>(&table);
    }
  };
  std::vector<std::unique_ptr<Level>> levels_;
  size_t max_length_ = 0;
};

class StreamScrubber::Impl final : public AddMaskFilter::Output {
 public:
  Impl(std::shared_ptr<const Scrubber> scrubber, ByteSink* sink)
      : owner_(std::move(scrubber)),
        s_(owner_->impl()),
        sink_(sink),
        writer_(MaskSpeller(&s_.options, &s_.labels)) {
    if (s_.matcher != nullptr) {
      auto scanner = s_.matcher->NewScanner();
      if (scanner.ok()) {
        scanner_ = std::move(scanner.value());
      } else {
        status_ = scanner.status();
      }
    }
    if (s_.rules != nullptr) {
      rules_ = std::make_unique<RuleStream>(s_.rules.get());
    }
  }

  Status Write(std::string_view bytes) {
    if (!status_.ok()) {
      return status_;
    }
    stats_.bytes_in += bytes.size();
    status_ = s_.options.add_mask_commands ? add_mask_.Feed(bytes, this) : Pass(bytes);
    return status_;
  }

  Status Flush() {
    if (!status_.ok()) {
      return status_;
    }
    status_ = add_mask_.Flush(this);
    if (status_.ok() && rules_ != nullptr) {
      redactions_.clear();
      rules_->Finalize(&redactions_);
      Report(0);
      writer_.Add(&redactions_);
    }
    if (status_.ok()) {
      // buf_ stays as context: a match that began before this point is still
      // found later and redacted from here on.
      status_ = writer_.EmitUpTo(end_, buf_, base_, sink_, &stats_);
    }
    return status_;
  }

  // LIMITATION(forced-release): bytes released here are written as they are;
  // a secret they begin is masked only from this point on.
  Status Release() {
    if (held() > 0) {
      ++stats_.forced_releases;
    }
    return Flush();
  }

  Status Finish() {
    if (status_.ok() && s_.options.add_mask_commands) {
      status_ = add_mask_.Finish(this);
    }
    return Flush();
  }

  size_t held() const { return static_cast<size_t>(end_ - writer_.emitted()) + add_mask_.held(); }

  size_t max_held() const {
    size_t longest = std::max(s_.literals.max_length(), dynamic_.max_length());
    if (s_.rules != nullptr) {
      longest = std::max(longest, s_.rules->max_window() + s_.rules->longest_keyword());
    }
    return (longest > 0 ? longest - 1 : 0) + kMaxAddMaskIndent + kAddMaskPrefix.size();
  }

  void set_finding_listener(std::function<void(const Finding&)> listener) {
    finding_listener_ = std::move(listener);
  }

  uint64_t settled() const {
    uint64_t at = std::min(base_, writer_.emitted());
    return rules_ != nullptr ? std::min(at, rules_->HoldFrom()) : at;
  }

  const ScrubStats& stats() const { return stats_; }

  // AddMaskFilter::Output: the bytes to scrub.
  Status Pass(std::string_view seg) override {
    if (seg.empty()) {
      return Status::Ok();
    }
    uint64_t fresh = end_;
    std::string_view window = seg;
    uint64_t base = fresh;
    if (!buf_.empty()) {
      buf_.append(seg);
      window = buf_;
      base = base_;
    }
    end_ += seg.size();
    redactions_.clear();
    if (!upgraded_) {
      fresh = MaybeUpgrade(base, fresh);
    }
    if (scanner_ != nullptr) {
      matches_.clear();
      Status s = scanner_->Scan(window, base, fresh, &matches_);
      if (!s.ok()) {
        return FailClosed(window, base, s);
      }
      for (const LiteralMatch& m : matches_) {
        redactions_.push_back({m.start, m.end, m.end, s_.literals.label(m.literal), false});
      }
    }
    size_t hold = s_.literals.LongestHeldSuffix(window);
    if (!dynamic_.empty()) {
      dynamic_.Find(window, base, &matches_, &redactions_);
      hold = std::max(hold, dynamic_.LongestHeldSuffix(window));
    }
    uint64_t keep_from = end_ - hold;
    if (rules_ != nullptr) {
      Status s = rules_->Feed(seg, &redactions_);
      if (!s.ok()) {
        return FailClosed(window, base, s);
      }
      // A rule's future match starts at or after its hold; never before
      // what is already kept.
      keep_from = std::max(std::min(keep_from, rules_->HoldFrom()), base);
    }
    Report(0);
    writer_.Add(&redactions_);
    Status s =
        writer_.EmitUpTo(std::max(keep_from, writer_.emitted()), window, base, sink_, &stats_);
    if (window.data() == buf_.data()) {
      buf_.erase(0, keep_from - base);
    } else {
      buf_.assign(window.substr(keep_from - base));
    }
    base_ = keep_from;
    return s;
  }

  // AddMaskFilter::Output: a value from a command line of this stream.
  Status AddMask(std::string_view value) override {
    if (listener_) {
      listener_(value);
    }
    return AddValue(value);
  }

  void set_mask_listener(std::function<void(std::string_view)> listener) {
    listener_ = std::move(listener);
  }

  Status AddValue(std::string_view value) {
    if (value.size() < s_.options.min_secret_length) {
      stats_.masks_skipped.push_back({"add-mask", "::add-mask:: line", value.size()});
      return Status::Ok();
    }
    ++stats_.masks_added;
    dynamic_.Add(EncodeVariants(value, s_.options.variants, s_.options.min_secret_length), end_);
    return Status::Ok();
  }

 private:
  // Moves to the engine a background compile produced, once it is ready.
  // The new scanner starts on the whole window: every match that can still
  // matter starts inside it. Returns where the scanner's new bytes begin.
  uint64_t MaybeUpgrade(uint64_t base, uint64_t fresh) {
    const LiteralMatcher* next = s_.upgrade.load(std::memory_order_acquire);
    if (next == nullptr) {
      return fresh;
    }
    upgraded_ = true;
    auto scanner = next->NewScanner();
    if (!scanner.ok()) {
      return fresh;  // stay on the hash engine: same output
    }
    scanner_ = std::move(scanner.value());
    return base;
  }

  // Tells the finding listener of redactions_[from...].
  void Report(size_t from) {
    if (!finding_listener_) {
      return;
    }
    for (size_t i = from; i < redactions_.size(); ++i) {
      const Redaction& r = redactions_[i];
      bool rule = s_.rules != nullptr && r.label >= s_.rules->rules().front().label && !r.dynamic &&
                  r.label <= s_.rules->rules().back().label;
      finding_listener_({s_.labels[r.label], r.start, r.end, rule});
    }
  }

  // Scanning failed: nothing about these bytes can be trusted, so they are
  // written as one redaction, never raw, and the stream stops.
  Status FailClosed(std::string_view window, uint64_t base, const Status& cause) {
    redactions_.clear();
    redactions_.push_back({base, end_, end_, kScanErrorLabel, false});
    writer_.Add(&redactions_);
    Status s = writer_.EmitUpTo(end_, window, base, sink_, &stats_);
    buf_.clear();
    base_ = end_;
    return s.ok() ? cause : s;
  }

  std::shared_ptr<const Scrubber> owner_;
  const Scrubber::Impl& s_;
  ByteSink* sink_;
  std::unique_ptr<LiteralScanner> scanner_;
  std::unique_ptr<RuleStream> rules_;
  std::function<void(const Finding&)> finding_listener_;
  RedactionWriter writer_;
  AddMaskFilter add_mask_;
  DynamicLiterals dynamic_;
  std::string buf_;  // stream bytes [base_, end_)
  uint64_t base_ = 0;
  uint64_t end_ = 0;
  std::vector<LiteralMatch> matches_;
  std::vector<Redaction> redactions_;
  Status status_;
  ScrubStats stats_;
  bool upgraded_ = false;
  std::function<void(std::string_view)> listener_;
};

StreamScrubber::StreamScrubber(std::shared_ptr<const Scrubber> scrubber, ByteSink* sink)
    : impl_(std::make_unique<Impl>(std::move(scrubber), sink)) {}
StreamScrubber::~StreamScrubber() = default;

Status StreamScrubber::Write(std::string_view bytes) {
  return impl_->Write(bytes);
}
Status StreamScrubber::Flush() {
  return impl_->Flush();
}
Status StreamScrubber::Release() {
  return impl_->Release();
}
Status StreamScrubber::Finish() {
  return impl_->Finish();
}
Status StreamScrubber::AddMask(std::string_view value) {
  return impl_->AddValue(value);
}
void StreamScrubber::set_mask_listener(std::function<void(std::string_view)> listener) {
  impl_->set_mask_listener(std::move(listener));
}
void StreamScrubber::set_finding_listener(std::function<void(const Finding&)> listener) {
  impl_->set_finding_listener(std::move(listener));
}
uint64_t StreamScrubber::settled() const {
  return impl_->settled();
}
size_t StreamScrubber::held() const {
  return impl_->held();
}
size_t StreamScrubber::max_held() const {
  return impl_->max_held();
}
const ScrubStats& StreamScrubber::stats() const {
  return impl_->stats();
}

Result<std::string> ScrubString(std::shared_ptr<const Scrubber> scrubber,
                                std::string_view input,
                                ScrubStats* stats) {
  StringSink sink;
  StreamScrubber stream(std::move(scrubber), &sink);
  Status s = stream.Write(input);
  if (s.ok()) {
    s = stream.Finish();
  }
  if (stats != nullptr) {
    *stats = stream.stats();
  }
  if (!s.ok()) {
    return s;
  }
  return std::move(sink.out);
}

}  // namespace scrubber
