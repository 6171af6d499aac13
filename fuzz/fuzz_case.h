// What the fuzz targets share: a reader that turns the fuzzer's bytes into
// choices, the decoding of a scrub case (options, secrets, document and two
// chunkings) from those bytes, and a stream run under a given chunking.
// Every byte string decodes to some case: nothing is rejected, so that each
// mutation of a seed still reaches the scrubber.
#ifndef SCRUBBER_FUZZ_FUZZ_CASE_H_
#define SCRUBBER_FUZZ_FUZZ_CASE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scrubber/rule_set.h"
#include "scrubber/scrubber.h"
#include "scrubber/secret_set.h"
#include "scrubber/stream_scrubber.h"

// Reports a broken property and aborts, so that libFuzzer (or the replay
// main) records the input as a crash.
#define FUZZ_CHECK(condition, what)                       \
  do {                                                    \
    if (!(condition)) {                                   \
      ::scrubber::fuzz::Fail(__FILE__, __LINE__, (what)); \
    }                                                     \
  } while (false)

namespace scrubber::fuzz {

[[noreturn]] void Fail(const char* file, int line, std::string_view what);

// Reads choices off the front of the input; past the end every read is 0
// or empty.
class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size)
      : bytes_(reinterpret_cast<const char*>(data), size) {}

  uint8_t Byte();
  uint16_t U16();
  std::string_view Take(size_t n);  // up to n bytes
  std::string_view Rest();          // everything not read yet

 private:
  std::string_view bytes_;
};

// A small deterministic generator (splitmix64) for choices that need more
// values than the input spends bytes on: chunk sizes, planting offsets.
class Choices {
 public:
  explicit Choices(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(Next() % n); }

 private:
  uint64_t state_;
};

// Cut offsets (sorted, each in (0, size)) for one byte of chunking choice:
// the top two bits pick one write per byte, pieces of 1..k bytes, pieces of
// up to 4 KiB, or a single write.
std::vector<size_t> Chunking(uint8_t choice, size_t size);

// Input layout, read in this order (DESIGN §2 names the options):
//   byte  flags: bit 0 label, bit 1 preserve length, bit 2 ::add-mask::
//         lines, bit 3 raw variant only, bits 4-6 minimum length (one of
//         1 2 3 4 4 6 11 19), bit 7 the default key-shape rules, with up
//         to three of their examples planted in the document
//   byte  layout: bits 0-2 secret count, bits 3-4 mask ("***", "#", "",
//         "[m]"), bits 5-7 engine (0-3 re2, 4-5 hyperscan, 6-7 auto)
//   byte  chunking A;  byte  chunking B
//   per secret, one byte s:
//     s & 0x80: a slice of the document, (s & 0x7f) + 1 bytes long, at the
//               offset of the next two bytes modulo the document's size
//     else:     the next (s & 0x7f) bytes, as they are
//   the rest: the document.
// Even-numbered secrets get a name ("s0", "s2", ...), as in the
// differential test, so that --label output names several ids.
struct ScrubCase {
  ScrubOptions options;
  SecretSet secrets;
  const RuleSet* rules = nullptr;  // the default set, or none
  std::string document;
  uint8_t chunking_a = 0;
  uint8_t chunking_b = 0;
};

ScrubCase DecodeScrubCase(const uint8_t* data, size_t size);

// Engine::kHyperscan when asked for and available, else Engine::kRe2.
Engine UsableEngine(Engine wanted);

// Compiles, failing the property if Compile fails: with valid options it
// must not. (A secret starting with NUL once failed on Hyperscan: the seeds
// corpus/*/regress-hyperscan-leading-nul guard the fix.)
std::shared_ptr<const Scrubber> MustCompile(const SecretSet& secrets,
                                            const ScrubOptions& options,
                                            const RuleSet* rules = nullptr);

// The default rule set, loaded once.
const RuleSet& DefaultRules();

// Writes `document` through a StreamScrubber cut at `cuts`, then finishes;
// checks that every call succeeds, that no more than max_held() bytes are
// ever held, and that nothing is held at the end. When `wait_after_cut` is
// below cuts.size(), waits for the scrubber's background compile after
// writing the piece that ends at that cut.
std::string ScrubInChunks(const std::shared_ptr<const Scrubber>& scrubber,
                          std::string_view document,
                          const std::vector<size_t>& cuts,
                          ScrubStats* stats = nullptr,
                          size_t wait_after_cut = SIZE_MAX);

// Fails unless two runs' counters agree (bytes, redactions by id, masks).
void CheckSameStats(const ScrubStats& got, const ScrubStats& want, std::string_view what);

}  // namespace scrubber::fuzz

#endif  // SCRUBBER_FUZZ_FUZZ_CASE_H_
