// Key-shape rules: loading and checking rule files, the validators, the
// default set's examples on every engine, streaming behaviour (PEM blocks
// over small writes, URL values with percent-escapes, what flows at once),
// and the differential check against the reference on the real CI logs.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "scrubber/reference_scrubber.h"
#include "scrubber/rule_set.h"

#include "test_util.h"

namespace scrubber {
namespace {

using testing::RandomCuts;
using testing::ScrubChunked;
using testing::TestEngines;

std::shared_ptr<const Scrubber> CompileRules(const RuleSet& rules,
                                             Engine engine,
                                             ScrubOptions options = {}) {
  options.engine = engine;
  options.background_compile = false;
  auto compiled = Scrubber::Compile(SecretSet(), rules, options);
  EXPECT_TRUE(compiled.ok()) << compiled.status().message();
  return compiled.ok() ? compiled.value() : nullptr;
}

RuleSet Defaults() {
  RuleSet rules;
  Status s = rules.AddDefault();
  EXPECT_TRUE(s.ok()) << s.message();
  return rules;
}

std::string Message(const RuleSet& base, std::string_view json) {
  RuleSet rules = base;
  Status s = rules.AddJson(json, "team.json");
  return s.ok() ? "ok" : s.message();
}

// A rule file saved by Notepad or PowerShell 5 starts with a byte order
// mark; secrets files already allowed one.
TEST(RuleFile, AByteOrderMarkIsNotContent) {
  RuleSet none;
  EXPECT_EQ(Message(none,
                    "\xef\xbb\xbf"
                    R"j({"rules":[{"id":"a","regex":"x","max_length":3}]})j"),
            "ok");
}

TEST(RuleFile, ErrorsNameTheFileTheRuleAndTheProblem) {
  RuleSet none;
  EXPECT_EQ(Message(none, "{"), "team.json: not valid JSON: it ends too early");
  EXPECT_EQ(Message(none, "{\"rules\": [\n  {\"id\": \"a\",}\n]}"),
            "team.json: not valid JSON at line 2, column 14");
  EXPECT_EQ(Message(none, "[]"), "team.json: expected an object with a \"rules\" array");
  EXPECT_EQ(Message(none, R"j({"rules":[{"id":"a","regex":"x(","max_length":3}]})j"),
            "team.json: rule 'a': regex: missing ): x(");
  EXPECT_EQ(Message(none, R"j({"rules":[{"id":"a","regex":"x"}]})j"),
            "team.json: rule 'a': 'max_length' is missing");
  EXPECT_EQ(Message(none, R"j({"rules":[{"id":"a","regex":"x","max_length":3,"colour":1}]})j"),
            "team.json: rule 'a': unknown field 'colour'");
  EXPECT_EQ(Message(none, R"j({"rules":[{"id":"Bad_Id","regex":"x","max_length":3}]})j"),
            "team.json: rule 'Bad_Id': id must be kebab-case (a-z, 0-9 and single '-')");
  EXPECT_EQ(Message(none, R"j({"rules":[{"id":"a","regex":"(x)","max_length":3,"group":2}]})j"),
            "team.json: rule 'a': 'group' 2 does not exist in the regex");
  EXPECT_EQ(
      Message(none, R"j({"rules":[{"id":"a","regex":"x","max_length":3,"validate":"luhn"}]})j"),
      "team.json: rule 'a': unknown validator 'luhn'");
  EXPECT_EQ(
      Message(none, R"j({"rules":[{"id":"a","regex":"x","max_length":3,"keywords":["x"]}]})j"),
      "team.json: rule 'a': each keyword must be 2 to max_length bytes long");
  EXPECT_EQ(Message(none, R"j({"rules":[{"id":"a","regex":"x","max_length":3,"lead":4}]})j"),
            "team.json: rule 'a': 'lead' must not exceed 'max_length'");
  EXPECT_EQ(Message(none, R"j({"rules":[{"regex":"x","max_length":3}]})j"),
            "team.json: rule 0: 'id' is missing or not a string");
  EXPECT_EQ(Message(none, R"j({"rules":[{"id":"a","regex":"x","max_length":3},
                                       {"id":"a","regex":"y","max_length":3}]})j"),
            "team.json: rule 'a': id is already used by another rule");
}

TEST(RuleFile, AFailedFileAddsNothing) {
  RuleSet rules;
  Status s = rules.AddJson(R"j({"rules":[{"id":"a","regex":"x","max_length":3},
                                        {"id":"b","regex":"(","max_length":3}]})j",
                           "team.json");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(rules.empty());
}

