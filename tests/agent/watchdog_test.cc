// Tests of the token guard against the reference control plane
// (agent/testing/control_plane.py, found through SCRUB_CONTROL_PLANE_PY or
// next to this file). This binary is its own watchdog: main() hands
// `__watchdog` to RunWatchdogMain before GoogleTest starts, as the agent's
// main does. A "supervisor" is a forked helper that starts a Watchdog and is
// then killed with SIGKILL.
#include "agent/watchdog.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace scrubber::agent {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr char kToken[] = "tok-watchdog-8d41f0e2b7c9";
constexpr char kJobId[] = "job-42";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Polls `done` every 50 ms until it holds or `limit` passes.
bool WaitFor(const std::function<bool()>& done, milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  return true;
}

// True once `pid` has exited (gone, or a zombie waiting for init to reap it).
bool ProcessEnded(pid_t pid) {
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  return stat.empty() || paren == std::string::npos || stat.substr(paren + 2, 1) == "Z";
}

// The reference server as a child process, stopped by the destructor.
class ReferenceServer {
 public:
  ReferenceServer() {
    char dir_template[] = "/tmp/scrub-wd-test-XXXXXX";
    dir_ = mkdtemp(dir_template);
    std::ofstream(dir_ / "job.json") << R"({"id": "job-42", "steps": []})";
    std::string script =
        std::getenv("SCRUB_CONTROL_PLANE_PY") != nullptr
            ? std::getenv("SCRUB_CONTROL_PLANE_PY")
            : (fs::path(__FILE__).parent_path() / "../../agent/testing/control_plane.py").string();
    std::vector<std::string> args = {"python3",  script, "--job",       dir_ / "job.json",
                                     "--token",  kToken, "--port",      "0",
                                     "--job-id", kJobId, "--state-dir", dir_ / "state"};
    std::vector<char*> argv;
    for (std::string& a : args) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    std::string log = dir_ / "server.log";
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) {
      return;
    }
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      int err = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(err, STDERR_FILENO);
      execvp(argv[0], argv.data());
      _exit(127);
    }
    close(out[1]);
    std::string line;
    while (line.find('\n') == std::string::npos) {
      pollfd p{out[0], POLLIN, 0};
      char buf[256];
      ssize_t n = poll(&p, 1, 20000) > 0 ? read(out[0], buf, sizeof buf) : 0;
      if (n <= 0) {
        break;
      }
      line.append(buf, static_cast<size_t>(n));
    }
    close(out[0]);
    constexpr std::string_view kPrefix = "listening ";
    if (line.starts_with(kPrefix) && line.ends_with('\n')) {
      url_ = line.substr(kPrefix.size(), line.size() - kPrefix.size() - 1);
    }
  }

  ~ReferenceServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  const std::string& url() const { return url_; }
  std::string log() const { return ReadFile(dir_ / "server.log"); }
  bool Revoked() const {
    std::string text = ReadFile(dir_ / "state" / "state.json");
    return !text.empty() && nlohmann::json::parse(text)["revoked"] == true;
  }
  std::string Calls() const { return ReadFile(dir_ / "state" / "calls.jsonl"); }

 private:
  fs::path dir_;
  pid_t pid_ = -1;
  std::string url_;
};

ClientOptions TargetFor(const ReferenceServer& server) {
  ClientOptions options;
  options.api = server.url();
  options.job = kJobId;
  options.token = kToken;
  options.expires_at = std::chrono::system_clock::now() + std::chrono::hours(1);
  return options;
}

// Forks a supervisor that starts a watchdog, runs `then` on it, reports the
// watchdog's pid and waits to be killed. Returns {supervisor, watchdog}.
std::pair<pid_t, pid_t> StartSupervisor(const ClientOptions& target,
                                        const std::function<void(Watchdog&)>& then) {
  int report[2];
  if (pipe(report) != 0) {
    return {-1, -1};
  }
  pid_t supervisor = fork();
  if (supervisor == 0) {
    close(report[0]);
    Result<Watchdog> watchdog = Watchdog::Start(target);
    pid_t pid = watchdog.ok() ? watchdog->pid() : -1;
    if (watchdog.ok()) {
      then(*watchdog);
    }
    [[maybe_unused]] ssize_t ignored = write(report[1], &pid, sizeof pid);
    while (true) {
      pause();
    }
  }
  close(report[1]);
  pid_t watchdog = -1;
  if (read(report[0], &watchdog, sizeof watchdog) != sizeof watchdog) {
    watchdog = -1;
  }
  close(report[0]);
  return {supervisor, watchdog};
}

