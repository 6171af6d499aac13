// End-to-end tests of `scrub exec -- CMD`: CMD's exit status (or signal) is
// ours, its stdout and stderr are scrubbed live and separately, ::add-mask::
// lines on either stream mask both, our signals reach CMD's process group, a
// grandchild holding the pipes cannot hang us, and stdin passes through.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "tests/tool/cli_fixture.h"
#include "tests/tool/subprocess.h"

namespace scrubber {
namespace {

using testing::CliTest;
using testing::EngineAvailable;
using testing::kApiToken;
using testing::kDbPassword;
using testing::ReadFile;
using testing::ReportNumber;
using testing::RunResult;
using testing::SpawnOptions;
using testing::Subprocess;
using Clock = std::chrono::steady_clock;

// A generous bound for output that should arrive at once.
constexpr std::chrono::milliseconds kLiveDeadline{10000};

class ExecCliTest : public CliTest {
 protected:
  // `scrub exec OPTIONS -- COMMAND...` as an argv for Subprocess.
  static std::vector<std::string> ExecArgv(std::vector<std::string> options,
                                           const std::vector<std::string>& command) {
    options.insert(options.begin(), "exec");
    options.emplace_back("--");
    options.insert(options.end(), command.begin(), command.end());
    return Argv(std::move(options));
  }
  static RunResult Exec(std::vector<std::string> options,
                        const std::vector<std::string>& command,
                        const SpawnOptions& spawn = {}) {
    return testing::RunCommand(ExecArgv(std::move(options), command), spawn);
  }
  static std::vector<std::string> Sh(const std::string& script) {
    return {"/bin/sh", "-c", script};
  }
  std::string SecretFile() const {
    return Write("s.txt", std::string(kApiToken) + "\n" + kDbPassword + "\n");
  }
};

// Pumps the child's outputs until its stderr holds `want`. Stdout must stay
// open meanwhile (the command is blocked on its stdin).
bool ReadStderrUntil(Subprocess* child, std::string_view want, std::chrono::milliseconds deadline) {
  Clock::time_point end = Clock::now() + deadline;
  while (child->err().find(want) == std::string::npos) {
    if (Clock::now() >= end) {
      return false;
    }
    child->ReadStdoutUntil("\x01 never printed \x02", std::chrono::milliseconds(50));
  }
  return true;
}

// The number that follows `tag` in `text` ("ready 1234" -> 1234), or -1.
pid_t NumberAfter(const std::string& text, const std::string& tag) {
  size_t at = text.find(tag);
  if (at == std::string::npos) {
    return -1;
  }
  return static_cast<pid_t>(std::atol(text.c_str() + at + tag.size()));
}

// ---------------------------------------------------------------------------
// Exit status.

// `scrub exec -- yes | head -1`: when our reader goes away, the command's
// pipe is closed too, so that it ends as it would in a plain pipeline.
TEST_F(ExecCliTest, ClosedStdoutEndsTheCommandThroughItsPipe) {
  Subprocess child(ExecArgv({}, {"yes", "hello"}));
  ASSERT_EQ(child.spawn_error(), "");
  ASSERT_TRUE(child.ReadStdoutUntil("hello\n", kLiveDeadline));
  child.CloseStdout();
  RunResult r = child.Wait();
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.exit_code, 128 + SIGPIPE);  // yes died of SIGPIPE, as in `yes | head -1`
}

TEST_F(ExecCliTest, ExitCodesOfTheCommandComeThrough) {
  for (int code : {0, 1, 7}) {
    RunResult r = Exec({}, Sh("exit " + std::to_string(code)));
    EXPECT_RUN(r, "", "", code);
  }
}

TEST_F(ExecCliTest, DeathBySignalExitsWith128PlusTheSignal) {
  EXPECT_RUN(Exec({}, Sh("kill -TERM $$")), "", "", 128 + SIGTERM);
  EXPECT_RUN(Exec({}, Sh("kill -KILL $$")), "", "", 128 + SIGKILL);
}

TEST_F(ExecCliTest, CommandNotFoundExits127WithOneLineNamingIt) {
  RunResult r = Exec({}, {"no-such-command-for-scrub-tests", "arg"});
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_ONE_ERROR_LINE(r.err);
  EXPECT_NE(r.err.find("no-such-command-for-scrub-tests"), std::string::npos) << r.err;
}

TEST_F(ExecCliTest, NonExecutableFileExits126WithOneLineNamingIt) {
  std::string script = Write("not-executable.sh", "#!/bin/sh\necho never\n");
  RunResult r = Exec({}, {script});
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.exit_code, 126);
  EXPECT_ONE_ERROR_LINE(r.err);
  EXPECT_NE(r.err.find("not-executable.sh"), std::string::npos) << r.err;
}