TEST(RuleFile, TheDefaultSetLoadsWithSixtyRulesOrMore) {
  RuleSet rules = Defaults();
  EXPECT_GE(rules.rules().size(), 60U);
  for (const Rule& r : rules.rules()) {
    EXPECT_EQ(r.source, "default");
    EXPECT_FALSE(r.description.empty()) << r.id;
    EXPECT_GE(r.examples.size(), 1U) << r.id;
    EXPECT_GE(r.counter_examples.size(), 1U) << r.id;
  }
}

// Each rule alone: its examples are redacted by it, its counter-examples
// pass untouched, on every engine and under a byte-by-byte chunking.
TEST(DefaultRules, ExamplesAreRedactedAndCounterExamplesPassOnEveryEngine) {
  RuleSet defaults = Defaults();
  for (const Rule& rule : defaults.rules()) {
    RuleSet one;
    ASSERT_TRUE(one.Add(rule).ok()) << rule.id;
    for (Engine engine : TestEngines()) {
      auto scrubber = CompileRules(one, engine);
      ASSERT_NE(scrubber, nullptr);
      for (size_t i = 0; i < rule.examples.size(); ++i) {
        const std::string& ex = rule.examples[i];
        ScrubStats stats;
        std::string out = ScrubChunked(scrubber, ex, {}, &stats);
        EXPECT_GE(stats.by_id[rule.id], 1U)
            << rule.id << ": example " << i << " is not redacted on " << EngineName(engine);
        EXPECT_EQ(ScrubChunked(scrubber, ex, testing::EveryByte(ex.size())), out)
            << rule.id << ": example " << i << " depends on the chunking";
        EXPECT_EQ(out, ReferenceScrub(*scrubber, ex)) << rule.id << ": example " << i;
      }
      for (size_t i = 0; i < rule.counter_examples.size(); ++i) {
        const std::string& ce = rule.counter_examples[i];
        EXPECT_TRUE(ScrubChunked(scrubber, ce, {}) == ce)
            << rule.id << ": counter-example " << i << " is redacted on " << EngineName(engine);
      }
    }
  }
}

TEST(Validators, TellRealChecksumsFromLookAlikes) {
  // CRC32("abcdefghijklmnopqrstuvwxyz0123") = 0x3C6A1B6E -> base62 "169VJu" padded.
  auto github = [](std::string body) { return RunValidator("github-crc32", "ghp_" + body); };
  EXPECT_FALSE(github("abcdefghijklmnopqrstuvwxyz0123000000"));
  EXPECT_FALSE(RunValidator("github-crc32", "ghp_short"));
  EXPECT_FALSE(RunValidator("no-such-check", "anything"));
  EXPECT_TRUE(RunValidator("jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig"));
  EXPECT_FALSE(RunValidator("jwt", "eyJzdWIiOiIxIn0.eyJzdWIiOiIxIn0.sig"));
  // BIP 173's test vector.
  EXPECT_TRUE(RunValidator("age-bech32", "A12UEL5L"));
  EXPECT_FALSE(RunValidator("age-bech32", "A12UEL5M"));
}

