// StreamScrubber: redacts one byte stream as it is written, in any chunking.
//
// The output is the same however the input is split into Write calls: a
// byte is held back only while some literal could still match through it
// (a suffix of what was read is a proper prefix of a literal), or while it
// may start an ::add-mask:: line; every other byte reaches the sink before
// Write returns. Memory is bounded by the longest literal, not the input.
//
// Not thread-safe: one StreamScrubber per stream. Many may share a Scrubber.
#ifndef SCRUBBER_STREAM_SCRUBBER_H_
#define SCRUBBER_STREAM_SCRUBBER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scrubber/scrubber.h"
#include "scrubber/status.h"

namespace scrubber {

// Where scrubbed bytes go. A failed Write stops the stream: the
// StreamScrubber returns that Status from then on.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Status Write(std::string_view bytes) = 0;
};

// A ByteSink that appends to a string it owns.
class StringSink final : public ByteSink {
 public:
  Status Write(std::string_view bytes) override {
    out.append(bytes);
    return Status::Ok();
  }
  std::string out;
};

// Counters for the report. Never holds a secret: ids are rule ids or secret
// names ("secret" for an unnamed one).
struct ScrubStats {
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  uint64_t redactions = 0;                   // merged intervals written as masks
  std::map<std::string, uint64_t> by_id;     // redactions by label id
  uint64_t forced_releases = 0;              // held bytes released by Release()
  uint64_t masks_added = 0;                  // ::add-mask:: values taken
  std::vector<SkippedSecret> masks_skipped;  // ::add-mask:: values too short

  void Merge(const ScrubStats& other);
};

// One match, before intervals merge: what `scrub scan` reports. Offsets
// count the bytes of the scrubbed text (::add-mask:: lines, when honoured,
// are not part of it). `id` is a rule id or a secret's name ("secret" for an
// unnamed one, "add-mask" for an ::add-mask:: value); it lives as long as the
// Scrubber. Never the matched bytes.
struct Finding {
  std::string_view id;
  uint64_t start = 0;
  uint64_t end = 0;
  bool rule = false;  // a key-shape rule, not a known secret
};

class StreamScrubber {
 public:
  // `scrubber` must outlive nothing: it is shared. `sink` must outlive this.
  StreamScrubber(std::shared_ptr<const Scrubber> scrubber, ByteSink* sink);
  ~StreamScrubber();
  StreamScrubber(const StreamScrubber&) = delete;
  StreamScrubber& operator=(const StreamScrubber&) = delete;

  // Scrubs `bytes` and writes every byte that can no longer be part of a
  // match. On an engine failure the chunk is written masked, never raw.
  Status Write(std::string_view bytes);

  // Scrubs what is held as if the input ended here, and writes it. The
  // stream goes on: later matches that began before this point are redacted
  // from this point on.
  Status Flush();

  // Like Flush, for a caller whose input went quiet (--hold-ms): counted in
  // stats().forced_releases when a partial match was held.
  Status Release();

  // End of input: flushes. No Write may follow.
  Status Finish();

  // Masks `value` (with its variants) in everything written from now on, as
  // an ::add-mask:: line would. Values shorter than the minimum length are
  // counted in stats().masks_skipped and not used.
  Status AddMask(std::string_view value);

  // Called with each value an ::add-mask:: line of this stream adds (not
  // with values given to AddMask), so that a sibling stream can take it too.
  void set_mask_listener(std::function<void(std::string_view value)> listener);

  // Called with every match as it is found, in no particular order; each
  // starts at or after the settled() offset of the moment.
  void set_finding_listener(std::function<void(const Finding&)> listener);

  // No finding reported from now on starts before this offset.
  uint64_t settled() const;

  // Bytes read but not yet written (a partial match, an ::add-mask:: prefix).
  size_t held() const;
  // The largest number of bytes this stream can hold, whatever the input.
  size_t max_held() const;

  const ScrubStats& stats() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Scrubs a whole input in one call with a StreamScrubber (one Write, then
// Finish). Convenience for tests and small inputs.
Result<std::string> ScrubString(std::shared_ptr<const Scrubber> scrubber,
                                std::string_view input,
                                ScrubStats* stats = nullptr);

}  // namespace scrubber

#endif  // SCRUBBER_STREAM_SCRUBBER_H_