TEST_F(ExecCliTest, FailOnRedactExits1OnlyWhenTheCommandSucceededAndSomethingWasRedacted) {
  std::string secrets = SecretFile();
  std::string say = std::string("echo ") + kApiToken;
  EXPECT_RUN(Exec({"--fail-on-redact", "--secret-file", secrets}, Sh(say)), "***\n", "", 1);
  EXPECT_RUN(Exec({"--fail-on-redact", "--secret-file", secrets}, Sh(say + "; exit 5")), "***\n",
             "", 5);
  EXPECT_RUN(Exec({"--fail-on-redact", "--secret-file", secrets}, Sh("echo clean")), "clean\n", "",
             0);
}

// ---------------------------------------------------------------------------
// Scrubbing each stream.

TEST_F(ExecCliTest, SecretsAreRedactedOnTheirOwnStream) {
  std::string secrets = SecretFile();
  std::string script = std::string("echo 'to stdout ") + kApiToken + " end'; echo 'to stderr " +
                       testing::ReplaceAll(kDbPassword, "'", "'\\''") + " end' >&2";
  RunResult r = Exec({"--secret-file", secrets}, Sh(script));
  EXPECT_RUN(r, "to stdout *** end\n", "to stderr *** end\n", 0);
}

TEST_F(ExecCliTest, ReportCountsRedactionsOfBothStreams) {
  std::string secrets = SecretFile();
  std::string report = Path("report.json");
  std::string script =
      std::string("echo ") + kApiToken + "; echo " + kApiToken + " >&2; echo " + kApiToken;
  RunResult r = Exec({"--report", report, "--label", "--secret-file", secrets}, Sh(script));
  EXPECT_RUN(r, "[REDACTED:secret]\n[REDACTED:secret]\n", "[REDACTED:secret]\n", 0);
  EXPECT_EQ(ReportNumber(ReadFile(report), "redactions"), 3) << ReadFile(report);
}

TEST_F(ExecCliTest, SecretWrittenInTwoPiecesWithAPauseIsMaskedWhole) {
  std::string secrets = SecretFile();
  std::string token = kApiToken;
  // The hold is far longer than the pause, so only the pause can split it.
  std::string script = "printf 'token " + token.substr(0, 10) + "'; sleep 0.2; printf '" +
                       token.substr(10) + " end\\n'";
  RunResult r = Exec({"--hold-ms", "60000", "--secret-file", secrets}, Sh(script));
  EXPECT_RUN(r, "token *** end\n", "", 0);
}

TEST_F(ExecCliTest, LineAppearsWhileTheCommandIsStillRunning) {
  std::string secrets = SecretFile();
  Subprocess child(
      ExecArgv({"--secret-file", secrets}, Sh("echo first-line; read x; echo \"got $x\"")));
  ASSERT_EQ(child.spawn_error(), "");
  // The command now waits for its stdin, which only we can feed.
  EXPECT_TRUE(child.ReadStdoutUntil("first-line\n", kLiveDeadline)) << child.out();
  ASSERT_TRUE(child.Write("abc\n"));
  RunResult r = child.Wait();
  EXPECT_RUN(r, "first-line\ngot abc\n", "", 0);
}