TEST(Validators, BasicCredentialsAreBase64OfUserColonPassword) {
  EXPECT_TRUE(RunValidator("basic-credentials", "YWNtZWJvdDpIdW50M3JTM2NyZXQ="));  // acmebot:...
  EXPECT_TRUE(RunValidator("basic-credentials", "YWNtZWJvdDpIdW50M3JTM2NyZXQ"));   // unpadded
  EXPECT_FALSE(RunValidator("basic-credentials", "bm9jb2xvbmhlcmUxMg=="));         // no colon
  EXPECT_FALSE(RunValidator("basic-credentials", "dXNlcjo="));      // "user:", no password
  EXPECT_FALSE(RunValidator("basic-credentials", "OnBhc3N3b3Jk"));  // ":password"
  EXPECT_FALSE(RunValidator("basic-credentials", "required"));      // decodes to binary
  EXPECT_FALSE(RunValidator("basic-credentials", "YWJj$ZGVm"));     // not base64
  EXPECT_FALSE(RunValidator("basic-credentials", "YWNtZWJvdDpIdW50M3JTM2NyZXQ=="));  // bad padding
  EXPECT_FALSE(RunValidator("basic-credentials", "YWNtZWJvdDpIdW50M3JTM2NyZXQ=x"));
  // A GCR "_json_key:" auth holds a whole key file, line breaks and all.
  EXPECT_TRUE(
      RunValidator("basic-credentials",
                   "X2pzb25fa2V5OnsKICAidHlwZSI6ICJzZXJ2aWNlX2FjY291bnQiLAogICJwcm9qZWN0X2lkI"
                   "jogImRlbW8iCn0="));
  EXPECT_FALSE(RunValidator("basic-credentials", "dXNlcjpwYQFzcw=="));     // a control byte
  EXPECT_FALSE(RunValidator("basic-credentials", "dXN/ZXI6cGFzcw=="));     // DEL
  EXPECT_TRUE(RunValidator("basic-credentials", "dXNlcjpww6RzczEyMzQ="));  // "user:p\u00e4ss1234"
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::filesystem::path> CiLogs() {
  std::vector<std::filesystem::path> logs;
  const char* dir = std::getenv("SCRUB_TEST_DATA");
  std::filesystem::path root = dir != nullptr ? dir : "tests/data";
  for (const auto& e : std::filesystem::directory_iterator(root / "ci-logs")) {
    if (e.path().extension() == ".log") {
      logs.push_back(e.path());
    }
  }
  std::sort(logs.begin(), logs.end());
  return logs;
}

// The real logs hold no secrets: any redaction there is a false positive.
TEST(DefaultRules, RedactNothingInTheRealCiLogs) {
  RuleSet rules = Defaults();
  for (Engine engine : TestEngines()) {
    auto scrubber = CompileRules(rules, engine);
    for (const auto& log : CiLogs()) {
      ScrubStats stats;
      std::string text = ReadFile(log);
      std::string out = ScrubChunked(scrubber, text, {}, &stats);
      EXPECT_EQ(stats.redactions, 0U) << log.filename() << " on " << EngineName(engine);
      for (const auto& [id, n] : stats.by_id) {
        ADD_FAILURE() << log.filename() << ": rule " << id << " redacted " << n << " spans";
      }
    }
  }
}

// The logs with every example of every rule planted between their lines:
// both engines, random chunkings, the reference.
TEST(DefaultRules, EnginesAndReferenceAgreeOnLogsWithPlantedTokens) {
  RuleSet rules = Defaults();
  std::vector<std::string> planted;
  const std::string& last = rules.rules().back().examples.front();
  for (const Rule& r : rules.rules()) {
    planted.insert(planted.end(), r.examples.begin(), r.examples.end());
    planted.insert(planted.end(), r.counter_examples.begin(), r.counter_examples.end());
  }
  ASSERT_FALSE(planted.empty());
  std::mt19937_64 rng(20261203);
  for (const auto& log : CiLogs()) {
    std::string text = ReadFile(log).substr(0, 200000);
    std::string doc;
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      size_t next = nl == std::string::npos ? text.size() : nl + 1;
      doc.append(text, pos, next - pos);
      pos = next;
      if (rng() % 40 == 0) {
        doc += planted[rng() % planted.size()];
        doc += rng() % 3 == 0 ? " " : "\n";
      }
    }
    doc += last;
    std::string expected;
    for (Engine engine : TestEngines()) {
      auto scrubber = CompileRules(rules, engine);
      std::string reference = ReferenceScrub(*scrubber, doc);
      if (expected.empty()) {
        expected = reference;
        EXPECT_NE(expected, doc);
      }
      EXPECT_TRUE(reference == expected) << log.filename();
      for (size_t piece : {1, 7, 4096}) {
        std::vector<size_t> cuts =
            piece == 1 ? RandomCuts(doc.size(), rng, 3) : RandomCuts(doc.size(), rng, piece);
        EXPECT_TRUE(ScrubChunked(scrubber, doc, cuts) == expected)
            << log.filename() << " on " << EngineName(engine) << ", pieces up to " << piece;
      }
    }
  }
}

