// io::RunScrubbedChild as the agent uses it: the step's process group is
// announced on a descriptor before the command runs, so that a watcher
// (the agent's watchdog) knows it even if the agent dies at that moment.
#include "scrubber/io/child_process.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include <gtest/gtest.h>

#include "scrubber/io/fd_io.h"
#include "scrubber/rule_set.h"
#include "scrubber/scrubber.h"

namespace scrubber {
namespace {

class StringLiveSink final : public io::LiveSink {
 public:
  Status Write(std::string_view bytes) override {
    out.append(bytes);
    return Status::Ok();
  }
  Status Flush() override { return Status::Ok(); }
  std::string out;
};

std::string ReadAvailable(int fd) {
  std::string got;
  char buffer[256];
  ssize_t n = 0;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) {
    got.append(buffer, static_cast<size_t>(n));
  }
  return got;
}

std::shared_ptr<const Scrubber> Plain() {
  ScrubOptions options;
  options.background_compile = false;
  auto compiled = Scrubber::Compile(SecretSet(), RuleSet(), options);
  EXPECT_TRUE(compiled.ok());
  return compiled.ok() ? compiled.value() : nullptr;
}

// The line is there when on_start runs, that is once exec has happened:
// the child wrote it between fork and exec, before any of the command ran.
TEST(ChildProcess, TheGroupIsAnnouncedBeforeTheCommandRuns) {
  for (int type : {static_cast<int>(SOCK_STREAM), 0}) {  // the watchdog's socket, a pipe
    SCOPED_TRACE(type == 0 ? "pipe" : "socket");
    int fds[2];
    ASSERT_EQ(type == 0 ? ::pipe2(fds, O_CLOEXEC | O_NONBLOCK)
                        : ::socketpair(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds),
              0);
    io::ChildOptions options;
    options.argv = {"/bin/sh", "-c", "echo done"};
    options.announce_group_fd = fds[1];
    std::string at_start;
    pid_t started = 0;
    options.on_start = [&](pid_t group) {
      started = group;
      at_start = ReadAvailable(fds[0]);
    };
    StringLiveSink out;
    StringLiveSink err;
    auto result = io::RunScrubbedChild(options, Plain(), &out, &err);
    ASSERT_TRUE(result.ok()) << result.status().message();
    EXPECT_EQ(result->exit_status, 0);
    EXPECT_EQ(out.out, "done\n");
    ASSERT_GT(started, 0);
    EXPECT_EQ(at_start, "group " + std::to_string(started) + "\n");
    EXPECT_EQ(ReadAvailable(fds[0]), "");  // once
    ::close(fds[0]);
    ::close(fds[1]);
  }
}

// A watcher that is gone must not cost the step its life (no SIGPIPE).
TEST(ChildProcess, AClosedAnnounceDescriptorDoesNotKillTheChild) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  ::close(fds[0]);
  io::ChildOptions options;
  options.argv = {"/bin/sh", "-c", "echo done"};
  options.announce_group_fd = fds[1];
  StringLiveSink out;
  StringLiveSink err;
  auto result = io::RunScrubbedChild(options, Plain(), &out, &err);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->exit_status, 0);
  EXPECT_EQ(out.out, "done\n");
  ::close(fds[1]);
}

}  // namespace
}  // namespace scrubber
