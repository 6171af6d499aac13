// End-to-end tests of key-shape rules in `scrub`: the built-in set on by
// default in the filter, exec and archive, --rules and --no-default-rules, a
// malformed rule file as a one-line usage error (exit 2) naming the file and
// the rule, and `scrub rules`, which lists the rules and checks their
// examples (exit 1 naming the rule and the example's index, never its text).
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/tool/cli_fixture.h"

namespace scrubber {
namespace {

using testing::CliTest;
using testing::EngineAvailable;
using testing::kApiToken;
using testing::kGitHubLookAlike;
using testing::kGitHubToken;
using testing::ReadFile;
using testing::ReportNumber;
using testing::RunCommand;
using testing::RunResult;

// A team's own rule: acme_ and 12 lower-case letters or digits.
constexpr char kAcmeRules[] = R"({"rules": [
  {"id": "acme-key", "description": "Acme deploy key", "regex": "\\bacme_[a-z0-9]{12}\\b",
   "keywords": ["acme_"], "max_length": 17,
   "examples": ["key=acme_0a1b2c3d4e5f"], "counter_examples": ["acme_short"]}
]})";
constexpr char kAcmeKey[] = "acme_0a1b2c3d4e5f";

// ---------------------------------------------------------------------------
// The filter, exec and archive.

TEST_F(CliTest, DefaultRulesRedactAKeyShapeWithoutAnySecretGiven) {
  std::string input = std::string("push with ") + kGitHubToken + " done\n";
  EXPECT_RUN(ScrubStdin({}, input), "push with *** done\n", "", 0);
  EXPECT_RUN(ScrubStdin({"--label"}, input), "push with [REDACTED:github-pat-classic] done\n", "",
             0);
}

TEST_F(CliTest, ALookAlikeWhoseChecksumFailsIsNotRedacted) {
  std::string input = std::string("push with ") + kGitHubLookAlike + " done\n";
  EXPECT_RUN(ScrubStdin({}, input), input, "", 0);
}

TEST_F(CliTest, NoDefaultRulesTurnsTheBuiltInSetOff) {
  std::string input = std::string("push with ") + kGitHubToken + " done\n";
  EXPECT_RUN(ScrubStdin({"--no-default-rules"}, input), input,
             "scrub: warning: no secrets and no rules: nothing will be redacted\n", 0);
  std::string secrets = Write("s.txt", std::string(kApiToken) + "\n");
  EXPECT_RUN(
      ScrubStdin({"--no-default-rules", "--secret-file", secrets}, input + "t=" + kApiToken + "\n"),
      input + "t=***\n", "", 0);
}

TEST_F(CliTest, RulesFilesAddToTheDefaultSetOrReplaceIt) {
  std::string rules = Write("acme.json", kAcmeRules);
  std::string input = std::string("a ") + kAcmeKey + "\nb " + kGitHubToken + "\n";
  EXPECT_RUN(ScrubStdin({"--label", "--rules", rules}, input),
             "a [REDACTED:acme-key]\nb [REDACTED:github-pat-classic]\n", "", 0);
  EXPECT_RUN(ScrubStdin({"--label", "--no-default-rules", "--rules", rules}, input),
             std::string("a [REDACTED:acme-key]\nb ") + kGitHubToken + "\n", "", 0);
}

TEST_F(CliTest, ReportCountsTheRulesAndRedactionsByRuleId) {
  std::string rules = Write("acme.json", kAcmeRules);
  std::string input = std::string("a ") + kAcmeKey + " " + kGitHubToken + "\n";
  RunResult r = ScrubStdin({"--no-default-rules", "--rules", rules, "--report", "-"}, input);
  EXPECT_EQ(r.out, std::string("a *** ") + kGitHubToken + "\n");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(ReportNumber(r.err, "rules"), 1) << r.err;
  EXPECT_EQ(ReportNumber(r.err, "acme-key"), 1) << r.err;
  EXPECT_EQ(r.err.find(kAcmeKey), std::string::npos) << r.err;

  r = ScrubStdin({"--report", "-"}, input);
  EXPECT_GE(ReportNumber(r.err, "rules"), 3) << r.err;
  EXPECT_EQ(ReportNumber(r.err, "github-pat-classic"), 1) << r.err;
}

