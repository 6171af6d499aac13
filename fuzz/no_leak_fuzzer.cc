// Property: no secret survives. Secrets chosen by the input are planted
// into text chosen by the input, raw and as every variant EncodeVariants
// gives for them; after a chunked stream run no literal of any secret (the
// raw bytes or a variant, at least the minimum length) occurs in the output.
//
// Why that must hold: every occurrence in the text (after ::add-mask::
// lines are dropped) is inside a merged interval, and the text between two
// masks is a verbatim piece of it. So a surviving occurrence could only
// overlap a mask; the mask is therefore made of a byte that no literal
// contains, and --label (whose text is not ours to choose) is not used.
//
// Input layout:
//   byte  flags: bits 0-2 minimum length (1 2 3 4 4 6 11 19), bit 3
//         ::add-mask:: lines, bit 4 preserve length (the mask is then '*'),
//         bit 5 raw variant only, bits 6-7 engine (re2, hyperscan, auto, re2)
//   byte  bits 0-1 secret count - 1, bits 2-3 mask length - 1, bits 4-7
//         the high nibble of the first mask byte to try
//   byte  chunking;  byte  planting seed
//   per secret: a byte L, then min length + L % 48 bytes of secret
//   the rest: the text.
#include <array>
#include <cstddef>
#include <cstdint>

#include "scrubber/variants.h"

#include "fuzz_case.h"

namespace scrubber::fuzz {
namespace {

// The first byte value from `start` on that no literal contains; false when
// the literals contain all 256.
bool PickMaskByte(const std::vector<std::string>& literals, uint8_t start, char* mask) {
  std::array<bool, 256> used{};
  for (const std::string& literal : literals) {
    for (const char ch : literal) {
      used[static_cast<uint8_t>(ch)] = true;
    }
  }
  for (unsigned i = 0; i < 256; ++i) {
    const auto b = static_cast<uint8_t>(start + i);
    if (!used[b]) {
      *mask = static_cast<char>(b);
      return true;
    }
  }
  return false;
}

int Run(const uint8_t* data, size_t size) {
  constexpr std::array<size_t, 8> kMinLengths = {1, 2, 3, 4, 4, 6, 11, 19};
  constexpr std::array<Engine, 4> kEngines = {Engine::kRe2, Engine::kHyperscan, Engine::kAuto,
                                              Engine::kRe2};
  ByteReader in(data, size);
  const uint8_t flags = in.Byte();
  const uint8_t layout = in.Byte();
  const uint8_t chunking = in.Byte();
  Choices plant(in.Byte());

  ScrubOptions options;
  options.min_secret_length = kMinLengths[flags & 7U];
  options.add_mask_commands = (flags & 8U) != 0;
  options.preserve_length = (flags & 16U) != 0;
  options.variants = (flags & 32U) != 0 ? VariantMask::RawOnly() : VariantMask::All();
  options.engine = UsableEngine(kEngines[flags >> 6]);
  options.background_compile = false;

  SecretSet secrets;
  std::vector<std::string> literals;  // every literal of every secret
  const unsigned count = (layout & 3U) + 1;
  for (unsigned i = 0; i < count; ++i) {
    const size_t length = options.min_secret_length + in.Byte() % 48;
    const std::string secret(in.Take(length));
    if (secret.size() < options.min_secret_length) {
      break;  // the input ran out
    }
    secrets.Add(secret, "", "fuzz");
    for (VariantLiteral& v : EncodeVariants(secret, options.variants, options.min_secret_length)) {
      literals.push_back(std::move(v.bytes));
    }
  }
  if (literals.empty()) {
    return 0;
  }

  char mask_byte = '*';
  if (options.preserve_length) {
    for (const std::string& literal : literals) {
      if (literal.find('*') != std::string::npos) {
        options.preserve_length = false;
        break;
      }
    }
  }
  if (!options.preserve_length &&
      !PickMaskByte(literals, static_cast<uint8_t>(layout & 0xf0U), &mask_byte)) {
    return 0;
  }
  options.mask = std::string(1 + ((layout >> 2) & 3U), mask_byte);

  // Plant each literal once, at offsets the seed picks.
  std::string text(in.Rest());
  for (const std::string& literal : literals) {
    text.insert(plant.Below(text.size() + 1), literal);
  }

  const auto scrubber = MustCompile(secrets, options);
  const std::string out = ScrubInChunks(scrubber, text, Chunking(chunking, text.size()));
  for (const std::string& literal : literals) {
    FUZZ_CHECK(out.find(literal) == std::string::npos,
               "a secret or one of its variants survived scrubbing");
  }
  return 0;
}

}  // namespace
}  // namespace scrubber::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return scrubber::fuzz::Run(data, size);
}
