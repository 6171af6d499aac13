// What the end-to-end tests of the `scrub` binary share: the made-up secrets,
// encoders that build the forms a secret takes in a log, assertion macros for
// exact stdout, stderr and exit status, and CliTest, which runs the binary
// named by SCRUB_BIN in a scratch directory of its own.
#ifndef SCRUBBER_TESTS_TOOL_CLI_FIXTURE_H_
#define SCRUBBER_TESTS_TOOL_CLI_FIXTURE_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/tool/subprocess.h"

namespace scrubber::testing {

// Made-up secrets planted into the CI log and the small inputs.
inline constexpr char kApiToken[] = "tok_3fK9qLm2Xv8RzP1wYc7N";
// Quote, slash, hash and space make its percent and JSON forms differ from it.
inline constexpr char kDbPassword[] = "Zq8\"vN3/pL#4 wKe";
// A made-up GitHub classic token whose CRC32 check holds, so the default rule
// github-pat-classic takes it: ghp_ + 30 characters + the base62 CRC32 of
// those 30. kGitHubLookAlike differs in its last character: the check fails.
inline constexpr char kGitHubToken[] = "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";
inline constexpr char kGitHubLookAlike[] = "ghp_Zx7QmRw2Lp9Kd4Vn8Ty3Hb6Fj1Sc5G2sXF8S";

// The scrub binary (SCRUB_BIN), or "" when it is not set.
std::string ScrubBin();
// A path under the test data folder (SCRUB_TEST_DATA, else tests/data).
std::string DataPath(const std::string& relative);

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, std::string_view content);
std::string ReplaceAll(std::string text, std::string_view from, std::string_view to);
size_t CountLines(std::string_view text);

std::string Base64(std::string_view bytes, bool url = false);
// RFC 3986: everything but ALPHA / DIGIT / - . _ ~ is %XX.
std::string PercentEncode(std::string_view bytes, bool lower = false, bool plus = false);
// The base64 characters of Base64(prefix + secret + suffix) that depend on
// the secret's bytes alone are [first, last): DESIGN §2 redacts exactly those.
std::string ExpectedBase64(std::string_view prefix,
                           std::string_view secret,
                           std::string_view suffix,
                           bool url = false);

// Equality of big byte strings, reporting the first difference briefly.
::testing::AssertionResult SameBytes(const std::string& actual, const std::string& expected);

// Whether `scrub --engine engine` starts in this build on this CPU; cached.
bool EngineAvailable(const std::string& engine);

// The number a JSON report gives for `key`, or -1.
long long ReportNumber(const std::string& json, const std::string& key);

#define EXPECT_RUN(result, want_out, want_err, want_code) \
  do {                                                    \
    const ::scrubber::testing::RunResult& r_ = (result);  \
    EXPECT_EQ(r_.spawn_error, "");                        \
    EXPECT_FALSE(r_.timed_out);                           \
    EXPECT_EQ(r_.out, want_out);                          \
    EXPECT_EQ(r_.err, want_err);                          \
    EXPECT_EQ(r_.exit_code, want_code);                   \
  } while (false)

// A diagnostic is exactly one line on stderr, prefixed with the program name.
#define EXPECT_ONE_ERROR_LINE(err)                                \
  do {                                                            \
    EXPECT_EQ(::scrubber::testing::CountLines(err), 1u) << (err); \
    EXPECT_EQ((err).rfind("scrub: ", 0), 0u) << (err);            \
    EXPECT_TRUE(!(err).empty() && (err).back() == '\n') << (err); \
  } while (false)

// Each test gets a fresh scratch directory, removed afterwards.
class CliTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

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

}  // namespace scrubber::testing

#endif  // SCRUBBER_TESTS_TOOL_CLI_FIXTURE_H_