TEST_F(CliTest, ExecRedactsKeyShapesByDefault) {
  std::string script =
      std::string("echo out ") + kGitHubToken + "; echo err " + kGitHubToken + " >&2";
  RunResult r = Scrub({"exec", "--", "/bin/sh", "-c", script});
  EXPECT_RUN(r, "out ***\n", "err ***\n", 0);
}

TEST_F(CliTest, ArchiveRedactsKeyShapesByDefault) {
  std::string plain = Write("build.log", std::string("token ") + kGitHubToken + "\n");
  // zstd is found through PATH.
  RunResult zstd = RunCommand({"/bin/sh", "-c", "zstd -q \"$1\" -o \"$1.zst\"", "sh", plain});
  ASSERT_EQ(zstd.exit_code, 0) << zstd.err;
  RunResult r = Scrub({"archive", plain + ".zst", Path("out.log.zst")});
  EXPECT_RUN(r, "", "", 0);
  RunResult back = RunCommand({"/bin/sh", "-c", "zstd -dcq \"$1\"", "sh", Path("out.log.zst")});
  EXPECT_EQ(back.out, "token ***\n");
}

// ---------------------------------------------------------------------------
// Malformed rule files: exit 2, one line naming the file and the rule.

TEST_F(CliTest, MalformedRuleFilesAreUsageErrorsNamingTheFileAndTheRule) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"rules":[{"id":"a","regex":"x(","max_length":3}]})", "rule 'a': regex: missing ): x("},
      {R"({"rules":[{"id":"a","regex":"x","max_length":3},{"id":"a","regex":"y","max_length":3}]})",
       "rule 'a': id is already used by another rule"},
      {R"({"rules":[{"id":"github-pat-classic","regex":"x","max_length":3}]})",
       "rule 'github-pat-classic': id is already used by another rule"},
      {R"({"rules":[{"id":"a","regex":"x"}]})", "rule 'a': 'max_length' is missing"},
      {R"({"rules":[{"id":"a","regex":"x","max_length":3,"colour":"red"}]})",
       "rule 'a': unknown field 'colour'"},
      {R"({"rules":[)", "not valid JSON: it ends too early"},
      {"{\"rules\": [\n  {\"id\": \"a\", \"regex\": \"x\" \"max_length\": 3}\n]}",
       "not valid JSON at line 2, column 28"},
  };
  const std::vector<std::vector<std::string>> commands = {
      {}, {"rules"}, {"scan"}, {"exec"}, {"archive"}};
  for (const auto& [json, problem] : cases) {
    std::string path = Write("team.json", json);
    for (const std::vector<std::string>& command : commands) {
      SCOPED_TRACE(problem + " in " + (command.empty() ? "filter" : command[0]));
      std::vector<std::string> args = command;
      args.insert(args.end(), {"--rules", path});
      if (!command.empty() && command[0] == "exec") {
        args.insert(args.end(), {"--", "/bin/echo", "ran"});
      }
      if (!command.empty() && command[0] == "archive") {
        args.insert(args.end(), {Path("in.zst"), Path("out.zst")});
      }
      RunResult r = ScrubStdin(args, "hello\n");
      EXPECT_RUN(r, "", "scrub: " + path + ": " + problem + "\n", 2);
    }
  }
}

TEST_F(CliTest, UnreadableRuleFileIsAUsageErrorNamingIt) {
  std::string missing = Path("missing.json");
  EXPECT_RUN(ScrubStdin({"--rules", missing}, "hello\n"), "",
             "scrub: " + missing + ": No such file or directory\n", 2);
  EXPECT_RUN(Scrub({"rules", "--rules", missing}), "",
             "scrub: " + missing + ": No such file or directory\n", 2);
}

// ---------------------------------------------------------------------------
// `scrub rules`.

