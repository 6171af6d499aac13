// End-to-end tests of the `scrub` filter (DESIGN §2-§3): the binary named by
// SCRUB_BIN runs on real CI logs and small inputs, and each test compares the
// exact stdout, stderr and exit status. Test data comes from SCRUB_TEST_DATA.
// Every secret value here is made up.
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scrubber_config.h"
#include "tests/tool/subprocess.h"

namespace {

using scrubber::testing::RunCommand;
using scrubber::testing::RunResult;
using scrubber::testing::SpawnOptions;
using scrubber::testing::Subprocess;
using std::chrono::seconds;

// Made-up secrets planted into the CI log.
constexpr char kApiToken[] = "tok_3fK9qLm2Xv8RzP1wYc7N";
// Quote, slash, hash and space make its percent and JSON forms differ from it.
constexpr char kDbPassword[] = "Zq8\"vN3/pL#4 wKe";
constexpr char kBasicUser[] = "deploy-bot:";

// A generous bound for output that should arrive at once.
constexpr std::chrono::milliseconds kLiveDeadline{10000};

std::string ScrubBin() {
  const char* bin = std::getenv("SCRUB_BIN");  // NOLINT(concurrency-mt-unsafe)
  return bin == nullptr ? "" : bin;
}

std::string DataPath(const std::string& relative) {
  const char* dir = std::getenv("SCRUB_TEST_DATA");  // NOLINT(concurrency-mt-unsafe)
  return std::string(dir == nullptr ? "tests/data" : dir) + "/" + relative;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

void WriteFile(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

std::string ReplaceAll(std::string text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

size_t CountLines(std::string_view text) {
  return std::count(text.begin(), text.end(), '\n');
}

std::string Base64(std::string_view bytes, bool url = false) {
  const char* alphabet = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                             : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size())
      n |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size())
      n |= static_cast<uint8_t>(bytes[i + 2]);
    size_t chars = std::min<size_t>(4, (bytes.size() - i) * 8 / 6 + 1);
    for (size_t c = 0; c < 4; ++c) {
      out += c < chars ? alphabet[(n >> (18 - 6 * c)) & 63] : '=';
    }
  }
  return out;
}

// RFC 3986: everything but ALPHA / DIGIT / - . _ ~ is %XX.
std::string PercentEncode(std::string_view bytes, bool lower = false, bool plus = false) {
  std::string out;
  for (char ch : bytes) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += ch;
    } else if (plus && c == ' ') {
      out += '+';
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, lower ? "%%%02x" : "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

// The base64 characters of Base64(prefix + secret + suffix) that depend on
// the secret's bytes alone are [first, last): DESIGN §2 redacts exactly those.
std::string ExpectedBase64(std::string_view prefix,
                           std::string_view secret,
                           std::string_view suffix,
                           bool url = false) {
  std::string all = Base64(std::string(prefix) + std::string(secret) + std::string(suffix), url);
  size_t first = (prefix.size() * 8 + 5) / 6;
  size_t last = (prefix.size() + secret.size()) * 8 / 6;
  return all.substr(0, first) + "***" + all.substr(last);
}

// Equality of big byte strings, reporting the first difference briefly.
::testing::AssertionResult SameBytes(const std::string& actual, const std::string& expected) {
  if (actual == expected) {
    return ::testing::AssertionSuccess();
  }
  size_t at = 0;
  while (at < actual.size() && at < expected.size() && actual[at] == expected[at]) {
    ++at;
  }
  size_t from = at < 60 ? 0 : at - 60;
  return ::testing::AssertionFailure()
         << "sizes " << actual.size() << " vs expected " << expected.size()
         << "; first difference at byte " << at
         << "\n  actual:   " << ::testing::PrintToString(actual.substr(from, 140))
         << "\n  expected: " << ::testing::PrintToString(expected.substr(from, 140));
}

#define EXPECT_RUN(result, want_out, want_err, want_code) \
  do {                                                    \
    const RunResult& r_ = (result);                       \
    EXPECT_EQ(r_.spawn_error, "");                        \
    EXPECT_FALSE(r_.timed_out);                           \
    EXPECT_EQ(r_.out, want_out);                          \
    EXPECT_EQ(r_.err, want_err);                          \
    EXPECT_EQ(r_.exit_code, want_code);                   \
  } while (false)

// A diagnostic is exactly one line on stderr, prefixed with the program name.
#define EXPECT_ONE_ERROR_LINE(err)                                \
  do {                                                            \
    EXPECT_EQ(CountLines(err), 1u) << (err);                      \
    EXPECT_EQ((err).rfind("scrub: ", 0), 0u) << (err);            \
    EXPECT_TRUE(!(err).empty() && (err).back() == '\n') << (err); \
  } while (false)

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(ScrubBin().empty()) << "SCRUB_BIN is not set";
    std::string tmpl = (std::filesystem::temp_directory_path() / "scrub-cli-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) {
      std::filesystem::remove_all(dir_);
    }
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  std::string Write(const std::string& name, std::string_view content) const {
    WriteFile(Path(name), content);
    return Path(name);
  }

  static RunResult Scrub(std::vector<std::string> args, const SpawnOptions& options = {}) {
    args.insert(args.begin(), ScrubBin());
    return RunCommand(args, options);
  }
  static RunResult ScrubStdin(std::vector<std::string> args, std::string input) {
    SpawnOptions options;
    options.stdin_bytes = std::move(input);
    return Scrub(std::move(args), options);
  }
  static std::vector<std::string> Argv(std::vector<std::string> args) {
    args.insert(args.begin(), ScrubBin());
    return args;
  }

  std::string dir_;
};

bool EngineAvailable(const std::string& engine) {
  static std::map<std::string, bool> known;
  if (known.find(engine) == known.end()) {
    known[engine] = RunCommand({ScrubBin(), "--engine", engine}).exit_code == 0;
  }
  return known[engine];
}

// ---------------------------------------------------------------------------
// A real CI log, untouched and with secrets planted into it.

// The CI log with planted lines after some of its lines. `form` gives the text
// written for each planted form (the form itself, or what must replace it).
struct PlantedForms {
  std::string token;
  std::string password_raw;
  std::string password_percent;
  std::string basic_auth;
  std::string password_json;
};

std::string PlantInto(const std::string& log, const PlantedForms& f) {
  std::map<size_t, std::string> after_line = {
      {60, "2023-09-21T17:21:53.2508000Z   PYPI_API_TOKEN: " + f.token + "\n"},
      {75,
       "2023-09-21T17:21:54.1768400Z   GET https://pypi.example.org/simple/?user=deploy-bot"
       "&password=" +
           f.password_percent + "&raw=1 200\n"},
      {76, "2023-09-21T17:21:54.1768500Z   > Authorization: Basic " + f.basic_auth + "\n"},
      {90, "2023-09-21T17:21:54.8620700Z   {\"user\": \"deploy-bot\", \"password\": \"" +
               f.password_json + "\", \"token\": \"" + f.token + "\"}\n"},
      {120, "2023-09-21T17:22:10.0000000Z   echo password is " + f.password_raw + ", done\n"},
  };
  std::string out;
  size_t line = 0;
  size_t start = 0;
  while (start < log.size()) {
    size_t end = log.find('\n', start);
    end = end == std::string::npos ? log.size() : end + 1;
    out.append(log, start, end - start);
    ++line;
    if (auto it = after_line.find(line); it != after_line.end()) {
      out += it->second;
    }
    start = end;
  }
  return out;
}

PlantedForms SecretForms() {
  return {kApiToken, kDbPassword, PercentEncode(kDbPassword),
          Base64(std::string(kBasicUser) + kDbPassword),
          ReplaceAll(ReplaceAll(kDbPassword, "\\", "\\\\"), "\"", "\\\"")};
}

PlantedForms MaskedForms(const std::string& mask) {
  PlantedForms f = SecretForms();
  // Only the base64 characters that depend on the password alone go.
  size_t kept = (std::string_view(kBasicUser).size() * 8 + 5) / 6;
  return {mask, mask, mask, f.basic_auth.substr(0, kept) + mask, mask};
}

class CliCiLogTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    original_ = ReadFile(DataPath("ci-logs/test-ubuntu.log"));
    ASSERT_GT(original_.size(), 10000u);
    // The planted base64 must end on a group boundary, so no padding or
    // mixed last character makes the expected output ambiguous.
    ASSERT_EQ((std::strlen(kBasicUser) + std::strlen(kDbPassword)) % 3, 0u);
    planted_ = Write("planted.log", PlantInto(original_, SecretForms()));
    secrets_ = Write("secrets.txt", std::string(kApiToken) + "\n" + kDbPassword + "\n");
  }

  std::string original_;
  std::string planted_;
  std::string secrets_;
};

