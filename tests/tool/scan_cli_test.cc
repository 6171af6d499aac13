// End-to-end tests of `scrub scan`: findings as JSON Lines (file, 1-based
// line and byte column, rule or secret name, kind, length) in order of file
// and offset, each file counted on its own; one SARIF 2.1.0 log, parsed back
// here; positions that hold over inputs larger than one read; exit statuses;
// and never the matched text on stdout or stderr.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scrubber_config.h"
#include "tests/tool/cli_fixture.h"
#include <nlohmann/json.hpp>

namespace scrubber {
namespace {

using testing::CliTest;
using testing::EngineAvailable;
using testing::kApiToken;
using testing::kGitHubToken;
using testing::RunResult;

std::string Finding(const std::string& file,
                    int line,
                    int column,
                    const std::string& rule,
                    const std::string& kind,
                    int length) {
  return R"({"file":")" + file + R"(","line":)" + std::to_string(line) + R"(,"column":)" +
         std::to_string(column) + R"(,"rule":")" + rule + R"(","kind":")" + kind +
         R"(","length":)" + std::to_string(length) + "}\n";
}

std::string GitHub(const std::string& file, int line, int column) {
  return Finding(file, line, column, "github-pat-classic", "rule", 40);
}

std::vector<std::string> Engines() {
  std::vector<std::string> engines = {"re2"};
  if (EngineAvailable("hyperscan")) {
    engines.emplace_back("hyperscan");
  }
  return engines;
}

// ---------------------------------------------------------------------------
// JSON Lines.

TEST_F(CliTest, ScanGivesTheLineAndColumnOfAToken) {
  std::string log =
      Write("build.log", std::string("step 1\nstep 2\ntoken ") + kGitHubToken + " ok\nstep 4\n");
  for (const std::string& engine : Engines()) {
    SCOPED_TRACE(engine);
    EXPECT_RUN(Scrub({"scan", "--engine", engine, log}), GitHub(log, 3, 7), "", 0);
  }
}

TEST_F(CliTest, ScanCountsEachFileFromItsFirstLineInTheOrderGiven) {
  std::string a = Write("a.log", std::string(kGitHubToken) + " and " + kGitHubToken + "\n");
  std::string b = Write("b.log", std::string("\n\n\n  ") + kGitHubToken);
  std::string clean = Write("clean.log", "nothing here\n");
  EXPECT_RUN(Scrub({"scan", b, clean, a}), GitHub(b, 4, 3) + GitHub(a, 1, 1) + GitHub(a, 1, 46), "",
             0);
}

TEST_F(CliTest, ScanReadsStdinNamedDash) {
  std::string input = std::string("x\n") + kGitHubToken + "\n";
  EXPECT_RUN(ScrubStdin({"scan"}, input), GitHub("-", 2, 1), "", 0);
  std::string a = Write("a.log", input);
  EXPECT_RUN(ScrubStdin({"scan", a, "-"}, "\t" + input), GitHub(a, 2, 1) + GitHub("-", 2, 1), "",
             0);
}

TEST_F(CliTest, ScanReportsKnownSecretsByNameWithKindSecret) {
  std::string named = Write("s.json", std::string(R"({"PYPI_API_TOKEN": ")") + kApiToken + "\"}");
  std::string unnamed = Write("s.txt", "unnamed-Secret-42\n");
  std::string log = Write("build.log", std::string("t=") + kApiToken + "\nu=unnamed-Secret-42\n" +
                                           "tok " + kGitHubToken + "\n");
  EXPECT_RUN(Scrub({"scan", "--secrets-json", named, "--secret-file", unnamed, log}),
             Finding(log, 1, 3, "PYPI_API_TOKEN", "secret", 24) +
                 Finding(log, 2, 3, "secret", "secret", 17) + GitHub(log, 3, 5),
             "", 0);
}

// A secret's padded and unpadded base64 endings both match at one place:
// one finding, as the filter writes one mask.
TEST_F(CliTest, ScanMergesOverlappingFindingsOfOneSecret) {
  std::string secrets = Write("s.txt", "tok_3fK9qLm2Xv8RzP1wYc\n");
  std::string log = Write("auth.log", "a: dG9rXzNmSzlxTG0yWHY4UnpQMXdZYw==\n");
  EXPECT_RUN(Scrub({"scan", "--secret-file", secrets, log}),
             Finding(log, 1, 4, "secret", "secret", 32), "", 0);
}