const char kPem[] =
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAtestonlyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
    "c29tZSBtYWRlLXVwIGtleSBtYXRlcmlhbCBmb3IgdGVzdHMgb25seSwgbm90IGEga2V5\n"
    "ZmFrZSBmYWtlIGZha2UgZmFrZSBmYWtlIGZha2UgZmFrZSBmYWtlIGZha2UgZmFrZQ==\n"
    "-----END RSA PRIVATE KEY-----\n";

TEST(DefaultRules, APemBlockOverSmallWritesIsRedactedWholeAndWhatFollowsFlows) {
  for (Engine engine : TestEngines()) {
    auto scrubber = CompileRules(Defaults(), engine);
    StringSink sink;
    StreamScrubber stream(scrubber, &sink);
    std::string input = std::string("key file:\n") + kPem;
    for (char c : input) {
      ASSERT_TRUE(stream.Write(std::string_view(&c, 1)).ok());
    }
    std::string after;
    for (int i = 0; i < 40; ++i) {
      after += "step " + std::to_string(i) + " done\n";
    }
    ASSERT_TRUE(stream.Write(after).ok());
    // Before the stream ends, the block is masked whole and the lines after
    // END are out, not held.
    EXPECT_EQ(sink.out.find("MIIE"), std::string::npos);
    EXPECT_NE(sink.out.find("step 39 done\n"), std::string::npos) << EngineName(engine);
    EXPECT_EQ(stream.held(), 0U);
    ASSERT_TRUE(stream.Finish().ok());
    EXPECT_EQ(sink.out, "key file:\n***\n" + after) << EngineName(engine);
  }
}

TEST(DefaultRules, AUrlQueryValueWithPercentEscapesIsRedactedWhole) {
  for (Engine engine : TestEngines()) {
    auto scrubber = CompileRules(Defaults(), engine);
    auto out = ScrubString(scrubber,
                           "GET https://dl.example.com/a.tgz?v=2&token=%2Bq9Zx%3D%3Dp7Lm&x=1 200\n"
                           "GET https://dl.example.com/b?sig=abc%2Fdef%3D#frag\n");
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out.value(),
              "GET https://dl.example.com/a.tgz?v=2&token=***&x=1 200\n"
              "GET https://dl.example.com/b?sig=***#frag\n")
        << EngineName(engine);
  }
}

TEST(RuleStreaming, ACompleteLineWithoutAMatchFlowsAtOnce) {
  for (Engine engine : TestEngines()) {
    auto scrubber = CompileRules(Defaults(), engine);
    StringSink sink;
    StreamScrubber stream(scrubber, &sink);
    ASSERT_TRUE(stream.Write("Compiling 42 files with the token cache warm\n").ok());
    EXPECT_EQ(stream.held(), 0U);
    EXPECT_EQ(sink.out, "Compiling 42 files with the token cache warm\n");
  }
}

TEST(RuleStreaming, MemoryStaysBoundedOnALongLineFullOfKeywords) {
  auto scrubber = CompileRules(Defaults(), Engine::kRe2);
  StringSink sink;
  StreamScrubber stream(scrubber, &sink);
  std::string chunk;
  for (int i = 0; i < 2000; ++i) {
    chunk += "token=abc password: x Authorization: ";
  }
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(stream.Write(chunk).ok());
    EXPECT_LE(stream.held(), stream.max_held());
  }
  ASSERT_TRUE(stream.Finish().ok());
}

}  // namespace
}  // namespace scrubber