TEST_F(CliCiLogTest, PassesTheLogThroughByteIdenticalWhenNoSecretOccurs) {
  RunResult r = Scrub({DataPath("ci-logs/test-ubuntu.log"), "--secret-file", secrets_});
  EXPECT_TRUE(SameBytes(r.out, original_));
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.exit_code, 0);
}

TEST_F(CliCiLogTest, PassesEveryStoredLogThroughByteIdenticalWithoutSecrets) {
  for (const auto& entry : std::filesystem::directory_iterator(DataPath("ci-logs"))) {
    if (entry.path().extension() != ".log") {
      continue;
    }
    SCOPED_TRACE(entry.path().string());
    RunResult r = Scrub({entry.path().string(), "--secret-file", secrets_});
    EXPECT_TRUE(SameBytes(r.out, ReadFile(entry.path().string())));
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.exit_code, 0);
  }
}

TEST_F(CliCiLogTest, RedactsEveryPlantedFormAndLeavesTheRestByteIdentical) {
  std::string expected = PlantInto(original_, MaskedForms("***"));
  for (const std::string engine : {"auto", "hyperscan", "re2"}) {
    if (!EngineAvailable(engine)) {
      continue;
    }
    SCOPED_TRACE("--engine " + engine);
    RunResult r = Scrub({planted_, "--engine", engine, "--secret-file", secrets_});
    EXPECT_TRUE(SameBytes(r.out, expected));
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.exit_code, 0);
    for (const std::string& form :
         {std::string(kApiToken), std::string(kDbPassword), SecretForms().password_percent,
          SecretForms().basic_auth, SecretForms().password_json}) {
      EXPECT_EQ(r.out.find(form), std::string::npos) << form;
    }
  }
}