void KillAndReap(pid_t pid) {
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

#define START_SERVER(server) \
  ReferenceServer server;    \
  ASSERT_FALSE(server.url().empty()) << server.log()

TEST(Watchdog, RevokesWhenTheSupervisorIsKilled) {
  START_SERVER(server);
  auto [supervisor, watchdog] = StartSupervisor(TargetFor(server), [](Watchdog&) {});
  ASSERT_GT(watchdog, 0);
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_FALSE(server.Revoked());
  KillAndReap(supervisor);
  EXPECT_TRUE(WaitFor([&] { return server.Revoked(); }, milliseconds(10000))) << server.log();
  EXPECT_TRUE(WaitFor([&] { return ProcessEnded(watchdog); }, milliseconds(5000)));
}

TEST(Watchdog, DoesNotRevokeAfterTokenRevoked) {
  START_SERVER(server);
  auto [supervisor, watchdog] = StartSupervisor(TargetFor(server), [](Watchdog& w) {
    if (!w.TokenRevoked().ok()) {
      _exit(3);
    }
  });
  ASSERT_GT(watchdog, 0);
  EXPECT_TRUE(WaitFor([&] { return ProcessEnded(watchdog); }, milliseconds(5000)));
  KillAndReap(supervisor);
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_FALSE(server.Revoked());
  EXPECT_EQ(server.Calls(), "");
}

// A stand-in for a step: a child in a process group of its own, with a
// grandchild in the background, both waiting to be killed.
struct FakeStep {
  pid_t leader = -1;
  pid_t background = -1;
};

FakeStep StartFakeStep() {
  int report[2];
  if (pipe(report) != 0) {
    return {};
  }
  pid_t leader = fork();
  if (leader == 0) {
    setpgid(0, 0);
    pid_t background = fork();
    if (background == 0) {
      while (true) {
        pause();
      }
    }
    [[maybe_unused]] ssize_t ignored = write(report[1], &background, sizeof background);
    while (true) {
      pause();
    }
  }
  setpgid(leader, leader);
  close(report[1]);
  FakeStep step{leader, -1};
  if (read(report[0], &step.background, sizeof step.background) != sizeof step.background) {
    step.background = -1;
  }
  close(report[0]);
  return step;
}

void EndFakeStep(const FakeStep& step) {
  kill(-step.leader, SIGKILL);
  waitpid(step.leader, nullptr, 0);
}

// With a token (a remote job) and without (a local one), the group named
// last is killed when the supervisor dies; a group cleared with 0 is not.
TEST(Watchdog, KillsTheGuardedStepGroupWhenTheSupervisorDies) {
  START_SERVER(server);
  for (bool local : {true, false}) {  // local first: the server stays revoked
    SCOPED_TRACE(local ? "local job" : "remote job");
    ClientOptions target = local ? ClientOptions{} : TargetFor(server);
    FakeStep done = StartFakeStep();
    FakeStep running = StartFakeStep();
    ASSERT_GT(running.background, 0);
    auto [supervisor, watchdog] = StartSupervisor(target, [&](Watchdog& w) {
      bool sent = w.GuardGroup(done.leader).ok() && w.GuardGroup(0).ok() &&
                  w.GuardGroup(running.leader).ok();
      if (!sent) {
        _exit(3);
      }
    });
    ASSERT_GT(watchdog, 0);
    std::this_thread::sleep_for(milliseconds(200));
    EXPECT_FALSE(ProcessEnded(running.leader));
    KillAndReap(supervisor);
    EXPECT_TRUE(WaitFor([&] { return ProcessEnded(running.leader); }, milliseconds(5000)));
    EXPECT_TRUE(WaitFor([&] { return ProcessEnded(running.background); }, milliseconds(5000)));
    EXPECT_TRUE(WaitFor([&] { return ProcessEnded(watchdog); }, milliseconds(10000)));
    EXPECT_FALSE(ProcessEnded(done.leader)) << "a group cleared with 0 was killed";
    EXPECT_FALSE(ProcessEnded(done.background)) << "a group cleared with 0 was killed";
    EXPECT_EQ(server.Revoked(), !local) << server.log();
    EndFakeStep(done);
    EndFakeStep(running);
  }
}

TEST(Watchdog, RevokesWhenTheHandleIsDestroyedWithoutTheWord) {
  START_SERVER(server);
  {
    Result<Watchdog> watchdog = Watchdog::Start(TargetFor(server));
    ASSERT_TRUE(watchdog.ok()) << watchdog.status().message();
  }
  EXPECT_TRUE(WaitFor([&] { return server.Revoked(); }, milliseconds(10000))) << server.log();
}

TEST(Watchdog, RevokesOnSigtermAndIgnoresSigintAndSighup) {
  START_SERVER(server);
  Result<Watchdog> watchdog = Watchdog::Start(TargetFor(server));
  ASSERT_TRUE(watchdog.ok()) << watchdog.status().message();
  kill(watchdog->pid(), SIGINT);
  kill(watchdog->pid(), SIGHUP);
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_FALSE(ProcessEnded(watchdog->pid()));
  EXPECT_FALSE(server.Revoked());
  kill(watchdog->pid(), SIGTERM);
  EXPECT_TRUE(WaitFor([&] { return server.Revoked(); }, milliseconds(10000))) << server.log();
}

TEST(Watchdog, SkipsRevokeOfAnExpiredToken) {
  START_SERVER(server);
  ClientOptions target = TargetFor(server);
  target.expires_at = std::chrono::system_clock::now() - std::chrono::seconds(1);
  pid_t pid = -1;
  {
    Result<Watchdog> watchdog = Watchdog::Start(target);
    ASSERT_TRUE(watchdog.ok()) << watchdog.status().message();
    pid = watchdog->pid();
  }
  EXPECT_TRUE(WaitFor([&] { return ProcessEnded(pid); }, milliseconds(5000)));
  EXPECT_EQ(server.Calls(), "");
}

TEST(Watchdog, RunsInItsOwnSessionWithOnlyItsSocketAndNoTokenInArgv) {
  START_SERVER(server);
  Result<Watchdog> watchdog = Watchdog::Start(TargetFor(server));
  ASSERT_TRUE(watchdog.ok()) << watchdog.status().message();
  pid_t pid = watchdog->pid();
  EXPECT_NE(getsid(pid), getsid(0));
  EXPECT_EQ(waitpid(pid, nullptr, WNOHANG), -1);  // not our child
  std::string proc = "/proc/" + std::to_string(pid);
  std::string cmdline = ReadFile(proc + "/cmdline");
  EXPECT_EQ(cmdline, std::string("/proc/self/exe\0__watchdog\0", 26));
  EXPECT_EQ(ReadFile(proc + "/environ").find(kToken), std::string::npos);
  // Polled: a sanitizer runtime may hold a file open briefly at start.
  std::vector<std::string> fds;
  auto only_its_socket = [&] {
    fds.clear();
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(proc + "/fd", ec)) {
      fds.push_back(entry.path().filename());
    }
    std::sort(fds.begin(), fds.end());
    return fds == std::vector<std::string>{"0", "1", "2", "3"};
  };
  EXPECT_TRUE(WaitFor(only_its_socket, milliseconds(5000))) << testing::PrintToString(fds);
  EXPECT_TRUE(watchdog->TokenRevoked().ok());
  EXPECT_TRUE(WaitFor([&] { return ProcessEnded(pid); }, milliseconds(5000)));
  EXPECT_FALSE(server.Revoked());
}

TEST(Watchdog, StartFailsWhenTheProgramCannotRun) {
  ClientOptions target;
  target.api = "http://127.0.0.1:1";
  target.job = kJobId;
  target.token = kToken;
  Result<Watchdog> watchdog = Watchdog::Start(target, "/nonexistent/scrub-agent");
  ASSERT_FALSE(watchdog.ok());
  EXPECT_EQ(watchdog.status().message(),
            "watchdog: cannot run /nonexistent/scrub-agent: No such file or directory");
}

}  // namespace
}  // namespace scrubber::agent

int main(int argc, char** argv) {
  if (argc == 2 && std::string_view(argv[1]) == scrubber::agent::kWatchdogCommand) {
    return scrubber::agent::RunWatchdogMain(scrubber::agent::kWatchdogFd);
  }
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