TEST_F(CliTest, ScanGivesWhereAMultiLineKeyStarts) {
  std::string pem = "-----BEGIN RSA PRIVATE KEY-----\n";
  for (int i = 0; i < 12; ++i) {
    pem += "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun" +
           std::to_string(i % 10) + "\n";
  }
  pem += "-----END RSA PRIVATE KEY-----";
  std::string log = Write("key.log", "config:\n  key: " + pem + "\ndone\n");
  EXPECT_RUN(Scrub({"scan", log}),
             Finding(log, 2, 8, "private-key-pem", "rule", static_cast<int>(pem.size())), "", 0);
}

// Reads are 256 KiB: tokens before, across and after read boundaries, on
// short lines and on one long line, keep their places.
TEST_F(CliTest, ScanPositionsHoldAcrossReadsOfALargeInput) {
  std::string text;
  std::string want;
  std::string log = Path("large.log");
  int line = 1;
  for (int i = 0; i < 40000; ++i, ++line) {
    std::string filler(static_cast<size_t>(i * 7919 % 97), 'x');
    if (i % 997 == 0) {
      size_t column = filler.size() / 2;
      want += GitHub(log, line, static_cast<int>(column) + 2);
      filler.insert(column, std::string(" ") + kGitHubToken + " ");
    }
    text += filler + "\n";
  }
  std::string long_line;
  while (long_line.size() < 600000) {
    want += GitHub(log, line, static_cast<int>(long_line.size()) + 1);
    long_line += std::string(kGitHubToken) + " " + std::string(70001, 'y') + " ";
  }
  text += long_line + "\nlast " + kGitHubToken + "\n";
  want += GitHub(log, line + 1, 6);
  Write("large.log", text);
  for (const std::string& engine : Engines()) {
    SCOPED_TRACE(engine);
    RunResult r = Scrub({"scan", "--engine", engine, log});
    EXPECT_TRUE(testing::SameBytes(r.out, want));
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.exit_code, 0);
  }
}

// ---------------------------------------------------------------------------
// SARIF.

TEST_F(CliTest, ScanWritesAStructurallyValidSarifLog) {
  std::string log =
      Write("build.log", std::string("step 1\nstep 2\npush ") + kGitHubToken + " ok\nstep 4\n");
  RunResult r = Scrub({"scan", "--format", "sarif", log});
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.exit_code, 0);
  nlohmann::json sarif = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(sarif.is_discarded()) << r.out;
  EXPECT_EQ(sarif["version"], "2.1.0");
  EXPECT_TRUE(sarif["$schema"].is_string());
  ASSERT_EQ(sarif["runs"].size(), 1U);
  nlohmann::json& run = sarif["runs"][0];
  EXPECT_EQ(run["tool"]["driver"]["name"], "scrub");
  EXPECT_EQ(run["tool"]["driver"]["version"], SCRUBBER_VERSION);
  EXPECT_EQ(run["invocations"][0]["executionSuccessful"], true);
  const nlohmann::json& rules = run["tool"]["driver"]["rules"];
  ASSERT_TRUE(rules.is_array());
  for (const nlohmann::json& rule : rules) {
    EXPECT_TRUE(rule["id"].is_string());
    EXPECT_TRUE(rule["shortDescription"]["text"].is_string());
  }
  ASSERT_EQ(run["results"].size(), 1U);
  nlohmann::json& result = run["results"][0];
  EXPECT_EQ(result["ruleId"], "github-pat-classic");
  EXPECT_EQ(rules[result["ruleIndex"].get<size_t>()]["id"], "github-pat-classic");
  EXPECT_EQ(result["level"], "error");
  EXPECT_EQ(result["message"]["text"], "github-pat-classic: 40 bytes");
  ASSERT_EQ(result["locations"].size(), 1U);
  nlohmann::json& location = result["locations"][0]["physicalLocation"];
  EXPECT_EQ(location["artifactLocation"]["uri"], "file://" + log);
  nlohmann::json& region = location["region"];
  EXPECT_EQ(region["startLine"], 3);
  EXPECT_EQ(region["startColumn"], 6);
  EXPECT_EQ(region["endLine"], 3);
  EXPECT_EQ(region["endColumn"], 46);
  EXPECT_EQ(region["byteOffset"], 19);
  EXPECT_EQ(region["byteLength"], 40);
  EXPECT_EQ(r.out.find(kGitHubToken), std::string::npos);
}