TEST_F(ExecCliTest, HeldPartialMatchIsReleasedAfterHoldMsWhileTheCommandRuns) {
  std::string secrets = SecretFile();
  std::string half = std::string(kApiToken).substr(0, 10);
  Subprocess child(ExecArgv({"--hold-ms", "50", "--report", "-", "--secret-file", secrets},
                            Sh("printf 'prompt " + half + "'; read x || true")));
  ASSERT_EQ(child.spawn_error(), "");
  EXPECT_TRUE(child.ReadStdoutUntil("prompt " + half, kLiveDeadline)) << child.out();
  RunResult r = child.Wait();
  EXPECT_EQ(r.out, "prompt " + half);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(ReportNumber(r.err, "forced_releases"), 1) << r.err;
}

TEST_F(ExecCliTest, StdinPassesThroughToTheCommand) {
  SpawnOptions spawn;
  spawn.stdin_bytes = "data\nmore data\n";
  EXPECT_RUN(Exec({}, {"cat"}, spawn), "data\nmore data\n", "", 0);
}

TEST_F(ExecCliTest, LargeFastOutputArrivesWhole) {
  constexpr long long kBytes = 200000000;
  std::string secrets = SecretFile();
  SpawnOptions spawn;
  spawn.stdout_path = Path("out.bin");
  spawn.timeout = std::chrono::seconds(240);
  RunResult r = Exec({"--secret-file", secrets},
                     Sh("head -c " + std::to_string(kBytes) + " /dev/zero | tr '\\0' a"), spawn);
  EXPECT_RUN(r, "", "", 0);
  ASSERT_EQ(std::filesystem::file_size(*spawn.stdout_path), static_cast<uintmax_t>(kBytes));
  std::ifstream in(*spawn.stdout_path, std::ios::binary);
  std::vector<char> block(1 << 20);
  long long other = 0;
  while (in.read(block.data(), static_cast<std::streamsize>(block.size())) || in.gcount() > 0) {
    for (std::streamsize i = 0; i < in.gcount(); ++i) {
      other += block[static_cast<size_t>(i)] != 'a';
    }
  }
  EXPECT_EQ(other, 0);
}

// ---------------------------------------------------------------------------
// ::add-mask:: commands.

TEST_F(ExecCliTest, AddMaskOnStdoutMasksTheValueLaterOnBothStreams) {
  // The command goes on only when we feed its stdin, after the add-mask line
  // is through: the two pipes are not ordered with each other.
  Subprocess child(ExecArgv({}, Sh("echo before m4sk-Value-77; echo ::add-mask::m4sk-Value-77;"
                                   " echo marker; read x; echo x m4sk-Value-77 >&2;"
                                   " echo y m4sk-Value-77")));
  ASSERT_EQ(child.spawn_error(), "");
  ASSERT_TRUE(child.ReadStdoutUntil("marker\n", kLiveDeadline)) << child.out();
  ASSERT_TRUE(child.Write("go\n"));
  RunResult r = child.Wait();
  EXPECT_RUN(r, "before m4sk-Value-77\nmarker\ny ***\n", "x ***\n", 0);
}

TEST_F(ExecCliTest, AddMaskOnStderrMasksTheValueLaterOnBothStreams) {
  Subprocess child(ExecArgv({}, Sh("echo ::add-mask::m4sk-Value-77 >&2; echo marker >&2;"
                                   " read x; echo x m4sk-Value-77; echo y m4sk-Value-77 >&2")));
  ASSERT_EQ(child.spawn_error(), "");
  ASSERT_TRUE(ReadStderrUntil(&child, "marker\n", kLiveDeadline)) << child.err();
  ASSERT_TRUE(child.Write("go\n"));
  RunResult r = child.Wait();
  EXPECT_RUN(r, "x ***\n", "marker\ny ***\n", 0);
}

