// The reference scrubber: whole input at once, simple and slow, the oracle
// that tests and fuzzers compare StreamScrubber against. It finds every
// occurrence of every literal with a naive search, merges intervals that
// overlap or touch, and writes one mask per merged interval.
#ifndef SCRUBBER_REFERENCE_SCRUBBER_H_
#define SCRUBBER_REFERENCE_SCRUBBER_H_

#include <string>
#include <string_view>

#include "scrubber/scrubber.h"
#include "scrubber/stream_scrubber.h"

namespace scrubber {

// The output StreamScrubber must produce for `input` written in any
// chunking and then finished (no Flush or Release in between).
std::string ReferenceScrub(const Scrubber& scrubber,
                           std::string_view input,
                           ScrubStats* stats = nullptr);

}  // namespace scrubber

#endif  // SCRUBBER_REFERENCE_SCRUBBER_H_
