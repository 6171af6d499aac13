// Decoding of fuzz inputs into scrub cases, and the checked stream run that
// the scrubber targets share. See fuzz_case.h for the input layout.
#include "fuzz_case.h"

#include <array>
#include <cstdio>
#include <cstdlib>

#include "scrubber/variants.h"

namespace scrubber::fuzz {

void Fail(const char* file, int line, std::string_view what) {
  std::fprintf(stderr, "%s:%d: property broken: %.*s\n", file, line, static_cast<int>(what.size()),
               what.data());
  std::fflush(stderr);
  std::abort();
}

uint8_t ByteReader::Byte() {
  if (bytes_.empty()) {
    return 0;
  }
  const auto b = static_cast<uint8_t>(bytes_.front());
  bytes_.remove_prefix(1);
  return b;
}

uint16_t ByteReader::U16() {
  const uint16_t high = Byte();
  return static_cast<uint16_t>(high << 8 | Byte());
}

std::string_view ByteReader::Take(size_t n) {
  std::string_view taken = bytes_.substr(0, n);
  bytes_.remove_prefix(taken.size());
  return taken;
}

std::string_view ByteReader::Rest() {
  return Take(bytes_.size());
}

uint64_t Choices::Next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::vector<size_t> Chunking(uint8_t choice, size_t size) {
  std::vector<size_t> cuts;
  const unsigned mode = choice >> 6;
  if (mode == 3) {
    return cuts;  // one write
  }
  Choices choices(choice * 0x100000001b3ULL + size);
  const size_t max_piece = mode == 0 ? 1 : mode == 1 ? (choice & 0x3fU) + 1 : 4096;
  for (size_t pos = 1 + choices.Below(max_piece); pos < size; pos += 1 + choices.Below(max_piece)) {
    cuts.push_back(pos);
  }
  return cuts;
}

ScrubCase DecodeScrubCase(const uint8_t* data, size_t size) {
  constexpr std::array<size_t, 8> kMinLengths = {1, 2, 3, 4, 4, 6, 11, 19};
  constexpr std::array<std::string_view, 4> kMasks = {"***", "#", "", "[m]"};
  ByteReader in(data, size);
  ScrubCase c;
  const uint8_t flags = in.Byte();
  const uint8_t layout = in.Byte();
  c.chunking_a = in.Byte();
  c.chunking_b = in.Byte();
  c.options.label = (flags & 1U) != 0;
  c.options.preserve_length = (flags & 2U) != 0;
  c.options.add_mask_commands = (flags & 4U) != 0;
  c.options.variants = (flags & 8U) != 0 ? VariantMask::RawOnly() : VariantMask::All();
  c.options.min_secret_length = kMinLengths[(flags >> 4) & 7U];
  c.options.mask = std::string(kMasks[(layout >> 3) & 3U]);
  const unsigned engine = layout >> 5;
  c.options.engine = engine < 4 ? Engine::kRe2 : engine < 6 ? Engine::kHyperscan : Engine::kAuto;
  c.options.background_compile = false;

  struct Slice {
    uint16_t offset;
    size_t length;
  };
  std::vector<std::string> literal_secrets;
  std::vector<Slice> slices;
  std::vector<bool> is_slice;
  const unsigned count = layout & 7U;
  for (unsigned i = 0; i < count; ++i) {
    const uint8_t s = in.Byte();
    is_slice.push_back((s & 0x80U) != 0);
    if (is_slice.back()) {
      const size_t length = (s & 0x7fU) + 1;
      slices.push_back({in.U16(), length});
    } else {
      literal_secrets.emplace_back(in.Take(s & 0x7fU));
    }
  }
  c.document = std::string(in.Rest());

  size_t next_literal = 0;
  size_t next_slice = 0;
  for (size_t i = 0; i < is_slice.size(); ++i) {
    std::string value;
    if (is_slice[i]) {
      const Slice& slice = slices[next_slice++];
      if (c.document.empty()) {
        continue;
      }
      value = c.document.substr(slice.offset % c.document.size(), slice.length);
    } else {
      value = std::move(literal_secrets[next_literal++]);
    }
    c.secrets.Add(std::move(value), i % 2 == 0 ? "s" + std::to_string(i) : "", "fuzz");
  }
  if ((flags & 0x80U) != 0) {
    c.rules = &DefaultRules();
    std::vector<const std::string*> examples;
    for (const Rule& r : c.rules->rules()) {
      for (const std::string& e : r.examples) {
        examples.push_back(&e);
      }
    }
    Choices choose(size ^ (uint64_t{layout} << 8) ^ c.chunking_a);
    for (size_t i = 0, n = choose.Below(4); i < n && !examples.empty(); ++i) {
      size_t at = choose.Below(c.document.size() + 1);
      c.document.insert(at, *examples[choose.Below(examples.size())]);
    }
  }
  return c;
}

const RuleSet& DefaultRules() {
  static const RuleSet* rules = [] {
    auto* set = new RuleSet();
    Status s = set->AddDefault();
    FUZZ_CHECK(s.ok(), "the default rules do not load: " + s.message());
    return set;
  }();
  return *rules;
}

Engine UsableEngine(Engine wanted) {
  if (wanted == Engine::kHyperscan && !HyperscanAvailable()) {
    return Engine::kRe2;
  }
  return wanted;
}

std::shared_ptr<const Scrubber> MustCompile(const SecretSet& secrets,
                                            const ScrubOptions& options,
                                            const RuleSet* rules) {
  auto compiled = Scrubber::Compile(secrets, rules != nullptr ? *rules : RuleSet(), options);
  FUZZ_CHECK(compiled.ok(), "Scrubber::Compile failed: " + compiled.status().message());
  return compiled.value();
}

std::string ScrubInChunks(const std::shared_ptr<const Scrubber>& scrubber,
                          std::string_view document,
                          const std::vector<size_t>& cuts,
                          ScrubStats* stats,
                          size_t wait_after_cut) {
  StringSink sink;
  StreamScrubber stream(scrubber, &sink);
  size_t pos = 0;
  for (size_t i = 0; i <= cuts.size(); ++i) {
    const size_t end = i < cuts.size() ? cuts[i] : document.size();
    FUZZ_CHECK(stream.Write(document.substr(pos, end - pos)).ok(), "StreamScrubber::Write failed");
    FUZZ_CHECK(stream.held() <= stream.max_held(), "held more than max_held()");
    pos = end;
    if (i == wait_after_cut) {
      scrubber->WaitUntilCompiled();
    }
  }
  FUZZ_CHECK(stream.Finish().ok(), "StreamScrubber::Finish failed");
  FUZZ_CHECK(stream.held() == 0, "bytes still held after Finish");
  FUZZ_CHECK(stream.stats().bytes_out == sink.out.size(),
             "stats().bytes_out is not the output size");
  if (stats != nullptr) {
    *stats = stream.stats();
  }
  return sink.out;
}

void CheckSameStats(const ScrubStats& got, const ScrubStats& want, std::string_view what) {
  const std::string where(what);
  FUZZ_CHECK(got.bytes_in == want.bytes_in, where + ": bytes_in differs");
  FUZZ_CHECK(got.bytes_out == want.bytes_out, where + ": bytes_out differs");
  FUZZ_CHECK(got.redactions == want.redactions, where + ": redactions differ");
  FUZZ_CHECK(got.by_id == want.by_id, where + ": redactions by id differ");
  FUZZ_CHECK(got.masks_added == want.masks_added, where + ": masks_added differs");
  FUZZ_CHECK(got.masks_skipped.size() == want.masks_skipped.size(),
             where + ": masks_skipped differs");
}

}  // namespace scrubber::fuzz