// JSON Lines columns count bytes; SARIF's count code points, as its
// columnKind says.
TEST_F(CliTest, ScanSarifColumnsCountCodePoints) {
  std::string log =
      Write("utf8.log", std::string("h\xc3\xa9llo \xe2\x82\xac ") + kGitHubToken + "\n");
  EXPECT_RUN(Scrub({"scan", log}), GitHub(log, 1, 12), "", 0);
  RunResult r = Scrub({"scan", "--format", "sarif", log});
  nlohmann::json sarif = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(sarif.is_discarded()) << r.out;
  EXPECT_EQ(sarif["runs"][0]["columnKind"], "unicodeCodePoints");
  const nlohmann::json& region =
      sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
  EXPECT_EQ(region["startColumn"], 9);
  EXPECT_EQ(region["endColumn"], 49);
  EXPECT_EQ(region["byteOffset"], 11);
}

TEST_F(CliTest, ScanSarifNamesSecretsAsRules) {
  std::string secrets = Write("s.json", std::string(R"({"PYPI_API_TOKEN": ")") + kApiToken + "\"}");
  RunResult r = ScrubStdin(
      {"scan", "--format", "sarif", "--no-default-rules", "--secrets-json", secrets, "-"},
      std::string("t=") + kApiToken + "\n");
  nlohmann::json sarif = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(sarif.is_discarded()) << r.out;
  const nlohmann::json& run = sarif["runs"][0];
  ASSERT_EQ(run["tool"]["driver"]["rules"].size(), 1U);
  EXPECT_EQ(run["tool"]["driver"]["rules"][0]["id"], "PYPI_API_TOKEN");
  EXPECT_EQ(run["results"][0]["ruleId"], "PYPI_API_TOKEN");
  EXPECT_EQ(run["results"][0]["properties"]["kind"], "secret");
  EXPECT_EQ(run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "-");
  EXPECT_EQ(r.out.find(kApiToken), std::string::npos);
}

TEST_F(CliTest, ScanSarifWithNoFindingHasAnEmptyResultList) {
  RunResult r = ScrubStdin({"scan", "--format", "sarif"}, "clean\n");
  EXPECT_EQ(r.exit_code, 0);
  nlohmann::json sarif = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(sarif.is_discarded()) << r.out;
  EXPECT_TRUE(sarif["runs"][0]["results"].is_array());
  EXPECT_TRUE(sarif["runs"][0]["results"].empty());
}

// ---------------------------------------------------------------------------
// Exit statuses, and what never appears.

TEST_F(CliTest, ScanNeverPrintsTheMatchedText) {
  std::string secrets = Write("s.txt", std::string(kApiToken) + "\n");
  std::string input = std::string("a ") + kApiToken + " b " + kGitHubToken + "\n";
  for (const char* format : {"jsonl", "sarif"}) {
    RunResult r = ScrubStdin(
        {"scan", "-v", "--format", format, "--report", "-", "--secret-file", secrets}, input);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    for (const char* text : {kApiToken, kGitHubToken}) {
      EXPECT_EQ(r.out.find(text), std::string::npos) << format;
      EXPECT_EQ(r.err.find(text), std::string::npos) << format;
    }
  }
}

TEST_F(CliTest, ScanFailOnRedactExitsOneWhenSomethingIsFound) {
  std::string input = std::string("push ") + kGitHubToken + "\n";
  EXPECT_RUN(ScrubStdin({"scan", "--fail-on-redact"}, input), GitHub("-", 1, 6), "", 1);
  EXPECT_RUN(ScrubStdin({"scan", "--fail-on-redact"}, "clean\n"), "", "", 0);
  EXPECT_RUN(ScrubStdin({"scan"}, input), GitHub("-", 1, 6), "", 0);
}

TEST_F(CliTest, ScanOfAMissingInputExitsThreeAndStillScansTheOthers) {
  std::string missing = Path("missing.log");
  std::string a = Write("a.log", std::string(kGitHubToken) + "\n");
  EXPECT_RUN(Scrub({"scan", missing, a}), GitHub(a, 1, 1),
             "scrub: " + missing + ": No such file or directory\n", 3);
  EXPECT_RUN(Scrub({"scan", dir_, a}), GitHub(a, 1, 1),
             "scrub: " + dir_ + ": read failed: Is a directory\n", 3);
}

TEST_F(CliTest, ScanUsageErrorsExitTwo) {
  RunResult r = ScrubStdin({"scan", "--format", "xml"}, "");
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_ONE_ERROR_LINE(r.err);
  EXPECT_NE(r.err.find("xml"), std::string::npos) << r.err;
  EXPECT_RUN(ScrubStdin({"scan", "--add-mask-commands"}, ""), "",
             "scrub: scan: --add-mask-commands is not supported: lines and columns would not "
             "match\n",
             2);
}

}  // namespace
}  // namespace scrubber