TEST_F(ExecCliTest, NoAddMaskCommandsPassesTheLinesThrough) {
  RunResult r =
      Exec({"--no-add-mask-commands"}, Sh("echo ::add-mask::m4sk-Value-77; echo y m4sk-Value-77"));
  EXPECT_RUN(r, "::add-mask::m4sk-Value-77\ny m4sk-Value-77\n", "", 0);
}

// ---------------------------------------------------------------------------
// Signals. The command prints its parent's pid, which is scrub's.

// Waits for the first line of a command that prints "ready $PPID", and
// returns scrub's pid, or -1.
pid_t ScrubPidOnceReady(Subprocess* child) {
  if (!child->ReadStdoutUntil("\n", kLiveDeadline)) {
    return -1;
  }
  return NumberAfter(child->out(), "ready ");
}

// A command that waits on its stdin (a builtin: no child that the shell
// would report as killed) until `signal_name` arrives, then exits 3.
std::string TrapScript(const std::string& signal_name) {
  return "trap 'echo cleanup " + signal_name + "; exit 3' " + signal_name +
         "; echo ready $PPID; read x; echo not-signalled";
}

TEST_F(ExecCliTest, SigtermReachesTheCommandWhichCleansUpAndItsStatusIsOurs) {
  Subprocess child(ExecArgv({}, Sh(TrapScript("TERM"))));
  ASSERT_EQ(child.spawn_error(), "");
  pid_t scrub = ScrubPidOnceReady(&child);
  ASSERT_GT(scrub, 1) << child.out();
  ASSERT_EQ(::kill(scrub, SIGTERM), 0);
  // Before Wait() closes the command's stdin, which would end it as well.
  EXPECT_TRUE(child.ReadStdoutUntil("cleanup TERM\n", kLiveDeadline)) << child.out();
  RunResult r = child.Wait();
  EXPECT_RUN(r, "ready " + std::to_string(scrub) + "\ncleanup TERM\n", "", 3);
}

TEST_F(ExecCliTest, SighupAndSigintAreForwardedToo) {
  for (auto [sig, name] : {std::pair{SIGHUP, "HUP"}, std::pair{SIGINT, "INT"}}) {
    Subprocess child(ExecArgv({}, Sh(TrapScript(name))));
    ASSERT_EQ(child.spawn_error(), "");
    pid_t scrub = ScrubPidOnceReady(&child);
    ASSERT_GT(scrub, 1) << child.out();
    ASSERT_EQ(::kill(scrub, sig), 0);
    std::string cleanup = std::string("cleanup ") + name + "\n";
    EXPECT_TRUE(child.ReadStdoutUntil(cleanup, kLiveDeadline)) << child.out();
    RunResult r = child.Wait();
    EXPECT_RUN(r, "ready " + std::to_string(scrub) + "\n" + cleanup, "", 3);
  }
}

TEST_F(ExecCliTest, SecondSigintKillsTheCommand) {
  Subprocess child(ExecArgv(
      {}, Sh("trap 'echo got-int' INT; echo ready $PPID; read x; read x; echo not-killed")));
  ASSERT_EQ(child.spawn_error(), "");
  pid_t scrub = ScrubPidOnceReady(&child);
  ASSERT_GT(scrub, 1) << child.out();
  ASSERT_EQ(::kill(scrub, SIGINT), 0);
  ASSERT_TRUE(child.ReadStdoutUntil("got-int\n", kLiveDeadline)) << child.out();
  ASSERT_EQ(::kill(scrub, SIGINT), 0);
  // Scrub's stdout closes once the killed command's pipes do.
  child.ReadStdoutUntil("not-killed", kLiveDeadline);
  RunResult r = child.Wait();
  EXPECT_RUN(r, "ready " + std::to_string(scrub) + "\ngot-int\n", "", 128 + SIGKILL);
}

// ---------------------------------------------------------------------------
// Grandchildren.

