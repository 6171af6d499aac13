// Differential tests: StreamScrubber on every engine, under random
// chunkings, against the whole-input reference scrubber. Inputs are random
// text over a small alphabet (so that secrets overlap, touch and nest) and
// the real CI logs with secrets and their variants planted in them.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "scrubber/reference_scrubber.h"
#include "scrubber/variants.h"

#include "test_util.h"

namespace scrubber {
namespace {

using testing::RandomCuts;
using testing::ScrubChunked;

std::string RandomString(std::mt19937_64& rng,
                         std::string_view alphabet,
                         size_t min_len,
                         size_t max_len) {
  size_t n = min_len + rng() % (max_len - min_len + 1);
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += alphabet[rng() % alphabet.size()];
  }
  return s;
}

// A random document: noise, secrets, their variants, fragments of them and
// ::add-mask:: lines.
std::string RandomDocument(std::mt19937_64& rng,
                           const std::vector<std::string>& secrets,
                           std::string_view alphabet) {
  std::string doc;
  int pieces = 1 + static_cast<int>(rng() % 40);
  for (int i = 0; i < pieces; ++i) {
    const std::string& secret = secrets[rng() % secrets.size()];
    switch (rng() % 7) {
      case 0:
        doc += secret;
        break;
      case 1: {
        auto variants = EncodeVariants(secret, VariantMask::All(), 1);
        doc += variants[rng() % variants.size()].bytes;
        break;
      }
      case 2:
        doc += secret.substr(0, rng() % (secret.size() + 1));
        break;
      case 3: {
        static const std::vector<std::string> kCommands = {
            "::add-mask::",   " ::Add-Mask::", "##[add-mask]",
            "\t##[ADD-MASK]", "::add-mask:",   "  #"};
        doc +=
            "\n" + kCommands[rng() % kCommands.size()] + RandomString(rng, alphabet, 3, 8) + "\n";
        break;
      }
      case 4:
        doc += "\n";
        break;
      default:
        doc += RandomString(rng, alphabet, 0, 12);
        break;
    }
  }
  return doc;
}

struct Case {
  Engine engine;
  bool label;
  bool preserve;
  bool add_mask;
};

class DifferentialTest : public ::testing::TestWithParam<Case> {
 protected:
  ScrubOptions Options(size_t min_length) const {
    ScrubOptions o;
    o.engine = GetParam().engine;
    o.label = GetParam().label;
    o.preserve_length = GetParam().preserve;
    o.add_mask_commands = GetParam().add_mask;
    o.min_secret_length = min_length;
    o.background_compile = false;
    return o;
  }
};

TEST_P(DifferentialTest, RandomDocumentsAnyChunkingMatchReference) {
  std::mt19937_64 rng(0x5eed + static_cast<int>(GetParam().engine) * 7 + GetParam().label * 3 +
                      GetParam().preserve * 5 + GetParam().add_mask * 11);
  const std::string alphabet = "ab:-\"\\/ '\n%+=\r\xc3\xa9";
  for (int round = 0; round < 400; ++round) {
    // Short secrets make overlaps likely; long ones (every 4th round) give
    // the hash index its full stride of 16.
    bool long_secrets = round % 4 == 3;
    size_t min_length = long_secrets ? 19 : 1 + rng() % 4;
    std::vector<std::string> secrets;
    SecretSet set;
    int count = 1 + static_cast<int>(rng() % 6);
    for (int i = 0; i < count; ++i) {
      secrets.push_back(long_secrets ? RandomString(rng, alphabet, 19, 40)
                                     : RandomString(rng, alphabet, 1, 10));
      set.Add(secrets.back(), i % 2 == 0 ? "s" + std::to_string(i) : "", "t");
    }
    auto compiled = Scrubber::Compile(set, Options(min_length));
    ASSERT_TRUE(compiled.ok()) << compiled.status().message();
    const auto& s = compiled.value();
    std::string doc = RandomDocument(rng, secrets, alphabet);
    ScrubStats ref_stats;
    std::string expected = ReferenceScrub(*s, doc, &ref_stats);
    for (size_t max_piece : {size_t{1}, size_t{3}, size_t{17}, doc.size() + 1}) {
      ScrubStats stats;
      std::string got = ScrubChunked(s, doc, RandomCuts(doc.size(), rng, max_piece), &stats);
      ASSERT_EQ(got, expected) << "round " << round << " max_piece " << max_piece;
      ASSERT_EQ(stats.redactions, ref_stats.redactions);
      ASSERT_EQ(stats.by_id, ref_stats.by_id);
      ASSERT_EQ(stats.bytes_out, got.size());
    }
  }
}

std::string ReadLog(const std::string& name) {
  const char* dir = std::getenv("SCRUB_TEST_DATA");  // NOLINT(concurrency-mt-unsafe)
  std::string path = std::string(dir != nullptr ? dir : "tests/data") + "/ci-logs/" + name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_P(DifferentialTest, RealLogsWithPlantedSecretsMatchReference) {
  if (GetParam().label || GetParam().preserve) {
    GTEST_SKIP() << "covered by the random documents";
  }
  std::mt19937_64 rng(42);
  const std::string token_chars =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_.:'\" ";
  std::vector<std::string> secrets;
  SecretSet set;
  for (int i = 0; i < 50; ++i) {
    secrets.push_back(RandomString(rng, token_chars, 8, 64));
    set.Add(secrets.back(), "", "t");
  }
  auto s = Scrubber::Compile(set, Options(4)).value();
  for (const char* name : {"test-ubuntu.log", "twine-check.log", "build-wheels-windows.log"}) {
    std::string log = ReadLog(name);
    // With nothing planted, the log passes unchanged.
    ASSERT_EQ(ScrubChunked(s, log, RandomCuts(log.size(), rng, 4096)), log) << name;
    std::string planted = log;
    for (int i = 0; i < 200; ++i) {
      const std::string& secret = secrets[rng() % secrets.size()];
      auto variants = EncodeVariants(secret, VariantMask::All(), 4);
      size_t at = rng() % planted.size();
      planted.insert(at, variants[rng() % variants.size()].bytes);
    }
    std::string expected = ReferenceScrub(*s, planted);
    for (size_t max_piece : {size_t{7}, size_t{4096}, size_t{65536}}) {
      std::string got = ScrubChunked(s, planted, RandomCuts(planted.size(), rng, max_piece));
      ASSERT_EQ(got, expected) << name << " max_piece " << max_piece;
    }
    for (const std::string& secret : secrets) {
      ASSERT_EQ(expected.find(secret), std::string::npos) << name;
    }
  }
}

// Streams that start on the hash engine and move to Hyperscan midway, at
// every kind of cut, write exactly what the reference writes.
TEST(EngineUpgrade, StreamMovingToHyperscanMidwayMatchesReference) {
  if (!HyperscanAvailable()) {
    GTEST_SKIP() << "no Hyperscan in this build";
  }
  std::mt19937_64 rng(99);
  const std::string alphabet = "ab:-\"\\/ '\n%+=";
  for (int round = 0; round < 100; ++round) {
    std::vector<std::string> secrets;
    SecretSet set;
    for (int i = 0; i < 4; ++i) {
      secrets.push_back(RandomString(rng, alphabet, 4, 10));
      set.Add(secrets.back(), "", "t");
    }
    ScrubOptions options;
    options.engine = Engine::kHyperscan;
    options.add_mask_commands = round % 2 == 0;
    auto s = Scrubber::Compile(set, options).value();
    std::string doc = RandomDocument(rng, secrets, alphabet);
    std::string expected = ReferenceScrub(*s, doc);
    size_t switch_at = rng() % (doc.size() + 1);
    testing::StringSink sink;
    StreamScrubber stream(s, &sink);
    auto cuts = RandomCuts(doc.size(), rng, 5);
    size_t pos = 0;
    bool waited = false;
    cuts.push_back(doc.size());
    for (size_t cut : cuts) {
      if (!waited && pos >= switch_at) {
        s->WaitUntilCompiled();
        waited = true;
      }
      ASSERT_TRUE(stream.Write(std::string_view(doc).substr(pos, cut - pos)).ok());
      pos = cut;
    }
    ASSERT_TRUE(stream.Finish().ok());
    ASSERT_EQ(sink.out, expected) << "round " << round << " switch at " << switch_at;
    ASSERT_TRUE(s->background_status().ok());
    EXPECT_EQ(s->literal_engine(), "hyperscan");
  }
}

TEST(EngineUpgrade, VeryLargeSetsStayOnTheHashEngine) {
  SecretSet set;
  for (size_t i = 0; i < kMaxHyperscanLiterals + 1; ++i) {
    set.Add("secret-number-" + std::to_string(i), "", "t");
  }
  ScrubOptions options;
  options.engine = Engine::kHyperscan;
  options.variants = VariantMask::RawOnly();
  if (!HyperscanAvailable()) {
    GTEST_SKIP() << "no Hyperscan in this build";
  }
  auto s = Scrubber::Compile(set, options).value();
  EXPECT_EQ(s->literal_engine(), "hash");
  EXPECT_FALSE(s->compile_pending());
  auto out = ScrubString(s, "x secret-number-20000 y secret-number-7\n");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out.value(), "x *** y ***\n");
}

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  for (Engine e : testing::TestEngines()) {
    cases.push_back({e, false, false, false});
    cases.push_back({e, true, false, true});
    cases.push_back({e, false, true, true});
    cases.push_back({e, false, false, true});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Cases,
                         DifferentialTest,
                         ::testing::ValuesIn(AllCases()),
                         [](const auto& info) {
                           const Case& c = info.param;
                           return std::string(EngineName(c.engine)) + (c.label ? "_label" : "") +
                                  (c.preserve ? "_preserve" : "") + (c.add_mask ? "_addmask" : "");
                         });

}  // namespace
}  // namespace scrubber