TEST_F(CliTest, RulesListsTheDefaultSetAndItsExamplesPass) {
  RunResult r = Scrub({"rules"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  size_t count = 0;
  bool github = false;
  const std::regex row("[a-z0-9]+(-[a-z0-9]+)*\tdefault\t[^\t]+");
  for (std::string line; std::getline(lines, line); ++count) {
    EXPECT_TRUE(std::regex_match(line, row)) << line;
    github = github || line.rfind("github-pat-classic\tdefault\t", 0) == 0;
  }
  EXPECT_TRUE(github) << r.out;
  EXPECT_GE(count, 3U);
  std::smatch m;
  ASSERT_TRUE(std::regex_match(r.err, m,
                               std::regex("scrub: ([0-9]+) rules; [0-9]+ examples and [0-9]+ "
                                          "counter-examples pass\n")))
      << r.err;
  EXPECT_EQ(std::stoul(m[1]), count);
}

TEST_F(CliTest, RulesListsOnlyTheFilesWithNoDefaultRules) {
  std::string rules = Write("acme.json", kAcmeRules);
  RunResult r = Scrub({"rules", "--no-default-rules", "--rules", rules});
  EXPECT_RUN(r, "acme-key\t" + rules + "\tAcme deploy key\n",
             "scrub: 1 rule; 1 example and 1 counter-example pass\n", 0);
  EXPECT_RUN(Scrub({"rules", "--no-default-rules"}), "",
             "scrub: 0 rules; 0 examples and 0 counter-examples pass\n", 0);
  EXPECT_RUN(Scrub({"rules", "-q", "--no-default-rules", "--rules", rules}),
             "acme-key\t" + rules + "\tAcme deploy key\n", "", 0);
}

TEST_F(CliTest, RulesNamesEachFailingExampleByIndexNeverByText) {
  std::string rules = Write("acme.json", R"({"rules": [
    {"id": "acme-key", "description": "Acme deploy key", "regex": "\\bacme_[a-z0-9]{12}\\b",
     "keywords": ["acme_"], "max_length": 17,
     "examples": ["key=acme_0a1b2c3d4e5f", "key=acme_SHOUTING0000"],
     "counter_examples": ["acme_short", "see acme_9z8y7x6w5v4u"]},
    {"id": "beta-key", "regex": "beta_[0-9]{4}", "keywords": ["beta_"], "max_length": 9,
     "examples": ["beta_1234"], "counter_examples": []}
  ]})");
  RunResult r = Scrub({"rules", "--no-default-rules", "--rules", rules});
  EXPECT_RUN(r, "acme-key\t" + rules + "\tAcme deploy key\nbeta-key\t" + rules + "\t\n",
             "scrub: rule 'acme-key': example 1 is not redacted\n"
             "scrub: rule 'acme-key': counter-example 1 is redacted\n",
             1);
  for (const char* text : {"SHOUTING", "9z8y7x6w5v4u"}) {
    EXPECT_EQ(r.err.find(text), std::string::npos) << text;
  }
}

TEST_F(CliTest, RulesChecksEveryEngineAskedForAndNamesItInFailures) {
  std::string rules = Write("acme.json", R"({"rules": [
    {"id": "acme-key", "regex": "\\bacme_[a-z0-9]{12}\\b", "keywords": ["acme_"],
     "max_length": 17, "examples": ["acme_tooshort"]}
  ]})");
  std::vector<std::string> engines = {"re2"};
  if (EngineAvailable("hyperscan")) {
    engines.emplace_back("hyperscan");
  }
  std::vector<std::string> args = {"rules", "--no-default-rules", "--rules", rules};
  std::string want_err;
  for (const std::string& engine : engines) {
    args.insert(args.end(), {"--engine", engine});
    want_err += "scrub: rule 'acme-key': example 0 is not redacted" +
                (engines.size() > 1 ? " on " + engine : std::string()) + "\n";
  }
  EXPECT_RUN(Scrub(args), "acme-key\t" + rules + "\t\n", want_err, 1);
  EXPECT_RUN(Scrub({"rules", "--engine", "pcre"}), "",
             "scrub: unknown engine 'pcre' (expected auto, hyperscan or re2)\n", 2);
}

TEST_F(CliTest, HelpNamesTheRuleOptionsAndTheNewCommands) {
  RunResult r = Scrub({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* word : {"--rules", "--no-default-rules", "scan", "rules"}) {
    EXPECT_NE(r.out.find(word), std::string::npos) << word;
  }
  r = Scrub({"scan", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* word : {"--format", "--rules", "--secret-file", "--fail-on-redact"}) {
    EXPECT_NE(r.out.find(word), std::string::npos) << word;
  }
}

TEST_F(CliTest, RulesPassOnEveryEngine) {
  for (const std::string engine : {"re2", "hyperscan"}) {
    if (!EngineAvailable(engine)) {
      continue;
    }
    SCOPED_TRACE(engine);
    RunResult r = Scrub({"rules", "--engine", engine});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(testing::CountLines(r.err), 1U) << r.err;
  }
}

}  // namespace
}  // namespace scrubber
