// StreamScrubber behaviour: hold-back, overlaps, masks, ::add-mask::, flush
// and release, bounded memory, and variants in realistic log lines. Every
// case runs on each engine this build has.
#include "scrubber/stream_scrubber.h"

#include <string>

#include <gtest/gtest.h>

#include "scrubber/reference_scrubber.h"

#include "test_util.h"

namespace scrubber {
namespace {

using testing::Base64;
using testing::EveryByte;
using testing::MustCompile;
using testing::ScrubChunked;
using testing::StringSink;

class StreamScrubberTest : public ::testing::TestWithParam<Engine> {
 protected:
  std::shared_ptr<const Scrubber> Compile(const std::vector<std::string>& secrets,
                                          ScrubOptions options = {}) {
    options.engine = GetParam();
    return MustCompile(secrets, options);
  }
  // Scrubs whole, byte by byte and as the reference; all three must agree.
  std::string ScrubAllWays(const std::shared_ptr<const Scrubber>& s, std::string_view input) {
    std::string whole = ScrubChunked(s, input, {});
    EXPECT_EQ(ScrubChunked(s, input, EveryByte(input.size())), whole);
    EXPECT_EQ(ReferenceScrub(*s, input), whole);
    return whole;
  }
};

TEST_P(StreamScrubberTest, LineWithoutPartialMatchFlowsAtOnce) {
  auto s = Compile({"hunter2-secret"});
  StringSink sink;
  StreamScrubber stream(s, &sink);
  ASSERT_TRUE(stream.Write("build step 1 ok\n").ok());
  EXPECT_EQ(sink.out, "build step 1 ok\n");
  EXPECT_EQ(stream.held(), 0U);
}

TEST_P(StreamScrubberTest, HoldsOnlyTheSuffixThatCanStillMatch) {
  auto s = Compile({"hunter2-secret"});
  StringSink sink;
  StreamScrubber stream(s, &sink);
  ASSERT_TRUE(stream.Write("password is hunter").ok());
  EXPECT_EQ(sink.out, "password is ");
  EXPECT_EQ(stream.held(), 6U);
  ASSERT_TRUE(stream.Write("2-secret!").ok());
  EXPECT_EQ(sink.out, "password is ***!");
  EXPECT_EQ(stream.held(), 0U);
}

TEST_P(StreamScrubberTest, PartialMatchThatFailsIsWrittenUnchanged) {
  auto s = Compile({"hunter2-secret"});
  StringSink sink;
  StreamScrubber stream(s, &sink);
  ASSERT_TRUE(stream.Write("hunter").ok());
  ASSERT_TRUE(stream.Write("3 went home\n").ok());
  EXPECT_EQ(sink.out, "hunter3 went home\n");
}

TEST_P(StreamScrubberTest, SecretSplitAcrossWritesAtEveryCutIsMasked) {
  ScrubOptions options;
  options.min_secret_length = 3;
  auto s = Compile({"aab"}, options);
  StringSink sink;
  StreamScrubber stream(s, &sink);
  ASSERT_TRUE(stream.Write("xaa").ok());
  ASSERT_TRUE(stream.Write("ab").ok());
  ASSERT_TRUE(stream.Finish().ok());
  EXPECT_EQ(sink.out, "xa***");
  EXPECT_EQ(ScrubAllWays(s, "xaaab"), "xa***");
}

TEST_P(StreamScrubberTest, OverlappingSecretsMergeIntoOneMask) {
  auto s = Compile({"abcdef", "defghi"});
  EXPECT_EQ(ScrubAllWays(s, "xabcdefghiy"), "x***y");
}

TEST_P(StreamScrubberTest, TouchingSecretsMergeIntoOneMask) {
  auto s = Compile({"abcd", "efgh"});
  EXPECT_EQ(ScrubAllWays(s, "<abcdefgh>"), "<***>");
  EXPECT_EQ(ScrubAllWays(s, "<abcd efgh>"), "<*** ***>");
}

TEST_P(StreamScrubberTest, SecretInsideLongerSecretIsOneMask) {
  auto s = Compile({"token-1234", "my-token-1234-x"});
  EXPECT_EQ(ScrubAllWays(s, "a my-token-1234-x b token-1234 c"), "a *** b *** c");
}

TEST_P(StreamScrubberTest, BytesAreNeverReordered) {
  auto s = Compile({"0123456789"});
  std::string input;
  for (int i = 0; i < 200; ++i) {
    input += std::to_string(i) + (i % 17 == 0 ? "0123456789" : "") + ",";
  }
  std::string out = ScrubAllWays(s, input);
  std::string expected = input;
  for (size_t p = expected.find("0123456789"); p != std::string::npos;
       p = expected.find("0123456789", p)) {
    expected.replace(p, 10, "***");
  }
  EXPECT_EQ(out, expected);
}

TEST_P(StreamScrubberTest, LabelNamesTheSecretNeverItsValue) {
  SecretSet set;
  set.Add("s3cr3t-value-1", "GITHUB_TOKEN", "env:GITHUB_TOKEN");
  set.Add("s3cr3t-value-2", "", "file:1");
  ScrubOptions options;
  options.engine = GetParam();
  options.label = true;
  options.background_compile = false;
  auto s = Scrubber::Compile(set, options).value();
  EXPECT_EQ(ScrubAllWays(s, "a=s3cr3t-value-1 b=s3cr3t-value-2\n"),
            "a=[REDACTED:GITHUB_TOKEN] b=[REDACTED:secret]\n");
}

TEST_P(StreamScrubberTest, LabelOfMergedIntervalComesFromEarliestLongestMatch) {
  SecretSet set;
  set.Add("abcx", "A", "t");
  set.Add("abcdef", "B", "t");
  set.Add("cdefgh", "C", "t");
  ScrubOptions options;
  options.engine = GetParam();
  options.label = true;
  options.background_compile = false;
  auto s = Scrubber::Compile(set, options).value();
  EXPECT_EQ(ScrubAllWays(s, "-abcdefgh-"), "-[REDACTED:B]-");
}

TEST_P(StreamScrubberTest, PreserveLengthWritesOneStarPerByte) {
  ScrubOptions options;
  options.preserve_length = true;
  auto s = Compile({"abcdef", "defghi"}, options);
  EXPECT_EQ(ScrubAllWays(s, "xabcdefghiy"), "x*********y");
}

TEST_P(StreamScrubberTest, CustomMask) {
  ScrubOptions options;
  options.mask = "<hidden>";
  auto s = Compile({"abcdef"}, options);
  EXPECT_EQ(ScrubAllWays(s, "1 abcdef 2"), "1 <hidden> 2");
}

TEST_P(StreamScrubberTest, BinaryAndCrlfPassThroughUntouched) {
  auto s = Compile({"secret-value"});
  std::string input("a\0b\xff\xfe\xc3(\r\n\r\nz\x80", 14);
  EXPECT_EQ(ScrubAllWays(s, input), input);
  std::string with = input + "secret-value" + input;
  EXPECT_EQ(ScrubAllWays(s, with), input + "***" + input);
}

TEST_P(StreamScrubberTest, AddMaskLineIsSwallowedAndMasksWhatFollows) {
  ScrubOptions options;
  options.add_mask_commands = true;
  auto s = Compile({}, options);
  std::string input =
      "before dyn-value-9\n::add-mask::dyn-value-9\nafter dyn-value-9\n::add-mask:: x%25y%0Az "
      "\nx%y\nz\n";
  EXPECT_EQ(ScrubAllWays(s, input), "before dyn-value-9\nafter ***\n***\n");
}

// A job may print thousands of ::add-mask:: lines; each must not cost work
// in proportion to all the values before it (that was quadratic: 4,000
// values took minutes). The suite's timeout is what fails this test.
TEST_P(StreamScrubberTest, ThousandsOfAddMaskValuesAreAllMasked) {
  ScrubOptions options;
  options.add_mask_commands = true;
  auto s = Compile({}, options);
  std::string input;
  std::string expected;
  for (int i = 0; i < 20000; ++i) {
    std::string value = "dyn-" + std::to_string(i * 7919) + "-value";
    input += "::add-mask::" + value + "\nuses " + value + "\n";
    expected += "uses ***\n";
  }
  ScrubStats stats;
  EXPECT_EQ(ScrubChunked(s, input, {}, &stats), expected);
  EXPECT_EQ(stats.masks_added, 20000U);
}

TEST_P(StreamScrubberTest, AddMaskOnlyAtLineStart) {
  ScrubOptions options;
  options.add_mask_commands = true;
  auto s = Compile({}, options);
  std::string input = "say ::add-mask::abcdefg\nabcdefg\n:: add\n";
  EXPECT_EQ(ScrubAllWays(s, input), input);
}

// The forms the GitHub Actions runner accepts: indented, any case, and the
// legacy ##[add-mask].
TEST_P(StreamScrubberTest, AddMaskFormsOfTheActionsRunnerAreHonoured) {
  ScrubOptions options;
  options.add_mask_commands = true;
  auto s = Compile({}, options);
  std::string input =
      "  ::add-mask::indented789\nafter indented789\n"
      "\t::ADD-MASK::upcasemask1\nafter upcasemask1\n"
      "##[add-mask]legacymask44\nafter legacymask44\n"
      "  indented text stays\n# a comment stays\n";
  EXPECT_EQ(ScrubAllWays(s, input),
            "after ***\nafter ***\nafter ***\n  indented text stays\n# a comment stays\n");
}

TEST_P(StreamScrubberTest, AddMaskWithoutTheOptionPassesThrough) {
  auto s = Compile({});
  std::string input = "::add-mask::abcdefg\nabcdefg\n";
  EXPECT_EQ(ScrubAllWays(s, input), input);
}

TEST_P(StreamScrubberTest, ShortAddMaskValueIsSkippedAndCounted) {
  ScrubOptions options;
  options.add_mask_commands = true;
  auto s = Compile({}, options);
  ScrubStats stats;
  EXPECT_EQ(ScrubChunked(s, "::add-mask::ab\nab cd\n", {}, &stats), "ab cd\n");
  EXPECT_EQ(stats.masks_skipped.size(), 1U);
  EXPECT_EQ(stats.masks_added, 0U);
}

TEST_P(StreamScrubberTest, ReleaseWritesHeldBytesAndStillMasksTheRest) {
  auto s = Compile({"hunter2-secret"});
  StringSink sink;
  StreamScrubber stream(s, &sink);
  ASSERT_TRUE(stream.Write("pw: hunter2").ok());
  EXPECT_EQ(sink.out, "pw: ");
  ASSERT_TRUE(stream.Release().ok());
  EXPECT_EQ(sink.out, "pw: hunter2");
  EXPECT_EQ(stream.stats().forced_releases, 1U);
  ASSERT_TRUE(stream.Write("-secret done").ok());
  ASSERT_TRUE(stream.Finish().ok());
  // What was released is gone; the rest of the secret is still masked.
  EXPECT_EQ(sink.out, "pw: hunter2*** done");
}

TEST_P(StreamScrubberTest, ReleaseWithNothingHeldIsNotCounted) {
  auto s = Compile({"hunter2-secret"});
  StringSink sink;
  StreamScrubber stream(s, &sink);
  ASSERT_TRUE(stream.Write("line\n").ok());
  ASSERT_TRUE(stream.Release().ok());
  EXPECT_EQ(stream.stats().forced_releases, 0U);
}

TEST_P(StreamScrubberTest, StatsCountMergedRedactionsById) {
  SecretSet set;
  set.Add("alpha-secret", "A", "t");
  set.Add("beta-secret", "", "t");
  ScrubOptions options;
  options.engine = GetParam();
  options.background_compile = false;
  auto s = Scrubber::Compile(set, options).value();
  ScrubStats stats;
  std::string input = "alpha-secret beta-secret alpha-secretbeta-secret\n";
  ScrubChunked(s, input, {}, &stats);
  EXPECT_EQ(stats.redactions, 3U);
  EXPECT_EQ(stats.by_id["A"], 2U);
  EXPECT_EQ(stats.by_id["secret"], 1U);
  EXPECT_EQ(stats.bytes_in, input.size());
  ScrubStats ref;
  ReferenceScrub(*s, input, &ref);
  EXPECT_EQ(ref.redactions, stats.redactions);
  EXPECT_EQ(ref.by_id, stats.by_id);
}

TEST_P(StreamScrubberTest, ShortSecretIsSkippedWithItsSourceNotItsValue) {
  SecretSet set;
  set.Add("ab", "", "secrets.txt:2");
  set.Add("long-enough", "", "secrets.txt:3");
  ScrubOptions options;
  options.engine = GetParam();
  options.background_compile = false;
  auto s = Scrubber::Compile(set, options).value();
  ASSERT_EQ(s->skipped().size(), 1U);
  EXPECT_EQ(s->skipped()[0].source, "secrets.txt:2");
  EXPECT_EQ(s->skipped()[0].length, 2U);
  EXPECT_EQ(s->secrets_loaded(), 1U);
  EXPECT_EQ(ScrubAllWays(s, "ab long-enough\n"), "ab ***\n");
}

TEST_P(StreamScrubberTest, MemoryStaysBoundedOverLargeInput) {
  auto s = Compile({"k3y-0123456789abcdef", "another-secret-value-xyz"});
  StringSink sink;
  struct CountingSink final : ByteSink {
    Status Write(std::string_view b) override {
      bytes += b.size();
      return Status::Ok();
    }
    uint64_t bytes = 0;
  } counting;
  StreamScrubber stream(s, &counting);
  std::string chunk;
  while (chunk.size() < (1 << 20)) {
    chunk += "2024-01-01T00:00:00Z step output k3y-0123456789abcdef another-secret-val";
  }
  size_t max_seen = 0;
  for (int i = 0; i < 256; ++i) {  // 256 MiB
    ASSERT_TRUE(stream.Write(chunk).ok());
    max_seen = std::max(max_seen, stream.held());
  }
  ASSERT_TRUE(stream.Finish().ok());
  EXPECT_LE(max_seen, stream.max_held());
  EXPECT_GT(stream.stats().redactions, 0U);
  EXPECT_EQ(stream.stats().bytes_in, uint64_t{256} * chunk.size());
}

// Variants in the lines where tools print them.

TEST_P(StreamScrubberTest, BasicAuthHeaderWithUserPrefixIsMasked) {
  std::string secret = "Zx9-pa55word-Q";
  auto s = Compile({secret});
  std::string header = "Authorization: Basic " + Base64("deploy:" + secret) + "\r\n";
  std::string out = ScrubAllWays(s, header);
  EXPECT_EQ(out.find(secret), std::string::npos);
  ASSERT_TRUE(out.starts_with("Authorization: Basic ")) << out;
  ASSERT_TRUE(out.ends_with("\r\n"));
  // Only the characters that encode "deploy:" (and a boundary character)
  // may survive around the mask.
  std::string token = out.substr(21, out.size() - 23);
  size_t mask = token.find("***");
  ASSERT_NE(mask, std::string::npos) << token;
  EXPECT_LE(token.size() - 3, Base64("deploy:").size());
}

TEST_P(StreamScrubberTest, Base64OfSecretWithTrailingNewlineIsMasked) {
  std::string secret = "n0t-a-real-token-42";
  auto s = Compile({secret});
  std::string encoded = Base64(secret + "\n");  // what `echo $SECRET | base64` prints
  std::string out = ScrubAllWays(s, encoded + "\n");
  ASSERT_TRUE(out.starts_with("***")) << out;
  EXPECT_LE(out.size(), std::string("***").size() + 4 + 1);
}

// `echo $TOKEN | base64` wraps at 76 columns: every line is masked.
TEST_P(StreamScrubberTest, Base64WrappedAt76And64ColumnsIsMaskedOnEveryLine) {
  std::string secret =
      "github_pat_11FAKEFAKE0abcdefghijklmn_opqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcd";
  auto s = Compile({secret});
  std::string encoded = Base64(secret + "\n");
  for (size_t width : {size_t{76}, size_t{64}}) {
    std::string wrapped;
    for (size_t at = 0; at < encoded.size(); at += width) {
      wrapped += encoded.substr(at, width) + "\n";
    }
    std::string out = ScrubAllWays(s, wrapped);
    // Only the characters that encode the final newline may survive.
    size_t kept = 0;
    for (char c : out) {
      kept += c != '*' && c != '\n' ? 1 : 0;
    }
    EXPECT_LE(kept, 4U) << width << ": " << out;
  }
}

TEST_P(StreamScrubberTest, PercentEncodedSecretInUrlQueryIsMasked) {
  std::string secret = "p@ss/w+rd=xyz 123";
  auto s = Compile({secret});
  EXPECT_EQ(ScrubAllWays(s, "GET https://example.com/dl?token=p%40ss%2Fw%2Brd%3Dxyz%20123&x=1\n"),
            "GET https://example.com/dl?token=***&x=1\n");
  EXPECT_EQ(ScrubAllWays(s, "GET https://example.com/dl?token=p%40ss%2fw%2brd%3dxyz%20123&x=1\n"),
            "GET https://example.com/dl?token=***&x=1\n");
  EXPECT_EQ(ScrubAllWays(s, "form: token=p%40ss%2Fw%2Brd%3Dxyz+123&x=1\n"),
            "form: token=***&x=1\n");
}

TEST_P(StreamScrubberTest, JsonEscapedSecretInsideJsonStringIsMasked) {
  std::string secret = "a\"b\\c/d-1234";
  auto s = Compile({secret});
  EXPECT_EQ(ScrubAllWays(s, R"({"password": "a\"b\\c/d-1234", "user": "bob"})"),
            R"({"password": "***", "user": "bob"})");
  EXPECT_EQ(ScrubAllWays(s, R"({"password":"a\"b\\c\/d-1234"})"), R"({"password":"***"})");
}

TEST_P(StreamScrubberTest, SetXOutputOfSecretWithSingleQuoteIsMasked) {
  std::string secret = "it's-a-secret";
  auto s = Compile({secret});
  EXPECT_EQ(ScrubAllWays(s, "+ curl -u 'admin:it'\\''s-a-secret' https://example.com\n"),
            "+ curl -u 'admin:***' https://example.com\n");
}

TEST_P(StreamScrubberTest, MultiLineKeyLinesAreMaskedButBareBraceLinesStay) {
  std::string key = "{\n  \"private_key\": \"MIIEvQIBADANBgkqhkiG9w0\",\n  \"id\": \"k-778899\"\n}";
  auto s = Compile({key});
  std::string log =
      "config:\n{\n  \"debug\": true\n}\n"
      "printing the key:\n" +
      key +
      "\n"
      "one line of it:   \"id\": \"k-778899\"\n"
      "crlf copy:\r\n" +
      std::string(
          "{\r\n  \"private_key\": \"MIIEvQIBADANBgkqhkiG9w0\",\r\n"
          "  \"id\": \"k-778899\"\r\n}") +
      "\r\n";
  std::string out = ScrubAllWays(s, log);
  EXPECT_EQ(out,
            "config:\n{\n  \"debug\": true\n}\n"
            "printing the key:\n***\n"
            "one line of it: ***\n"
            "crlf copy:\r\n***\r\n");
}

INSTANTIATE_TEST_SUITE_P(Engines,
                         StreamScrubberTest,
                         ::testing::ValuesIn(testing::TestEngines()),
                         [](const auto& info) { return std::string(EngineName(info.param)); });

// Vectorscan's literal compiler rejects a literal whose first byte is NUL
// (found by the engine-agreement fuzzer).
TEST(ScrubberCompile, SecretStartingWithNulWorksOnEveryEngine) {
  for (Engine engine : testing::TestEngines()) {
    ScrubOptions options;
    options.engine = engine;
    auto s = MustCompile({std::string("\0nul-led-secret", 15)}, options);
    ASSERT_NE(s, nullptr);
    std::string input = std::string("a \0nul-led-secret b", 19);
    auto out = ScrubString(s, input);
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ(out.value(), "a *** b");
  }
}

TEST(ScrubberCompile, RejectsZeroMinimumLength) {
  ScrubOptions options;
  options.min_secret_length = 0;
  EXPECT_FALSE(Scrubber::Compile(SecretSet{}, options).ok());
}

TEST(ScrubberCompile, EngineNamesRoundTrip) {
  for (Engine e : {Engine::kAuto, Engine::kHyperscan, Engine::kRe2}) {
    EXPECT_EQ(ParseEngine(EngineName(e)).value(), e);
  }
  EXPECT_FALSE(ParseEngine("pcre").ok());
}

}  // namespace
}  // namespace scrubber

namespace scrubber {
namespace {

// Vectorscan 5.4.9's AVX-512 scanners never report two literals that share
// a first byte once they lie past offset 64 (hyperscan_runtime.h). Whatever
// scanner this process picked must find them, on every engine.
TEST(ScrubberCompile, LiteralsSharingAFirstBytePastOffset64AreFound) {
  for (Engine engine : testing::TestEngines()) {
    ScrubOptions options;
    options.engine = engine;
    options.min_secret_length = 2;
    options.variants = VariantMask::RawOnly();
    for (const auto& pair :
         std::vector<std::vector<std::string>>{{"oab", "obc"}, {"password", "pwd"}, {"qa", "qb"}}) {
      auto s = MustCompile(pair, options);
      for (size_t pad : {10, 63, 64, 65, 100, 130}) {
        for (const std::string& literal : pair) {
          std::string input = std::string(pad, 'x') + literal + "=z";
          auto out = ScrubString(s, input);
          ASSERT_TRUE(out.ok());
          EXPECT_EQ(out.value(), std::string(pad, 'x') + "***=z")
              << literal << " after " << pad << " bytes on " << EngineName(engine);
        }
      }
    }
  }
}

}  // namespace
}  // namespace scrubber