TEST_F(CliCiLogTest, BothEnginesGiveIdenticalOutputOnThePlantedLog) {
  if (!EngineAvailable("hyperscan")) {
    GTEST_SKIP() << "this build or CPU has no Hyperscan";
  }
  for (const std::vector<std::string>& extra :
       {std::vector<std::string>{}, {"--label"}, {"--preserve-length"}}) {
    std::vector<std::string> hs = {planted_, "--engine", "hyperscan", "--secret-file", secrets_};
    std::vector<std::string> re2 = {planted_, "--engine", "re2", "--secret-file", secrets_};
    hs.insert(hs.end(), extra.begin(), extra.end());
    re2.insert(re2.end(), extra.begin(), extra.end());
    RunResult a = Scrub(hs);
    RunResult b = Scrub(re2);
    EXPECT_EQ(a.exit_code, 0);
    EXPECT_EQ(b.exit_code, 0);
    EXPECT_TRUE(SameBytes(a.out, b.out));
    EXPECT_NE(a.out, ReadFile(planted_));
  }
}

TEST_F(CliCiLogTest, PreserveLengthKeepsEveryByteOffsetOfTheLog) {
  PlantedForms f = SecretForms();
  PlantedForms stars = MaskedForms("");
  stars.token = std::string(f.token.size(), '*');
  stars.password_raw = std::string(f.password_raw.size(), '*');
  stars.password_percent = std::string(f.password_percent.size(), '*');
  stars.basic_auth += std::string(f.basic_auth.size() - stars.basic_auth.size(), '*');
  stars.password_json = std::string(f.password_json.size(), '*');
  RunResult r = Scrub({planted_, "--preserve-length", "--secret-file", secrets_});
  EXPECT_TRUE(SameBytes(r.out, PlantInto(original_, stars)));
  EXPECT_EQ(r.out.size(), ReadFile(planted_).size());
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.exit_code, 0);
}

TEST_F(CliCiLogTest, LabelNamesTheJsonKeyOfEachSecret) {
  std::string json = Write("secrets.json", std::string("{\"PYPI_API_TOKEN\": \"") + kApiToken +
                                               "\", \"DEPLOY_PASSWORD\": \"Zq8\\\"vN3/pL#4 wKe\"}");
  PlantedForms labels = MaskedForms("[REDACTED:DEPLOY_PASSWORD]");
  labels.token = "[REDACTED:PYPI_API_TOKEN]";
  RunResult r = Scrub({planted_, "--label", "--secrets-json", json});
  EXPECT_TRUE(SameBytes(r.out, PlantInto(original_, labels)));
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.exit_code, 0);
}

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

// ---------------------------------------------------------------------------
// Secret sources.

TEST_F(CliTest, SecretFileIgnoresLineEndsAndEmptyLines) {
  std::string secrets = Write("s.txt", "alpha-Secret-1\r\n\r\n\nbeta-Secret-2\n");
  RunResult r = ScrubStdin({"--secret-file", secrets}, "x alpha-Secret-1 y beta-Secret-2\r\n");
  EXPECT_RUN(r, "x *** y ***\r\n", "", 0);
}

TEST_F(CliTest, SecretsAreBytesNotNecessarilyUtf8) {
  std::string secrets = Write("s.txt",
                              "\xff\xfe"
                              "b1n-S3cret\n");
  RunResult r = ScrubStdin({"--secret-file", secrets},
                           "x \xff\xfe"
                           "b1n-S3cret y\n");
  EXPECT_RUN(r, "x *** y\n", "", 0);
}

TEST_F(CliTest, SecretEnvRedactsTheVariableValue) {
  SpawnOptions options;
  options.env = {"DEPLOY_VALUE=env-Value-0x7f"};
  options.stdin_bytes = "v=env-Value-0x7f\n";
  RunResult r = Scrub({"--secret-env", "DEPLOY_VALUE"}, options);
  EXPECT_RUN(r, "v=***\n", "", 0);
}

TEST_F(CliTest, SecretEnvWithTheVariableUnsetIsAUsageError) {
  SpawnOptions options;
  options.unset_env = {"SCRUB_TEST_UNSET_VARIABLE"};
  options.stdin_bytes = "hello\n";
  RunResult r = Scrub({"--secret-env", "SCRUB_TEST_UNSET_VARIABLE"}, options);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_ONE_ERROR_LINE(r.err);
  EXPECT_NE(r.err.find("SCRUB_TEST_UNSET_VARIABLE"), std::string::npos) << r.err;
}

