// End-to-end tests of `scrub` as a live filter on a pipe: output appears while
// stdin is still open, a secret written in pieces is masked whole, --hold-ms
// bounds how long a partial match is held, ::add-mask:: commands add secrets
// on the fly, and a reader that closes the pipe ends scrub quietly.
#include <chrono>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "tests/tool/cli_fixture.h"
#include "tests/tool/subprocess.h"

namespace scrubber {
namespace {

using testing::CliTest;
using testing::kApiToken;
using testing::ReportNumber;
using testing::RunResult;
using testing::Subprocess;

// A generous bound for output that should arrive at once.
constexpr std::chrono::milliseconds kLiveDeadline{10000};

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
// A reader that stops reading.

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
  std::string path = Write("big.log", std::string("first ") + kApiToken + "\n" + big);
  std::string secrets = Write("s.txt", std::string(kApiToken) + "\n");
  std::string report = Path("report.json");
  Subprocess child(Argv({path, "--report", report, "--fail-on-redact", "--secret-file", secrets}));
  ASSERT_EQ(child.spawn_error(), "");
  ASSERT_TRUE(child.ReadStdoutUntil("\n", kLiveDeadline));
  child.CloseStdout();
  RunResult r = child.Wait();
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.term_signal, 0);
  // What was scrubbed still counts: the report is written and
  // --fail-on-redact still says a secret was found.
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(std::filesystem::exists(report));
}

}  // namespace
}  // namespace scrubber
