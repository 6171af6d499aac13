// RedactionWriter: turns matches into output. It keeps the redacted
// intervals that are not fully written yet, merges those that overlap or
// touch, and writes the stream up to a given offset: raw bytes outside
// intervals, one mask where an interval begins (or one '*' per byte with
// preserve_length). An interval still open at that offset stays pending, and
// a later interval that touches it continues it without a second mask.
#ifndef SCRUBBER_SRC_REDACTION_WRITER_H_
#define SCRUBBER_SRC_REDACTION_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scrubber/scrubber.h"
#include "scrubber/stream_scrubber.h"

namespace scrubber {

// A redacted span with the label it would carry. Among spans that merge,
// the label comes from the one that starts first, then the longest, then a
// known secret before an ::add-mask:: value, then the first label id.
struct Redaction {
  uint64_t start;
  uint64_t end;        // grows as intervals merge
  uint64_t label_end;  // end of the match that gave the label
  uint32_t label;
  bool dynamic;  // the label's match came from an ::add-mask:: value
};

// True when `a` gives the label before `b` (see Redaction).
inline bool LabelsFirst(const Redaction& a, const Redaction& b) {
  if (a.start != b.start) {
    return a.start < b.start;
  }
  if (a.label_end != b.label_end) {
    return a.label_end > b.label_end;
  }
  if (a.dynamic != b.dynamic) {
    return !a.dynamic;
  }
  // Two ids for the same span (two rules, say): the first id, so that which
  // search finished first, which depends on the chunking, does not matter.
  return a.label < b.label;
}

// Writes `mask_start` once for a new interval and the per-byte stars; shared
// by the stream and the reference so that both spell masks alike.
class MaskSpeller {
 public:
  MaskSpeller(const ScrubOptions* options, const std::vector<std::string>* labels)
      : options_(options), labels_(labels) {}
  // The text written where an interval labelled `label` begins.
  std::string Begin(uint32_t label) const;
  bool per_byte() const { return options_->preserve_length; }
  const std::string& label_name(uint32_t label) const { return (*labels_)[label]; }

 private:
  const ScrubOptions* options_;
  const std::vector<std::string>* labels_;
};

class RedactionWriter {
 public:
  explicit RedactionWriter(MaskSpeller speller) : speller_(speller) {}

  // Adds redactions in any order. Each is clipped to start at emitted();
  // one that ends there or before is dropped.
  void Add(std::vector<Redaction>* redactions);

  // Writes the stream's bytes [emitted(), upto) to `sink`. `window` holds
  // stream offsets [base, base + window.size()) and must cover that range.
  Status EmitUpTo(
      uint64_t upto, std::string_view window, uint64_t base, ByteSink* sink, ScrubStats* stats);

  uint64_t emitted() const { return emitted_; }

 private:
  MaskSpeller speller_;
  std::vector<Redaction> pending_;  // sorted, disjoint, not touching
  std::vector<Redaction> merged_;   // scratch
  uint64_t emitted_ = 0;
  uint64_t last_mask_end_ = UINT64_MAX;
  std::string stars_;
};

}  // namespace scrubber

#endif  // SCRUBBER_SRC_REDACTION_WRITER_H_