TEST_F(CliTest, SecretsFromEnvTakesSecretLookingNamesOnly) {
  SpawnOptions options;
  options.inherit_env = false;
  options.env = {"MY_API_TOKEN=env-Token-A1b2C3",     "github_password=gh-Pass-Z9y8",
                 "AWS_SECRET_ACCESS_KEY=aws-Sk-4455", "HOME=/home/envtest-Home-77",
                 "BUILD_LABEL=build-Label-3141",      "PATH=/usr/bin:/bin"};
  options.stdin_bytes =
      "token env-Token-A1b2C3\npw gh-Pass-Z9y8\naws aws-Sk-4455\n"
      "home /home/envtest-Home-77\nlabel build-Label-3141\npath /usr/bin:/bin\n";
  RunResult r = Scrub({"--label", "--secrets-from-env"}, options);
  EXPECT_RUN(r,
             "token [REDACTED:MY_API_TOKEN]\npw [REDACTED:github_password]\n"
             "aws [REDACTED:AWS_SECRET_ACCESS_KEY]\n"
             "home /home/envtest-Home-77\nlabel build-Label-3141\npath /usr/bin:/bin\n",
             "", 0);
}

TEST_F(CliTest, ShortSecretIsSkippedWithAWarningNamingItsSourceNotItsValue) {
  std::string secrets = Write("s.txt", std::string(kApiToken) + "\nzQ\n");
  RunResult r = ScrubStdin({"--secret-file", secrets}, "short zQ stays\n");
  EXPECT_EQ(r.out, "short zQ stays\n");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_ONE_ERROR_LINE(r.err);
  EXPECT_EQ(r.err.rfind("scrub: warning: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(secrets + ":2"), std::string::npos) << r.err;
  EXPECT_EQ(ReplaceAll(r.err, secrets, "").find("zQ"), std::string::npos) << r.err;
}

TEST_F(CliTest, QuietHidesTheShortSecretWarning) {
  std::string secrets = Write("s.txt", "zQ\n");
  RunResult r = ScrubStdin({"-q", "--secret-file", secrets}, "short zQ stays\n");
  EXPECT_RUN(r, "short zQ stays\n", "", 0);
}

TEST_F(CliTest, MinSecretLengthRaisesTheBar) {
  std::string json = Write("s.json", R"({"SHORTISH": "six-6x", "LONG": "long-Enough-1"})");
  RunResult r =
      ScrubStdin({"--min-secret-length", "8", "--secrets-json", json}, "six-6x long-Enough-1\n");
  EXPECT_EQ(r.out, "six-6x ***\n");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_ONE_ERROR_LINE(r.err);
  EXPECT_NE(r.err.find("SHORTISH"), std::string::npos) << r.err;
  EXPECT_EQ(ReplaceAll(r.err, json, "").find("six-6x"), std::string::npos) << r.err;
}

// ---------------------------------------------------------------------------
// Bad configuration and usage: exit 2, one line on stderr, no output.

TEST_F(CliTest, MissingSecretFileIsOneErrorLineNamingIt) {
  std::string missing = Path("no-such-secrets.txt");
  RunResult r = ScrubStdin({"--secret-file", missing}, "hello\n");
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_ONE_ERROR_LINE(r.err);
  EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
}

TEST_F(CliTest, SecretFileThatIsADirectoryIsAUsageError) {
  RunResult r = ScrubStdin({"--secret-file", dir_}, "hello\n");
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_ONE_ERROR_LINE(r.err);
  EXPECT_NE(r.err.find(dir_), std::string::npos) << r.err;
}

TEST_F(CliTest, MissingSecretsJsonIsOneErrorLineNamingIt) {
  std::string missing = Path("no-such-secrets.json");
  RunResult r = ScrubStdin({"--secrets-json", missing}, "hello\n");
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_ONE_ERROR_LINE(r.err);
  EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
}

TEST_F(CliTest, MalformedSecretsJsonNamesTheFileButNoValue) {
  const std::vector<std::string> documents = {
      R"({"DEPLOY": "leak-Me-Value-1", "OTHER": )",
      R"({"DEPLOY": "leak-Me-Value-1", "OTHER": 42})",
      R"(["leak-Me-Value-1", ["leak-Me-Value-2"]])",
      R"(["leak-Me-Value-1", null])",
      R"("leak-Me-Value-1")",
      R"({"DEPLOY": "leak-Me-Value-1"} trailing-leak-Me-Value-2)",
      "[\"leak-Me-Value-1\", \"unterminated-leak-Me-Value-2",
  };
  for (size_t i = 0; i < documents.size(); ++i) {
    SCOPED_TRACE(documents[i]);
    std::string path = Write("bad" + std::to_string(i) + ".json", documents[i]);
    RunResult r = ScrubStdin({"--secrets-json", path}, "hello\n");
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_ONE_ERROR_LINE(r.err);
    EXPECT_NE(r.err.find(path), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("leak-Me"), std::string::npos) << r.err;
  }
}

TEST_F(CliTest, UsageErrorsExitTwoWithOneLineAndNoOutput) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--no-such-option"}, "--no-such-option"},
      {{"--engine", "pcre"}, "pcre"},
      {{"--variants", "raw,rot13"}, "rot13"},
      {{"--min-secret-length", "abc"}, "--min-secret-length"},
      {{"--hold-ms", "-5"}, "--hold-ms"},
      {{"--secret-file"}, "--secret-file"},
  };
  for (const auto& [args, named] : cases) {
    SCOPED_TRACE(args[0] + (args.size() > 1 ? " " + args[1] : ""));
    RunResult r = ScrubStdin(args, "hello\n");
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_ONE_ERROR_LINE(r.err);
    EXPECT_NE(r.err.find(named), std::string::npos) << r.err;
  }
}

