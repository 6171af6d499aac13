// Micro-benchmarks of the core: compiling secret sets of several sizes on
// each engine, and scrubbing a real CI log through a StreamScrubber. Run
// with --benchmark_repetitions to get medians; compare engines in one run.
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include <benchmark/benchmark.h>

#include "scrubber/rule_set.h"
#include "scrubber/scrubber.h"
#include "scrubber/stream_scrubber.h"

namespace {

using scrubber::Engine;

scrubber::SecretSet RandomSecrets(size_t n) {
  std::mt19937_64 rng(7);
  const std::string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_";
  scrubber::SecretSet set;
  for (size_t i = 0; i < n; ++i) {
    std::string s(20 + rng() % 45, ' ');
    for (char& c : s) {
      c = chars[rng() % chars.size()];
    }
    set.Add(s, "", "bench");
  }
  return set;
}

std::string CorpusText() {
  const char* dir = std::getenv("SCRUB_TEST_DATA");  // NOLINT(concurrency-mt-unsafe)
  std::string path =
      std::string(dir != nullptr ? dir : "tests/data") + "/ci-logs/build-wheels-ubuntu.log";
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.empty()) {
    text = "no corpus: set SCRUB_TEST_DATA to the tests/data folder\n";
  }
  return text;
}

void BM_Compile(benchmark::State& state, Engine engine) {
  auto secrets = RandomSecrets(static_cast<size_t>(state.range(0)));
  scrubber::ScrubOptions options;
  options.engine = engine;
  size_t literals = 0;
  for (auto _ : state) {
    auto compiled = scrubber::Scrubber::Compile(secrets, options);
    if (!compiled.ok()) {
      state.SkipWithError(compiled.status().message().c_str());
      return;
    }
    literals = compiled.value()->literal_count();
  }
  state.counters["literals"] = static_cast<double>(literals);
}

class NullSink final : public scrubber::ByteSink {
 public:
  scrubber::Status Write(std::string_view bytes) override {
    benchmark::DoNotOptimize(bytes.data());
    return scrubber::Status::Ok();
  }
};

// range(0) secrets; range(1) = 1 adds the default key-shape rules.
void BM_Scrub(benchmark::State& state, Engine engine) {
  auto secrets = RandomSecrets(static_cast<size_t>(state.range(0)));
  scrubber::ScrubOptions options;
  options.engine = engine;
  options.background_compile = false;
  scrubber::RuleSet rules;
  if (state.range(1) != 0 && !rules.AddDefault().ok()) {
    state.SkipWithError("the default rules do not load");
    return;
  }
  auto compiled = scrubber::Scrubber::Compile(secrets, rules, options);
  if (!compiled.ok()) {
    state.SkipWithError(compiled.status().message().c_str());
    return;
  }
  std::string text = CorpusText();
  NullSink sink;
  scrubber::StreamScrubber stream(compiled.value(), &sink);
  const size_t chunk = 256 * 1024;
  for (auto _ : state) {
    for (size_t pos = 0; pos < text.size(); pos += chunk) {
      (void)stream.Write(std::string_view(text).substr(pos, chunk));
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

BENCHMARK_CAPTURE(BM_Compile, hyperscan, Engine::kHyperscan)
    ->Arg(100)
    ->Arg(1000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Compile, re2, Engine::kRe2)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Scrub, hyperscan, Engine::kHyperscan)
    ->ArgNames({"secrets", "rules"})
    ->ArgsProduct({{10, 1000}, {0, 1}});
BENCHMARK_CAPTURE(BM_Scrub, re2, Engine::kRe2)
    ->ArgNames({"secrets", "rules"})
    ->ArgsProduct({{10, 1000, 10000}, {0, 1}});

}  // namespace

BENCHMARK_MAIN();
