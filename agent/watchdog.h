// Watchdog: the token guard of DESIGN §6. The supervisor starts a watchdog
// process in a session of its own that holds the job token and the revoke URL
// and outlives the supervisor. The supervisor tells it through a socket when
// it has revoked the token itself; if the socket closes without that word
// (the supervisor crashed or was killed), the watchdog revokes the token.
//
// The watchdog is the agent's own binary run again as `EXE __watchdog`
// (fork, then exec at once), so it is safe to start from a threaded process
// and nothing of the supervisor's memory but what it is sent survives. The
// token travels through the socket, never argv or the environment. The
// program's main must hand that subcommand to RunWatchdogMain:
//
//   if (argc == 2 && std::string_view(argv[1]) == kWatchdogCommand) {
//     return RunWatchdogMain(kWatchdogFd);
//   }
#ifndef SCRUBBER_AGENT_WATCHDOG_H_
#define SCRUBBER_AGENT_WATCHDOG_H_

#include <sys/types.h>

#include <string>

#include "agent/control_plane.h"
#include "scrubber/status.h"

namespace scrubber::agent {

// The hidden subcommand that runs the watchdog, and the descriptor on which
// it finds its end of the socket.
inline constexpr char kWatchdogCommand[] = "__watchdog";
inline constexpr int kWatchdogFd = 3;

// The supervisor's handle on its watchdog. Move-only; not thread-safe.
class Watchdog {
 public:
  // Starts `exe` (default: this very program) as `exe __watchdog` with
  // stdin and stdout on /dev/null, stderr inherited, no other descriptor
  // but the watchdog's end of the socket, an environment reduced to proxy and
  // CA settings, in a new session, and not a child of the caller (it is
  // forked twice, so the caller never reaps it and waitpid(-1) never sees
  // it). Then sends it `revoke_target` (the api URL, job id, token and
  // expiry; the retry settings are the watchdog's own).
  // REQUIRES: `exe` dispatches kWatchdogCommand to RunWatchdogMain.
  // Errors: IoError when the socket, fork or exec fails.
  static Result<Watchdog> Start(const ClientOptions& revoke_target,
                                const std::string& exe = "/proc/self/exe");

  Watchdog(Watchdog&& other) noexcept;
  Watchdog& operator=(Watchdog&& other) noexcept;
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Closes the socket. Without TokenRevoked() first, that makes the watchdog
  // revoke the token, which is the point: the supervisor ended (returning,
  // throwing or crashing alike) without saying it had revoked it.
  ~Watchdog();

  // Tells the watchdog the supervisor has revoked the token (or that the job
  // is over and nothing must be revoked): the watchdog exits without a
  // request. Closes the socket; later calls are no-ops.
  // Errors: IoError when the watchdog is already gone (it may have revoked).
  Status TokenRevoked();

  // Tells the watchdog the process group of the step now running (0: none).
  // If the supervisor dies while one is set, the watchdog SIGKILLs that
  // group before it revokes. A no-op once the socket is closed.
  // Errors: IoError when the watchdog is gone.
  Status GuardGroup(pid_t group);

  // The socket GuardGroup writes to, for a child to announce its own group
  // on before exec (io::ChildOptions::announce_group_fd); -1 once closed.
  // It is close-on-exec: no step keeps it.
  int group_fd() const { return fd_; }

  // The watchdog's process id (it is not the caller's child).
  pid_t pid() const { return pid_; }

 private:
  Watchdog(int fd, pid_t pid) : fd_(fd), pid_(pid) {}

  int fd_ = -1;  // our end of the socket, close-on-exec
  pid_t pid_ = -1;
};

// The watchdog process's main: reads its parameters from `fd`, then waits on
// it, taking "group N" lines (GuardGroup) until "revoked". When the stream
// ends first, it kills the last group named (if not 0), then revokes the
// token (none in a local job: an empty token). Returns the exit status: 0
// when told the token was revoked, when it revoked the token, when there was
// none, or when it had expired anyway; 1 when revoking failed or the
// parameters never arrived. Marks the process non-dumpable,
// ignores SIGINT and SIGHUP, and on SIGTERM revokes at once (fail closed).
// Writes one line per diagnostic on stderr, never the token.
int RunWatchdogMain(int fd);

}  // namespace scrubber::agent

#endif  // SCRUBBER_AGENT_WATCHDOG_H_