// ---------------------------------------------------------------------------
// Exit status and report.

TEST_F(CliTest, FailOnRedactExitsOneWhenSomethingWasRedacted) {
  std::string secrets = Write("s.txt", std::string(kApiToken) + "\n");
  RunResult hit = ScrubStdin({"--fail-on-redact", "--secret-file", secrets},
                             std::string("t=") + kApiToken + "\n");
  EXPECT_RUN(hit, "t=***\n", "", 1);
  RunResult miss = ScrubStdin({"--fail-on-redact", "--secret-file", secrets}, "clean\n");
  EXPECT_RUN(miss, "clean\n", "", 0);
}

// The number a JSON report gives for `key`, or -1.
long long ReportNumber(const std::string& json, const std::string& key) {
  std::smatch m;
  if (std::regex_search(json, m, std::regex("\"" + key + "\"\\s*:\\s*([0-9]+)"))) {
    return std::stoll(m[1]);
  }
  return -1;
}

TEST_F(CliTest, ReportToStderrCountsRedactionsAndHoldsNoSecret) {
  std::string json = Write("s.json", R"({"PYPI_API_TOKEN": "tok_3fK9qLm2Xv8RzP1wYc7N",
                                        "DEPLOY_PASSWORD": "Zq8\"vN3/pL#4 wKe",
                                        "TINY": "zQ"})");
  std::string input = std::string("a ") + kApiToken + "\nb " + kDbPassword + "\nc " +
                      Base64(kDbPassword) + "\nd " + kApiToken + "\n";
  RunResult r =
      ScrubStdin({"-q", "--engine", "re2", "--report", "-", "--secrets-json", json}, input);
  EXPECT_EQ(r.out, "a ***\nb ***\nc ***\nd ***\n");
  EXPECT_EQ(r.exit_code, 0);
  ASSERT_EQ(CountLines(r.err), 1u) << r.err;
  EXPECT_EQ(r.err.front(), '{') << r.err;
  EXPECT_EQ(r.err.substr(r.err.size() - 2), "}\n") << r.err;
  EXPECT_EQ(ReportNumber(r.err, "redactions"), 4) << r.err;
  EXPECT_EQ(ReportNumber(r.err, "PYPI_API_TOKEN"), 2) << r.err;
  EXPECT_EQ(ReportNumber(r.err, "DEPLOY_PASSWORD"), 2) << r.err;
  EXPECT_EQ(ReportNumber(r.err, "secrets_loaded"), 2) << r.err;
  EXPECT_EQ(ReportNumber(r.err, "bytes_in"), static_cast<long long>(input.size())) << r.err;
  EXPECT_EQ(ReportNumber(r.err, "bytes_out"), static_cast<long long>(r.out.size())) << r.err;
  EXPECT_EQ(ReportNumber(r.err, "forced_releases"), 0) << r.err;
  EXPECT_NE(r.err.find("\"engine\":\"re2\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("TINY"), std::string::npos) << r.err;
  for (const std::string& value : {std::string(kApiToken), std::string("Zq8"),
                                   Base64(kDbPassword).substr(4, 8), std::string("zQ")}) {
    EXPECT_EQ(r.err.find(value), std::string::npos) << value << " in " << r.err;
  }
}

TEST_F(CliTest, ReportToAFileLeavesStderrEmpty) {
  std::string secrets = Write("s.txt", std::string(kApiToken) + "\n");
  std::string report = Path("report.json");
  RunResult r = ScrubStdin({"--report", report, "--secret-file", secrets},
                           std::string("t=") + kApiToken + "\n");
  EXPECT_RUN(r, "t=***\n", "", 0);
  std::string json = ReadFile(report);
  EXPECT_EQ(ReportNumber(json, "redactions"), 1) << json;
  EXPECT_EQ(ReportNumber(json, "secrets_loaded"), 1) << json;
  EXPECT_EQ(json.find(kApiToken), std::string::npos) << json;
}

TEST_F(CliTest, UnwritableReportIsAnOutputFailureNamingThePath) {
  std::string report = Path("no-such-dir/report.json");
  RunResult r = ScrubStdin({"--report", report}, "hello\n");
  EXPECT_EQ(r.out, "hello\n");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_ONE_ERROR_LINE(r.err);
  EXPECT_NE(r.err.find(report), std::string::npos) << r.err;
}

// ---------------------------------------------------------------------------
// Inputs and outputs.

// Input FILEs come first in the other tests: see the next test.
TEST_F(CliTest, InputFileAfterASecretSourceOptionIsScrubbedNotTakenAsASecretSource) {
  std::string secrets = Write("s.txt", std::string(kApiToken) + "\n");
  std::string json = Write("s.json", std::string("[\"") + kApiToken + "\"]");
  std::string input = Write("in.log", std::string("file ") + kApiToken + "\n");
  SpawnOptions options;
  options.env = {std::string("MY_DEPLOY_TOKEN=") + kApiToken};
  options.stdin_bytes = "from stdin\n";
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--secret-file", secrets, input},
        {"--secret-file=" + secrets, input},
        {"--secrets-json", json, input},
        {"--secret-env", "MY_DEPLOY_TOKEN", input}}) {
    SCOPED_TRACE(args[0]);
    EXPECT_RUN(Scrub(args, options), "file ***\n", "", 0);
  }
}

