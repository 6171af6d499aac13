// End-to-end tests of what `scrub` masks and with what: every encoded variant
// of a secret (DESIGN §2) on both engines, --variants, and the masks that
// replace a match (***, --preserve-length, --mask, --label).
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/tool/cli_fixture.h"

namespace scrubber {
namespace {

using testing::Base64;
using testing::CliTest;
using testing::EngineAvailable;
using testing::ExpectedBase64;
using testing::kApiToken;
using testing::kDbPassword;
using testing::PercentEncode;
using testing::RunResult;
using testing::SpawnOptions;

// ---------------------------------------------------------------------------
// Each variant of DESIGN §2, on both engines.

class CliVariantTest : public CliTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    if (!EngineAvailable(GetParam())) {
      GTEST_SKIP() << "engine " << GetParam() << " is not available";
    }
  }
  // Scrubs `input` with the secrets of a JSON document.
  RunResult ScrubWithJson(const std::string& json,
                          const std::string& input,
                          std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--engine", GetParam(), "--secrets-json",
                                     Write("secrets.json", json)};
    args.insert(args.end(), extra.begin(), extra.end());
    return ScrubStdin(args, input);
  }
};

TEST_P(CliVariantTest, RedactsBase64AtEveryAlignmentInsideLongerText) {
  const std::string secret = "b64-Secret-Value-9";
  for (const std::string prefix : {"", "u", "us", "user:", "x-access-token:"}) {
    // A suffix's first bits must differ from the zero fill of an unpadded
    // ending, or its mixed character would equal the ending's and be masked.
    for (const std::string suffix : {"", "@host", "~x"}) {
      if (suffix.empty() && (prefix.size() + secret.size()) % 3 != 0) {
        continue;  // a padded ending: checked below without pinning the padding
      }
      SCOPED_TRACE("prefix '" + prefix + "' suffix '" + suffix + "'");
      std::string encoded = Base64(prefix + secret + suffix);
      RunResult r = ScrubWithJson("[\"" + secret + "\"]", "Basic " + encoded + "\n");
      EXPECT_RUN(r, "Basic " + ExpectedBase64(prefix, secret, suffix) + "\n", "", 0);
    }
  }
}

TEST_P(CliVariantTest, RedactsBase64WithAPaddedEnding) {
  const std::string secret = "b64-Secret-Value-9";
  for (const std::string prefix : {"", "u", "us"}) {
    std::string encoded = Base64(prefix + secret);
    if (encoded.back() != '=') {
      continue;
    }
    SCOPED_TRACE(prefix);
    RunResult r = ScrubWithJson("[\"" + secret + "\"]", "Basic " + encoded + "\n");
    EXPECT_EQ(r.exit_code, 0);
    size_t first = (prefix.size() * 8 + 5) / 6;
    size_t last = (prefix.size() + secret.size()) * 8 / 6;
    EXPECT_EQ(r.out.find(encoded.substr(first, last - first)), std::string::npos) << r.out;
    EXPECT_EQ(r.out.rfind("Basic " + encoded.substr(0, first) + "***", 0), 0u) << r.out;
  }
}

TEST_P(CliVariantTest, RedactsBase64Url) {
  const std::string secret = "url>>Secret??~~";  // encodes to '+' and '/' in plain base64
  std::string plain = Base64(secret);
  std::string url = Base64(secret, true);
  ASSERT_NE(plain, url);
  RunResult r = ScrubWithJson("[\"" + secret + "\"]", "a=" + url + "\nb=" + plain + "\n");
  EXPECT_RUN(r, "a=***\nb=***\n", "", 0);
}

TEST_P(CliVariantTest, RedactsPercentEncodingInBothCasesAndFormEncoding) {
  const std::string secret = "pa ss/wd#1";
  std::string input = "?p=" + PercentEncode(secret) + "&q=" + PercentEncode(secret, true) +
                      "&r=" + PercentEncode(secret, false, true) + "\n";
  ASSERT_EQ(input, "?p=pa%20ss%2Fwd%231&q=pa%20ss%2fwd%231&r=pa+ss%2Fwd%231\n");
  RunResult r = ScrubWithJson("[\"pa ss/wd#1\"]", input);
  EXPECT_RUN(r, "?p=***&q=***&r=***\n", "", 0);
}

TEST_P(CliVariantTest, RedactsJsonEscapes) {
  // The secret is q"uo\te/sl-1; JSON writes it with \" and \\ (and maybe \/).
  RunResult r =
      ScrubWithJson(R"(["q\"uo\\te/sl-1"])", R"({"a": "q\"uo\\te/sl-1", "b": "q\"uo\\te\/sl-1"})"
                                             "\n");
  EXPECT_RUN(r, "{\"a\": \"***\", \"b\": \"***\"}\n", "", 0);
}

TEST_P(CliVariantTest, RedactsAsciiOnlyJsonEscapesOfNonAsciiSecrets) {
  RunResult r = ScrubWithJson("[\"p\xc3\xa4sswort-\xf0\x9f\x94\x91\"]",
                              "{\"pw\": \"p\\u00e4sswort-\\ud83d\\udd11\"}\n");
  EXPECT_RUN(r, "{\"pw\": \"***\"}\n", "", 0);
}

