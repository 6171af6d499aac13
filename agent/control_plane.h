// ControlPlane: the agent's client for the control-plane API of DESIGN §6
// (register, fetch the job, post events, upload artifacts, revoke the token).
// Every call carries the job's bearer token, is retried with backoff on
// connection errors and 5xx (never on 4xx), and refuses to run once the token
// has expired. No message this client returns contains the token or a body.
#ifndef SCRUBBER_AGENT_CONTROL_PLANE_H_
#define SCRUBBER_AGENT_CONTROL_PLANE_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "scrubber/status.h"

namespace scrubber::agent {

struct ClientOptions {
  std::string api;    // base URL, e.g. "https://cp.example.com" (a path prefix is kept)
  std::string job;    // job id, percent-escaped into every path
  std::string token;  // bearer token: a secret
  // No request is sent at or after this time.
  std::chrono::system_clock::time_point expires_at;
  // Attempts per call, the first included (>= 1).
  int max_attempts = 8;
  // The delay before retry n is about initial_backoff * 2^(n-1), capped at
  // max_backoff, with random jitter (half to all of it).
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{5000};
  // Bound on one attempt (connect, send, receive).
  std::chrono::milliseconds request_timeout{30000};
  // When non-zero, a call also gives up once this much time has passed since
  // it started (attempts are cut short to fit). Zero: only max_attempts.
  std::chrono::milliseconds retry_budget{0};
};

struct RegisterInfo {
  std::string agent_version;
  std::string host;
  std::string os;
  int cpus = 0;
};

// One job event. `seq` makes a repeated post harmless: the control plane
// records each seq once. `log_tail` must already be scrubbed.
struct Event {
  uint64_t seq = 0;
  std::string state;  // running, step_started, step_finished, heartbeat, succeeded, ...
  std::string step;
  std::optional<int> exit_code;
  std::map<std::string, uint64_t> redactions;  // count by secret name or rule id
  std::string log_tail;
};

// A control-plane client over one reused libcurl handle.
//
// Thread safety: not thread-safe; calls on one object must be serialized
// (a heartbeat thread and the runner share it under a mutex).
//
// Errors: InvalidArgument for bad options, IoError for a call that failed
// (after retries, or at once on 4xx or an expired token), InvalidInput for a
// reply that is not the JSON expected. Each message names the call
// ("register", "fetch job", "event", "upload artifact NAME", "revoke") and the
// last HTTP status or transport error.
class ControlPlane {
 public:
  // Fails with InvalidArgument when api is not an http(s) URL, when it is
  // plain http to a host other than loopback (127.0.0.0/8, ::1, localhost),
  // or when job or token is empty or max_attempts < 1.
  static Result<std::unique_ptr<ControlPlane>> Create(ClientOptions options);

  ~ControlPlane();
  ControlPlane(const ControlPlane&) = delete;
  ControlPlane& operator=(const ControlPlane&) = delete;

  // POST /v1/jobs/{job}/register. Returns heartbeat_s (> 0) from the reply.
  Result<int> Register(const RegisterInfo& info);

  // GET /v1/jobs/{job}. Returns the job document's text, checked to be a
  // JSON object (its contents are the caller's to validate).
  Result<std::string> FetchJob();

  // POST /v1/jobs/{job}/events. Returns the reply's "cancel" (false when
  // absent).
  Result<bool> SendEvent(const Event& event);

  // PUT /v1/jobs/{job}/artifacts/{name}: the file at `path`, zstd-compressed
  // (streaming, into an unlinked temporary file), with header X-Content-SHA256
  // set to the hex SHA-256 of the compressed body. `name` may contain '/';
  // it is sent percent-escaped as one path segment.
  Status UploadArtifact(const std::string& name, const std::string& path);

  // POST /v1/jobs/{job}/revoke: ends the token (the control plane replies 204).
  Status Revoke();

  const ClientOptions& options() const { return options_; }

 private:
  class Session;  // libcurl and simdjson state, kept out of this header
  struct Request;
  struct Reply;

  ControlPlane(ClientOptions options, std::unique_ptr<Session> session);

  // Runs `request`, retrying as described above. The Reply of a 2xx.
  Result<Reply> Call(std::string_view what, const Request& request);
  std::string JobPath() const;
  Status ExpiredError(std::string_view what) const;

  ClientOptions options_;
  std::unique_ptr<Session> session_;
  std::minstd_rand jitter_;
};

// Percent-escapes every byte outside the URL "unreserved" set
// (A-Z a-z 0-9 - . _ ~), and the dots of "." and "..", so that the result is
// one path segment. Exposed for tests.
std::string EscapePathSegment(std::string_view segment);

// True for "localhost", an IPv4 address in 127.0.0.0/8 and "::1" (bare or in
// brackets). Exposed for tests.
bool IsLoopbackHost(std::string_view host);

// The control plane's replies, read as the client reads them (exposed for
// tests and fuzzing). Errors name the call, never the reply's bytes.
Result<int> ParseRegisterReply(std::string_view body);  // heartbeat_s, 1 to 86400
Status CheckJobReply(std::string_view body);            // a JSON object
Result<bool> ParseEventReply(std::string_view body);    // "cancel", false if absent

}  // namespace scrubber::agent

#endif  // SCRUBBER_AGENT_CONTROL_PLANE_H_