TEST_F(ExecCliTest, GrandchildHoldingThePipesDoesNotHangUsPastTheGrace) {
  SpawnOptions spawn;
  spawn.timeout = std::chrono::seconds(10);  // fail, rather than hang, past it
  RunResult r = Exec({"--grace-ms", "300"}, Sh("sleep 30 & echo started $!"), spawn);
  pid_t sleeper = NumberAfter(r.out, "started ");
  if (sleeper > 1) {
    ::kill(sleeper, SIGKILL);
  }
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("started ", 0), 0u) << r.out;
}

TEST_F(ExecCliTest, GrandchildOutputWithinTheGraceIsKept) {
  RunResult r = Exec({"--grace-ms", "20000"}, Sh("(sleep 0.2; echo late) & echo started"));
  EXPECT_RUN(r, "started\nlate\n", "", 0);
}

// ---------------------------------------------------------------------------
// Usage errors: CMD is not run.

TEST_F(ExecCliTest, BadOptionExits2WithoutRunningTheCommand) {
  std::string marker = Path("ran");
  RunResult r = Exec({"--engine", "nope"}, {"/bin/sh", "-c", "touch " + marker});
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_ONE_ERROR_LINE(r.err);
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST_F(ExecCliTest, MissingCommandExits2) {
  for (const auto& args : {std::vector<std::string>{"exec", "--"}, {"exec"}}) {
    RunResult r = Scrub(args);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_ONE_ERROR_LINE(r.err);
  }
}

// ---------------------------------------------------------------------------
// The command runs as it would without us.

// scrub ignores SIGPIPE for itself; the command must start with the default,
// or `yes | head` inside it complains about a broken pipe and fails.
TEST_F(ExecCliTest, CommandStartsWithDefaultSigpipeHandling) {
  RunResult r = Exec({}, Sh("yes | head -n 2"));
  EXPECT_RUN(r, "y\ny\n", "", 0);
}

// A child of ours on a new pseudo-terminal, which is its controlling
// terminal and its stdin, stdout and stderr, the way a shell runs a command.
class TerminalChild {
 public:
  explicit TerminalChild(const std::vector<std::string>& argv) {
    master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master_ < 0 || ::grantpt(master_) != 0 || ::unlockpt(master_) != 0) {
      return;
    }
    std::string slave = ::ptsname(master_);
    std::vector<std::string> args = argv;
    std::vector<char*> c_args;
    for (std::string& a : args) {
      c_args.push_back(a.data());
    }
    c_args.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      // Only async-signal-safe calls from here to exec.
      ::signal(SIGPIPE, SIG_DFL);
      ::setsid();
      int fd = ::open(slave.c_str(), O_RDWR);
      if (fd < 0 || ::ioctl(fd, TIOCSCTTY, 0) != 0) {
        ::_exit(125);
      }
      ::dup2(fd, STDIN_FILENO);
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
      ::execv(c_args[0], c_args.data());
      ::_exit(125);
    }
  }
  ~TerminalChild() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (master_ >= 0) {
      ::close(master_);
    }
  }
  TerminalChild(const TerminalChild&) = delete;
  TerminalChild& operator=(const TerminalChild&) = delete;

  bool started() const { return pid_ > 0; }
  const std::string& out() const { return out_; }
  bool Write(std::string_view bytes) {
    return ::write(master_, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
  }
  // Reads the terminal until it shows `want` or `deadline` passes.
  bool ReadUntil(std::string_view want, std::chrono::milliseconds deadline) {
    Clock::time_point end = Clock::now() + deadline;
    while (out_.find(want) == std::string::npos && Clock::now() < end) {
      pollfd fd = {master_, POLLIN, 0};
      if (::poll(&fd, 1, 50) > 0) {
        char buffer[4096];
        ssize_t n = ::read(master_, buffer, sizeof buffer);
        if (n <= 0) {
          return false;  // EIO: no one holds the terminal any more
        }
        out_.append(buffer, static_cast<size_t>(n));
      }
    }
    return out_.find(want) != std::string::npos;
  }
  // The exit code once the child ended within `deadline`, else -1.
  int WaitExit(std::chrono::milliseconds deadline) {
    Clock::time_point end = Clock::now() + deadline;
    int status = 0;
    while (Clock::now() < end) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      ReadUntil("\x01 never printed \x02", std::chrono::milliseconds(50));
    }
    return -1;
  }

 private:
  int master_ = -1;
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::string out_;
};