TEST_P(CliVariantTest, RedactsXmlEscapes) {
  RunResult r =
      ScrubWithJson(R"(["p&ss<w>rd\"x"])", "<pw value=\"p&amp;ss&lt;w&gt;rd&quot;x\"/>\n");
  EXPECT_RUN(r, "<pw value=\"***\"/>\n", "", 0);
}

TEST_P(CliVariantTest, RedactsXmlAndHtmlEscapesOfAnApostrophe) {
  RunResult r = ScrubWithJson(R"(["it's-Secret-7"])",
                              "<a b='it&apos;s-Secret-7'/>\n<p>it&#39;s-Secret-7</p>\n");
  EXPECT_RUN(r, "<a b='***'/>\n<p>***</p>\n", "", 0);
}

TEST_P(CliVariantTest, RedactsShellQuotingAsSetXPrintsIt) {
  RunResult r = ScrubWithJson(R"(["it's-a-Secret", "open sesame 42x"])",
                              "+ curl -u 'ci:it'\\''s-a-Secret' https://example.org\n"
                              "+ login open\\ sesame\\ 42x\n");
  EXPECT_RUN(r, "+ curl -u 'ci:***' https://example.org\n+ login ***\n", "", 0);
}

TEST_P(CliVariantTest, RedactsEachLineOfAMultiLineSecretAndTheWhole) {
  std::string json = R"({"CERT": "line-One-AAAA\nline-Two-BBBB"})";
  RunResult r = ScrubWithJson(json,
                              "x line-One-AAAA y\nz line-Two-BBBB w\n"
                              "[line-One-AAAA\nline-Two-BBBB]\n"
                              "[line-One-AAAA\r\nline-Two-BBBB]\n");
  EXPECT_RUN(r, "x *** y\nz *** w\n[***]\n[***]\n", "", 0);
}

TEST_P(CliVariantTest, MergesOverlappingAndTouchingMatchesIntoOneMask) {
  RunResult r = ScrubWithJson(R"(["abcd-1234", "1234-wxyz", "QQQQ-5555"])",
                              "overlap abcd-1234-wxyz end\ntouch abcd-1234QQQQ-5555 end\n");
  EXPECT_RUN(r, "overlap *** end\ntouch *** end\n", "", 0);
}

TEST_P(CliVariantTest, VariantsRawLeavesEncodedFormsAlone) {
  std::string input = std::string("raw ") + kApiToken + "\nb64 " + Base64(kApiToken) + "\n";
  RunResult r = ScrubWithJson(std::string("[\"") + kApiToken + "\"]", input, {"--variants", "raw"});
  EXPECT_RUN(r, "raw ***\nb64 " + Base64(kApiToken) + "\n", "", 0);
}

TEST_P(CliVariantTest, VariantsListRedactsOnlyTheNamedEncodings) {
  std::string input = std::string("raw ") + kDbPassword + "\nb64 " + Base64(kDbPassword) +
                      "\npct " + PercentEncode(kDbPassword) + "\n";
  RunResult r = ScrubWithJson(R"(["Zq8\"vN3/pL#4 wKe"])", input, {"--variants", "raw,base64"});
  EXPECT_RUN(r, "raw ***\nb64 ***\npct " + PercentEncode(kDbPassword) + "\n", "", 0);
}

INSTANTIATE_TEST_SUITE_P(Engines,
                         CliVariantTest,
                         ::testing::Values("hyperscan", "re2"),
                         [](const auto& info) { return info.param; });

// ---------------------------------------------------------------------------
// Masks.

TEST_F(CliTest, PreserveLengthWritesOneStarPerRedactedByte) {
  std::string secrets = Write("s.txt", std::string(kApiToken) + "\n");
  RunResult r = ScrubStdin({"--preserve-length", "--secret-file", secrets},
                           std::string("a ") + kApiToken + " b\n");
  EXPECT_RUN(r, "a " + std::string(std::strlen(kApiToken), '*') + " b\n", "", 0);
}

TEST_F(CliTest, MaskOptionReplacesTheDefaultMask) {
  std::string secrets = Write("s.txt", std::string(kApiToken) + "\n");
  RunResult r = ScrubStdin({"--mask", "<hidden>", "--secret-file", secrets},
                           std::string("a ") + kApiToken + " b\n");
  EXPECT_RUN(r, "a <hidden> b\n", "", 0);
}

TEST_F(CliTest, LabelSaysSecretForUnnamedSecrets) {
  std::string file = Write("s.txt", "file-Secret-1\n");
  std::string json = Write("s.json", R"(["array-Secret-2"])");
  RunResult r = ScrubStdin({"--label", "--secret-file", file, "--secrets-json", json},
                           "file-Secret-1 array-Secret-2\n");
  EXPECT_RUN(r, "[REDACTED:secret] [REDACTED:secret]\n", "", 0);
}

TEST_F(CliTest, LabelUsesTheEnvironmentVariableName) {
  SpawnOptions options;
  options.env = {"MY_DEPLOY_KEY=env-Deploy-Key-55"};
  options.stdin_bytes = "key=env-Deploy-Key-55\n";
  RunResult r = Scrub({"--label", "--secret-env", "MY_DEPLOY_KEY"}, options);
  EXPECT_RUN(r, "key=[REDACTED:MY_DEPLOY_KEY]\n", "", 0);
}

}  // namespace
}  // namespace scrubber
