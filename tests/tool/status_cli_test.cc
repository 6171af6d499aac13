// End-to-end tests of what `scrub` says about a run besides its output: the
// exit status (0, 1 with --fail-on-redact, 2 for usage errors), the JSON
// report, diagnostics on stderr, and --version and --help.
#include <filesystem>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "scrubber_config.h"
#include "tests/tool/cli_fixture.h"

namespace scrubber {
namespace {

using testing::Base64;
using testing::CliTest;
using testing::CountLines;
using testing::kApiToken;
using testing::kDbPassword;
using testing::ReadFile;
using testing::ReplaceAll;
using testing::ReportNumber;
using testing::RunCommand;
using testing::RunResult;

// ---------------------------------------------------------------------------
// Bad usage: exit 2, one line on stderr, no output.

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

// The output keeps the input's format; an OUT named for another format
// (gzip bytes in a .zip) would mislead whoever opens it, so it is refused.
TEST_F(CliTest, ArchiveRefusesAnOutputNamedForAnotherFormat) {
  std::string plain = Write("build.log", "hello\n");
  RunResult zstd = RunCommand({"/bin/sh", "-c", "zstd -q \"$1\" -o \"$1.zst\"", "sh", plain});
  ASSERT_EQ(zstd.exit_code, 0) << zstd.err;
  RunResult r = Scrub({"archive", plain + ".zst", Path("out.zip")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_ONE_ERROR_LINE(r.err);
  EXPECT_NE(r.err.find("out.zip"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(".zst"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(Path("out.zip")));
  // Names that say nothing about a format, or say the same one, are fine.
  EXPECT_EQ(Scrub({"archive", plain + ".zst", Path("out.bin")}).exit_code, 0);
  EXPECT_EQ(Scrub({"archive", plain + ".zst", Path("out.log.zst")}).exit_code, 0);
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

TEST_F(CliTest, FailOnRedactStillWritesTheReport) {
  std::string secrets = Write("s.txt", std::string(kApiToken) + "\n");
  std::string report = Path("report.json");
  RunResult r = ScrubStdin({"--fail-on-redact", "--report", report, "--secret-file", secrets},
                           std::string("t=") + kApiToken + "\n");
  EXPECT_RUN(r, "t=***\n", "", 1);
  EXPECT_EQ(ReportNumber(ReadFile(report), "redactions"), 1);
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
// Diagnostics, --version and --help.

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

}  // namespace
}  // namespace scrubber
