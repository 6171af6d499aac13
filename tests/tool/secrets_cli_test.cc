// End-to-end tests of where `scrub` takes its secrets from: --secret-file,
// --secrets-json, --secret-env and --secrets-from-env, the minimum secret
// length, and the one-line usage error (exit 2) for a source that is missing
// or malformed, which never repeats a secret's value.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/tool/cli_fixture.h"

namespace scrubber {
namespace {

using testing::CliTest;
using testing::kApiToken;
using testing::ReplaceAll;
using testing::RunResult;
using testing::SpawnOptions;

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
// A missing or malformed source: exit 2, one line on stderr, no output.

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

}  // namespace
}  // namespace scrubber
