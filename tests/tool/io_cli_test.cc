// End-to-end tests of how `scrub` reads and writes: input files and stdin in
// argument order, missing inputs and a failing stdout (exit 3), and bytes
// (NUL, invalid UTF-8, CRLF, long lines, no final line end) kept as they are.
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/tool/cli_fixture.h"

namespace scrubber {
namespace {

using testing::CliTest;
using testing::kApiToken;
using testing::RunResult;
using testing::SameBytes;
using testing::SpawnOptions;

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

// The inputs are written to one stdout as one text, so a secret split
// across the end of one file and the start of the next is still a secret.
TEST_F(CliTest, SecretSplitAcrossTwoInputFilesIsMasked) {
  std::string secrets = Write("s.txt", std::string(kApiToken) + "\n");
  std::string token(kApiToken);
  std::string a = Write("a.txt", "end of a " + token.substr(0, 7));
  std::string b = Write("b.txt", token.substr(7) + " start of b\n");
  EXPECT_RUN(Scrub({a, b, "--secret-file", secrets}), "end of a *** start of b\n", "", 0);
}

// A typo in a CI setup must not pass everything through in silence.
TEST_F(CliTest, NoSecretAtAllIsWarnedAbout) {
  SpawnOptions options;
  options.inherit_env = false;
  options.stdin_bytes = "text\n";
  RunResult r = Scrub({"--secrets-from-env"}, options);
  EXPECT_EQ(r.out, "text\n");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.err, "scrub: warning: no secrets loaded: only key-shape rules will redact\n");
  r = Scrub({"--secrets-from-env", "--no-default-rules"}, options);
  EXPECT_RUN(r, "text\n", "scrub: warning: no secrets loaded: nothing will be redacted\n", 0);
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

// ---------------------------------------------------------------------------
// Bytes pass through unchanged.

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

}  // namespace
}  // namespace scrubber