namespace scrubber {
namespace {

// Found by rule_file_fuzzer: a keyword that contains a shorter one of the
// same rule starts before it, so what is kept for the longer one's search
// must reach back past the shorter one's lead.
TEST(RuleStreaming, ALongerKeywordStartingBeforeAShorterOneIsSearchedFromItsOwnStart) {
  RuleSet rules;
  ASSERT_TRUE(
      rules
          .AddJson(
              R"j({"rules":[{"id":"pw","regex":"(?i)[;\\s](?:password|pwd)\\s*=\\s*([^;\\s]{4,40})",
                    "group":1,"keywords":["palea;dPWDssword","pwd"],"lead":3,"max_length":30}]})j",
              "test")
          .ok());
  const std::string doc = "x palea;dPWDssword and ;pwd=s3cr3tzz; then palea;dPWDssword=abcdefgh\n";
  for (Engine engine : TestEngines()) {
    auto scrubber = CompileRules(rules, engine);
    const std::string want = ReferenceScrub(*scrubber, doc);
    EXPECT_NE(want, doc);
    EXPECT_EQ(ScrubChunked(scrubber, doc, testing::EveryByte(doc.size())), want)
        << EngineName(engine);
  }
}

}  // namespace
}  // namespace scrubber

namespace scrubber {
namespace {

// Found by a fresh-user run: two rules redacting the same span named it
// after whichever rule's search happened to finish first, which depends on
// the chunking. The label must not.
TEST(RuleStreaming, TheLabelOfASpanTwoRulesRedactDoesNotDependOnTheChunking) {
  RuleSet rules;
  ASSERT_TRUE(rules
                  .AddJson(R"j({"rules":[
      {"id":"wide","regex":"(?:key|secret)=([a-z0-9]{8,40})","group":1,"keywords":["key=","secret="],
       "lead":0,"max_length":400},
      {"id":"narrow","regex":"secret=([a-z0-9]{8,40})","group":1,"keywords":["secret="],
       "lead":0,"max_length":60}]})j",
                           "test")
                  .ok());
  // The narrow rule's window ends long before the line does; the wide
  // one's only at the line end.
  const std::string doc = "a secret=q8vz3lmp0xr7tkw2 " + std::string(300, '.') +
                          "\nc key=abcdefgh1234 secret=zz9988776655\n";
  ScrubOptions options;
  options.label = true;
  for (Engine engine : TestEngines()) {
    auto scrubber = CompileRules(rules, engine, options);
    const std::string want = ReferenceScrub(*scrubber, doc);
    EXPECT_EQ(ScrubChunked(scrubber, doc, {}), want) << EngineName(engine);
    EXPECT_EQ(ScrubChunked(scrubber, doc, testing::EveryByte(doc.size())), want)
        << EngineName(engine);
  }
}

}  // namespace
}  // namespace scrubber

namespace scrubber {
namespace {

TEST(Validators, GenericValuesThatNameThingsAreTurnedAway) {
  for (const char* v :
       {"https://oauth2.googleapis.com/token", "arn:aws:secretsmanager:eu:1:x",
        "projects/123456/secrets/db", "keys/deploy-2024.pem",
        "django.contrib.auth.hashers.Argon2PasswordHasher", "kv-prod-weu-01/db-password-2"}) {
    EXPECT_FALSE(RunValidator("generic-value", v)) << v;
  }
  for (const char* v : {"q8Vz3LmP0xR7tKw2nB5", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq9Tq8vX2m",
                        "Tr0ub4dor&3xyz!", "s3cr3t.pa55.w0rd"}) {
    EXPECT_TRUE(RunValidator("generic-value", v)) << v;
  }
}

}  // namespace
}  // namespace scrubber

namespace scrubber {
namespace {

// Found by a fresh-user run: a PEM key whose END line never came printed
// its body. Its base64 lines are redacted, over small writes too.
TEST(DefaultRules, APemBodyWithoutItsEndLineIsRedacted) {
  const std::string doc =
      "key:\n-----BEGIN RSA PRIVATE KEY-----\n"
      "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n"
      "ZmFrZSBrZXkgbWF0ZXJpYWwgZm9yIHRlc3RzIG9ubHkgbm90IGEga2V5IGF0IGFs\n"
      "error: truncated\n";
  for (Engine engine : TestEngines()) {
    auto scrubber = CompileRules(Defaults(), engine);
    EXPECT_EQ(ScrubChunked(scrubber, doc, testing::EveryByte(doc.size())),
              "key:\n***error: truncated\n")
        << EngineName(engine);
  }
}

}  // namespace
}  // namespace scrubber