// Run from a terminal, the command must be able to read it (a prompt, a
// pager): not be stopped by SIGTTIN for reading from a background group.
TEST_F(ExecCliTest, CommandCanReadTheTerminalItWasStartedFrom) {
  TerminalChild child(ExecArgv({}, Sh("echo ready $$; read x; echo got-$x")));
  ASSERT_TRUE(child.started());
  ASSERT_TRUE(child.ReadUntil("\n", kLiveDeadline)) << child.out();
  pid_t command = NumberAfter(child.out(), "ready ");
  ASSERT_TRUE(child.Write("hello\n"));
  bool answered = child.ReadUntil("got-hello", kLiveDeadline);
  int code = answered ? child.WaitExit(kLiveDeadline) : -1;
  if (code != 0 && command > 1) {
    ::kill(-command, SIGKILL);  // its own process group, stopped by SIGTTIN
  }
  EXPECT_TRUE(answered) << child.out();
  EXPECT_EQ(code, 0) << child.out();
}

// ---------------------------------------------------------------------------
// Hyperscan compiles large literal sets on a background thread while streams
// start on the hash index (DESIGN §2, setup cost). The command runs meanwhile,
// so the signals that scrub exec serves must not reach that thread.

class ExecDuringBackgroundCompileTest : public ExecCliTest {
 protected:
  void SetUp() override {
    ExecCliTest::SetUp();
    if (!EngineAvailable("hyperscan")) {
      GTEST_SKIP() << "this build or CPU has no Hyperscan";
    }
    // Near the Hyperscan literal limit: a compile of about half a second.
    std::mt19937 random(7);
    std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::string secrets;
    for (int i = 0; i < 19000; ++i) {
      for (int c = 0; c < 24; ++c) {
        secrets += alphabet[random() % alphabet.size()];
      }
      secrets += '\n';
    }
    secret_file_ = Write("many.txt", secrets);
  }
  std::vector<std::string> Options() const {
    return {"--engine", "hyperscan", "--variants", "raw", "--secret-file", secret_file_};
  }

  std::string secret_file_;
};

TEST_F(ExecDuringBackgroundCompileTest, SigtermIsForwardedToTheCommand) {
  Subprocess child(ExecArgv(Options(), Sh(TrapScript("TERM"))));
  ASSERT_EQ(child.spawn_error(), "");
  pid_t scrub = ScrubPidOnceReady(&child);
  ASSERT_GT(scrub, 1) << child.out();
  ASSERT_EQ(::kill(scrub, SIGTERM), 0);
  EXPECT_TRUE(child.ReadStdoutUntil("cleanup TERM\n", kLiveDeadline)) << child.out();
  RunResult r = child.Wait();
  EXPECT_EQ(r.term_signal, 0) << "scrub itself died of signal " << r.term_signal;
  EXPECT_RUN(r, "ready " + std::to_string(scrub) + "\ncleanup TERM\n", "", 3);
}

TEST_F(ExecDuringBackgroundCompileTest, CommandThatExitsAtOnceIsReaped) {
  // The race is per run; 20 runs catch it nearly always.
  SpawnOptions spawn;
  spawn.timeout = std::chrono::seconds(15);
  for (int run = 0; run < 20; ++run) {
    RunResult r = Exec(Options(), {"/bin/true"}, spawn);
    ASSERT_FALSE(r.timed_out) << "run " << run << ": scrub never saw the command exit";
    ASSERT_EQ(r.exit_code, 0) << "run " << run << ": " << r.err;
  }
}

}  // namespace
}  // namespace scrubber
