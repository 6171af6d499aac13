// Property: every engine writes the same bytes. The decoded document is
// scrubbed on the portable engine (hash index) and on Hyperscan, each
// compiled before the first write, and by a stream that starts on the hash
// engine while Hyperscan compiles in the background and moves to it
// midway; all three must equal ReferenceScrub (DESIGN §2, "Engines").
// Without Hyperscan in the build or on this CPU only the first runs.
#include <cstddef>
#include <cstdint>

#include "scrubber/reference_scrubber.h"

#include "fuzz_case.h"

namespace scrubber::fuzz {
namespace {

void CheckEngine(const ScrubCase& c,
                 Engine engine,
                 bool background_compile,
                 std::string_view what) {
  ScrubOptions options = c.options;
  options.engine = engine;
  options.background_compile = background_compile;
  const auto scrubber = MustCompile(c.secrets, options, c.rules);
  ScrubStats want_stats;
  const std::string want = ReferenceScrub(*scrubber, c.document, &want_stats);
  const std::vector<size_t> cuts = Chunking(c.chunking_a, c.document.size());
  // With a background compile, wait for Hyperscan after the write that
  // chunking B's byte picks; before that the stream runs on the hash engine.
  const size_t wait_after = background_compile ? c.chunking_b % (cuts.size() + 1) : SIZE_MAX;
  ScrubStats got_stats;
  const std::string got = ScrubInChunks(scrubber, c.document, cuts, &got_stats, wait_after);
  FUZZ_CHECK(got == want, std::string(what) + ": output differs from ReferenceScrub");
  CheckSameStats(got_stats, want_stats, what);
  if (background_compile) {
    FUZZ_CHECK(scrubber->background_status().ok(),
               "background Hyperscan compile failed: " + scrubber->background_status().message());
  }
}

}  // namespace
}  // namespace scrubber::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace scrubber;  // NOLINT(google-build-using-namespace)
  const fuzz::ScrubCase c = fuzz::DecodeScrubCase(data, size);
  fuzz::CheckEngine(c, Engine::kRe2, false, "re2 engine");
  if (!HyperscanAvailable()) {
    return 0;
  }
  fuzz::CheckEngine(c, Engine::kHyperscan, false, "hyperscan engine");
  fuzz::CheckEngine(c, Engine::kHyperscan, true, "hash engine moving to hyperscan");
  return 0;
}
