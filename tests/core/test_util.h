// Helpers shared by the core tests: compiling secret sets, writing a string
// in a given chunking, random chunkings, and the engines to run.
#ifndef SCRUBBER_TESTS_CORE_TEST_UTIL_H_
#define SCRUBBER_TESTS_CORE_TEST_UTIL_H_

#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scrubber/scrubber.h"
#include "scrubber/stream_scrubber.h"

namespace scrubber::testing {

using scrubber::StringSink;

inline std::vector<Engine> TestEngines() {
  std::vector<Engine> engines = {Engine::kRe2};
  if (HyperscanAvailable()) {
    engines.push_back(Engine::kHyperscan);
  }
  return engines;
}

// Compiles synchronously, so that a Hyperscan test runs on Hyperscan.
inline std::shared_ptr<const Scrubber> MustCompile(const std::vector<std::string>& values,
                                                   ScrubOptions options = {}) {
  options.background_compile = false;
  SecretSet set;
  for (const std::string& v : values) {
    set.Add(v, "", "test");
  }
  auto compiled = Scrubber::Compile(set, options);
  EXPECT_TRUE(compiled.ok()) << compiled.status().message();
  return compiled.ok() ? compiled.value() : nullptr;
}

// Writes `input` cut at `cuts` (sorted offsets), then finishes.
inline std::string ScrubChunked(const std::shared_ptr<const Scrubber>& scrubber,
                                std::string_view input,
                                const std::vector<size_t>& cuts,
                                ScrubStats* stats = nullptr) {
  StringSink sink;
  StreamScrubber stream(scrubber, &sink);
  size_t pos = 0;
  for (size_t cut : cuts) {
    EXPECT_TRUE(stream.Write(input.substr(pos, cut - pos)).ok());
    EXPECT_LE(stream.held(), stream.max_held());
    pos = cut;
  }
  EXPECT_TRUE(stream.Write(input.substr(pos)).ok());
  EXPECT_TRUE(stream.Finish().ok());
  EXPECT_EQ(stream.held(), 0U);
  if (stats != nullptr) {
    *stats = stream.stats();
  }
  return sink.out;
}

inline std::vector<size_t> EveryByte(size_t n) {
  std::vector<size_t> cuts;
  for (size_t i = 1; i < n; ++i) {
    cuts.push_back(i);
  }
  return cuts;
}

inline std::vector<size_t> RandomCuts(size_t n, std::mt19937_64& rng, size_t max_piece) {
  std::vector<size_t> cuts;
  size_t pos = 0;
  while (true) {
    pos += 1 + rng() % max_piece;
    if (pos >= n) {
      break;
    }
    cuts.push_back(pos);
  }
  return cuts;
}

}  // namespace scrubber::testing

#endif  // SCRUBBER_TESTS_CORE_TEST_UTIL_H_

namespace scrubber::testing {

// A plain base64 encoder, independent of the product's.
inline std::string Base64(std::string_view in, bool url = false, bool pad = true) {
  const char* alphabet = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                             : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) {
      out += alphabet[(v >> s) & 63];
    }
  }
  size_t rest = in.size() - i;
  if (rest > 0) {
    uint32_t v = uint8_t(in[i]) << 16;
    if (rest == 2) {
      v |= uint8_t(in[i + 1]) << 8;
    }
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (rest == 2) {
      out += alphabet[(v >> 6) & 63];
    }
    if (pad) {
      out.append(3 - rest, '=');
    }
  }
  return out;
}

}  // namespace scrubber::testing
