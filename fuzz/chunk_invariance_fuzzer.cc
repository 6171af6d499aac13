// Property: the output does not depend on how the input was cut into
// writes. A StreamScrubber fed the decoded document under two chunkings
// chosen by the input writes exactly what ReferenceScrub writes for the
// whole document, with the same counters (DESIGN §2, "Streaming").
#include <cstddef>
#include <cstdint>

#include "scrubber/reference_scrubber.h"

#include "fuzz_case.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace scrubber;  // NOLINT(google-build-using-namespace)
  fuzz::ScrubCase c = fuzz::DecodeScrubCase(data, size);
  c.options.engine = fuzz::UsableEngine(c.options.engine);
  const auto scrubber = fuzz::MustCompile(c.secrets, c.options, c.rules);
  ScrubStats want_stats;
  const std::string want = ReferenceScrub(*scrubber, c.document, &want_stats);
  for (const uint8_t chunking : {c.chunking_a, c.chunking_b}) {
    ScrubStats got_stats;
    const std::string got = fuzz::ScrubInChunks(
        scrubber, c.document, fuzz::Chunking(chunking, c.document.size()), &got_stats);
    FUZZ_CHECK(got == want, "chunked stream output differs from ReferenceScrub");
    fuzz::CheckSameStats(got_stats, want_stats, "chunked stream vs ReferenceScrub");
  }
  return 0;
}