TEST_F(CliTest, ConcatenatesFilesAndStdinInArgumentOrder) {
  std::string secrets = Write("s.txt", std::string(kApiToken) + "\n");
  std::string a = Write("a.txt", std::string("first ") + kApiToken + "\n");
  std::string b = Write("b.txt", "third\n");
  RunResult r =
      ScrubStdin({a, "-", b, "--secret-file", secrets}, std::string("second ") + kApiToken + "\n");
  EXPECT_RUN(r, "first ***\nsecond ***\nthird\n", "", 0);
}

TEST_F(CliTest, MissingInputIsNamedAndTheOtherInputsStillScrubbed) {
  std::string secrets = Write("s.txt", std::string(kApiToken) + "\n");
  std::string a = Write("a.txt", std::string("first ") + kApiToken + "\n");
  std::string b = Write("b.txt", "third\n");
  std::string missing = Path("missing.log");
  RunResult r = Scrub({missing, a, b, "--secret-file", secrets});
  EXPECT_EQ(r.out, "first ***\nthird\n");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_ONE_ERROR_LINE(r.err);
  EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;

  RunResult last = Scrub({a, missing, "--secret-file", secrets});
  EXPECT_EQ(last.out, "first ***\n");
  EXPECT_EQ(last.exit_code, 3);
  EXPECT_ONE_ERROR_LINE(last.err);
  EXPECT_NE(last.err.find(missing), std::string::npos) << last.err;
}

TEST_F(CliTest, FailingStdoutExitsThreeNamingIt) {
  if (!std::filesystem::exists("/dev/full")) {
    GTEST_SKIP() << "no /dev/full";
  }
  SpawnOptions options;
  options.stdout_path = "/dev/full";
  options.stdin_bytes = "hello\n";
  RunResult r = Scrub({}, options);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_ONE_ERROR_LINE(r.err);
  EXPECT_NE(r.err.find("stdout"), std::string::npos) << r.err;
}

TEST_F(CliTest, ClosedStdoutPipeEndsQuietly) {
  Subprocess child(Argv({}));
  ASSERT_EQ(child.spawn_error(), "");
  ASSERT_TRUE(child.Write("first line\n"));
  ASSERT_TRUE(child.ReadStdoutUntil("first line\n", kLiveDeadline));
  child.CloseStdout();  // like `| head -1`
  child.Write("second line\n");
  RunResult r = child.Wait();
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.term_signal, 0);
  EXPECT_EQ(r.exit_code, 0);
}

TEST_F(CliTest, ClosedStdoutPipeEndsQuietlyWhileReadingABigFile) {
  std::string big;
  for (int i = 0; i < 200000; ++i) {
    big += "2023-09-21T17:21:53.2507934Z line " + std::to_string(i) + " of a long log\n";
  }
  std::string path = Write("big.log", big);
  std::string secrets = Write("s.txt", std::string(kApiToken) + "\n");
  Subprocess child(Argv({path, "--report", "-", "--secret-file", secrets}));
  ASSERT_EQ(child.spawn_error(), "");
  ASSERT_TRUE(child.ReadStdoutUntil("\n", kLiveDeadline));
  child.CloseStdout();
  RunResult r = child.Wait();
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.term_signal, 0);
  EXPECT_EQ(r.exit_code, 0);
}

TEST_F(CliTest, NulBytesInvalidUtf8AndCrlfPassThroughUnchanged) {
  std::string all_bytes;
  for (int round = 0; round < 2; ++round) {
    for (int b = 0; b < 256; ++b) {
      all_bytes += static_cast<char>(b);
    }
  }
  all_bytes += "\xc3\x28 \xed\xa0\x80 \xf8\x88\x80\x80\x80 line\r\nnext\r\n\r\n";
  std::string secrets = Write("s.txt", std::string(kApiToken) + "\n");
  RunResult r = ScrubStdin({"--secret-file", secrets}, all_bytes);
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(SameBytes(r.out, all_bytes));
}

