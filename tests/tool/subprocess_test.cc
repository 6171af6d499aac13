// Tests of the Subprocess helper that the CLI tests run `scrub` with: it
// captures both outputs and the exit status or signal, kills a child past its
// timeout, and controls the child's environment.
#include "tests/tool/subprocess.h"

#include <signal.h>

#include <chrono>
#include <string>

#include <gtest/gtest.h>

namespace scrubber {
namespace {

using testing::RunCommand;
using testing::RunResult;
using testing::SpawnOptions;

using std::chrono::seconds;

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
}  // namespace scrubber