TEST_F(CliTest, SecretBetweenNulAndInvalidBytesIsRedactedAndTheBytesKept) {
  std::string secrets = Write("s.txt", std::string(kApiToken) + "\n");
  std::string input = std::string("\0\0", 2) + kApiToken + std::string("\0\xff\r\n", 4);
  RunResult r = ScrubStdin({"--secret-file", secrets}, input);
  EXPECT_RUN(r, std::string("\0\0***\0\xff\r\n", 9), "", 0);
}

TEST_F(CliTest, SecretsAcrossReadBoundariesOfALongLineAreRedacted) {
  // The filter reads files in large chunks; secrets sit across every likely
  // chunk size (64 KiB to 1 MiB), inside one line with no line end.
  std::string secrets = Write("s.txt", std::string(kApiToken) + "\n");
  std::string input(2 << 20, 'x');
  std::string expected;
  size_t copied = 0;
  for (size_t boundary = 64 << 10; boundary < input.size(); boundary *= 2) {
    size_t at = boundary - 7;
    input.replace(at, std::strlen(kApiToken), kApiToken);
    expected += input.substr(copied, at - copied) + "***";
    copied = at + std::strlen(kApiToken);
  }
  expected += input.substr(copied);
  std::string path = Write("long.log", input);
  RunResult r = Scrub({path, "--secret-file", secrets});
  EXPECT_TRUE(SameBytes(r.out, expected));
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.exit_code, 0);
}

TEST_F(CliTest, SecretAtTheEndOfInputWithoutLineEndIsRedacted) {
  std::string secrets = Write("s.txt", std::string(kApiToken) + "\n");
  RunResult r = ScrubStdin({"--secret-file", secrets}, std::string("last ") + kApiToken);
  EXPECT_RUN(r, "last ***", "", 0);
}

TEST_F(CliTest, EmptyInputGivesEmptyOutput) {
  std::string empty = Write("empty.log", "");
  EXPECT_RUN(Scrub({empty}), "", "", 0);
  EXPECT_RUN(ScrubStdin({}, ""), "", "", 0);
}

// ---------------------------------------------------------------------------
// ::add-mask:: commands.

TEST_F(CliTest, AddMaskCommandMasksTheValueAfterItAndIsNotWritten) {
  RunResult r = ScrubStdin({"--add-mask-commands"},
                           "early m4sk-Value-77\n::add-mask::m4sk-Value-77\n"
                           "late m4sk-Value-77 end\n");
  EXPECT_RUN(r, "early m4sk-Value-77\nlate *** end\n", "", 0);
}

TEST_F(CliTest, AddMaskCommandUnescapesPercentAndIgnoresTheLineEnd) {
  RunResult r = ScrubStdin({"--add-mask-commands"},
                           "::add-mask::pct%25val-99\r\nsee pct%val-99\r\n"
                           "::add-mask::two%0Alines-8\nx two\nlines-8 y\n");
  EXPECT_RUN(r, "see ***\r\nx *** y\n", "", 0);
}

TEST_F(CliTest, AddMaskLinesPassThroughWithoutTheFlag) {
  std::string input = "::add-mask::m4sk-Value-77\nlate m4sk-Value-77 end\n";
  RunResult r = ScrubStdin({}, input);
  EXPECT_RUN(r, input, "", 0);
}

// ---------------------------------------------------------------------------
// Liveness: output appears while stdin is still open.

TEST_F(CliTest, LineWithoutSecretAppearsBeforeStdinCloses) {
  std::string secrets = Write("s.txt", std::string(kApiToken) + "\n");
  Subprocess child(Argv({"--secret-file", secrets}));
  ASSERT_EQ(child.spawn_error(), "");
  ASSERT_TRUE(child.Write("hello\n"));
  EXPECT_TRUE(child.ReadStdoutUntil("hello\n", kLiveDeadline)) << child.out();
  ASSERT_TRUE(child.Write("partial line "));
  EXPECT_TRUE(child.ReadStdoutUntil("partial line ", kLiveDeadline)) << child.out();
  RunResult r = child.Wait();
  EXPECT_RUN(r, "hello\npartial line ", "", 0);
}

TEST_F(CliTest, SecretWrittenInTwoHalvesIsMaskedWhole) {
  std::string secrets = Write("s.txt", std::string(kApiToken) + "\n");
  // A long hold, so that a slow machine cannot force out the first half.
  Subprocess child(Argv({"--hold-ms", "60000", "--secret-file", secrets}));
  ASSERT_EQ(child.spawn_error(), "");
  std::string token = kApiToken;
  ASSERT_TRUE(child.Write("hello\n"));
  ASSERT_TRUE(child.ReadStdoutUntil("hello\n", kLiveDeadline));
  ASSERT_TRUE(child.Write("token " + token.substr(0, 10)));
  ASSERT_TRUE(child.Write(token.substr(10) + " and more\n"));
  EXPECT_TRUE(child.ReadStdoutUntil("more\n", kLiveDeadline)) << child.out();
  EXPECT_EQ(child.out(), "hello\ntoken *** and more\n");
  RunResult r = child.Wait();
  EXPECT_RUN(r, "hello\ntoken *** and more\n", "", 0);
}

TEST_F(CliTest, HeldPartialMatchIsReleasedAfterHoldMs) {
  std::string secrets = Write("s.txt", std::string(kApiToken) + "\n");
  Subprocess child(Argv({"--hold-ms", "50", "--report", "-", "--secret-file", secrets}));
  ASSERT_EQ(child.spawn_error(), "");
  std::string half = std::string(kApiToken).substr(0, 10);
  ASSERT_TRUE(child.Write("prompt " + half));
  EXPECT_TRUE(child.ReadStdoutUntil("prompt " + half, kLiveDeadline)) << child.out();
  RunResult r = child.Wait();
  EXPECT_EQ(r.out, "prompt " + half);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(ReportNumber(r.err, "forced_releases"), 1) << r.err;
}

TEST_F(CliTest, FailOnRedactStillWritesTheReport) {
  std::string secrets = Write("s.txt", std::string(kApiToken) + "\n");
  std::string report = Path("report.json");
  RunResult r = ScrubStdin({"--fail-on-redact", "--report", report, "--secret-file", secrets},
                           std::string("t=") + kApiToken + "\n");
  EXPECT_RUN(r, "t=***\n", "", 1);
  EXPECT_EQ(ReportNumber(ReadFile(report), "redactions"), 1);
}

TEST_F(CliTest, VerboseDiagnosticsArePrefixedLinesWithoutSecrets) {
  std::string secrets = Write("s.txt", std::string(kApiToken) + "\nzQ\n");
  RunResult r = ScrubStdin({"-v", "--secret-file", secrets}, std::string("t=") + kApiToken + "\n");
  EXPECT_EQ(r.out, "t=***\n");
  EXPECT_EQ(r.exit_code, 0);
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(r.err.back(), '\n');
  std::istringstream lines(r.err);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_EQ(line.rfind("scrub: ", 0), 0u) << line;
  }
  EXPECT_EQ(r.err.find(kApiToken), std::string::npos) << r.err;
  EXPECT_EQ(ReplaceAll(r.err, secrets, "").find("zQ"), std::string::npos) << r.err;
}

// ---------------------------------------------------------------------------
// --version and --help.

TEST_F(CliTest, VersionPrintsNameAndVersion) {
  RunResult r = Scrub({"--version"});
  EXPECT_RUN(r, std::string("scrub ") + SCRUBBER_VERSION + "\n", "", 0);
}

TEST_F(CliTest, HelpListsTheOptionsAndExitsZero) {
  RunResult r = Scrub({"--help"});
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* option :
       {"--secret-file", "--secrets-json", "--secret-env", "--secrets-from-env", "--label",
        "--preserve-length", "--variants", "--engine", "--report", "--fail-on-redact",
        "--add-mask-commands", "--version"}) {
    EXPECT_NE(r.out.find(option), std::string::npos) << option;
  }
}

// ---------------------------------------------------------------------------
// The Subprocess helper itself.

TEST(Subprocess, CapturesStdoutStderrAndExitStatus) {
  SpawnOptions options;
  options.stdin_bytes = std::string("in\0put", 6);
  RunResult r = RunCommand({"/bin/sh", "-c", "cat; printf err >&2; exit 7"}, options);
  EXPECT_EQ(r.spawn_error, "");
  EXPECT_EQ(r.out, std::string("in\0put", 6));
  EXPECT_EQ(r.err, "err");
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_EQ(r.term_signal, 0);
}

TEST(Subprocess, ReportsTheSignalThatEndedTheChild) {
  RunResult r = RunCommand({"/bin/sh", "-c", "kill -TERM $$"});
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_EQ(r.term_signal, SIGTERM);
}

TEST(Subprocess, KillsAChildThatOutlivesItsTimeout) {
  SpawnOptions options;
  options.timeout = seconds(1);
  auto start = std::chrono::steady_clock::now();
  RunResult r = RunCommand({"/bin/sh", "-c", "exec sleep 60"}, options);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.term_signal, SIGKILL);
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(30));
}

TEST(Subprocess, ReportsAProgramThatCannotStart) {
  RunResult r = RunCommand({"/nonexistent/scrub-test-program"});
  EXPECT_NE(r.spawn_error, "");
}

TEST(Subprocess, PassesOnlyTheGivenEnvironmentWhenAsked) {
  SpawnOptions options;
  options.inherit_env = false;
  options.env = {"ONLY_THIS=1"};
  RunResult r = RunCommand({"/usr/bin/env"}, options);
  EXPECT_EQ(r.out, "ONLY_THIS=1\n");
}

}  // namespace

int main(int argc, char** argv) {
  // A child that exits while we write its stdin must not kill the tests.
  ::signal(SIGPIPE, SIG_IGN);  // NOLINT(cert-err33-c)
  ::testing::InitGoogleTest(&argc, argv);
  if (ScrubBin().empty()) {
    std::fprintf(stderr, "cli_test: set SCRUB_BIN to the scrub binary\n");
    return 1;
  }
  return RUN_ALL_TESTS();
}
