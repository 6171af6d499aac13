// End-to-end tests of the control-plane client against the reference server
// (agent/testing/control_plane.py, found through SCRUB_CONTROL_PLANE_PY or
// next to this file), started per test on a free loopback port, with the
// server's record (state.json, calls.jsonl, events.json, uploads/) as truth.
#include "agent/control_plane.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <zstd.h>

#include <nlohmann/json.hpp>

namespace scrubber::agent {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr char kToken[] = "tok-3f9a2c7e51d84b06a1e2";
constexpr char kJobId[] = "job 7/x";  // needs escaping in a URL path
constexpr char kJobText[] = R"({"id": "job 7/x", "steps": [{"name": "build", "run": ["make"]}]})";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string ServerScript() {
  if (const char* env = std::getenv("SCRUB_CONTROL_PLANE_PY")) {
    return env;
  }
  return (fs::path(__FILE__).parent_path() / "../../agent/testing/control_plane.py").string();
}

// The reference server as a child process, stopped by the destructor.
class ReferenceServer {
 public:
  explicit ReferenceServer(const std::vector<std::string>& misbehave = {}) {
    char dir_template[] = "/tmp/scrub-cp-test-XXXXXX";
    dir_ = mkdtemp(dir_template);
    std::ofstream(dir_ / "job.json") << kJobText;
    std::vector<std::string> args = {
        "python3", ServerScript(), "--job", dir_ / "job.json", "--token",     kToken, "--job-id",
        kJobId,    "--port",       "0",     "--state-dir",     dir_ / "state"};
    for (const std::string& m : misbehave) {
      args.push_back("--misbehave");
      args.push_back(m);
    }
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) {
      return;
    }
    std::vector<char*> argv;
    for (std::string& a : args) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    std::string log = dir_ / "server.log";
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
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{out[0], POLLIN, 0};
      if (poll(&p, 1, 200) > 0) {
        char buf[256];
        ssize_t n = read(out[0], buf, sizeof buf);
        if (n <= 0) {
          break;
        }
        line.append(buf, static_cast<size_t>(n));
      }
    }
    close(out[0]);
    constexpr std::string_view kPrefix = "listening ";
    if (line.starts_with(kPrefix) && line.find('\n') != std::string::npos) {
      url_ = line.substr(kPrefix.size(), line.find('\n') - kPrefix.size());
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

  // Empty when the server did not start; its log then says why.
  const std::string& url() const { return url_; }
  std::string log() const { return ReadFile(dir_ / "server.log"); }
  fs::path state_dir() const { return dir_ / "state"; }

  nlohmann::json State() const {
    return nlohmann::json::parse(ReadFile(state_dir() / "state.json"));
  }
  nlohmann::json Events() const {
    return nlohmann::json::parse(ReadFile(state_dir() / "events.json"));
  }
  std::vector<nlohmann::json> Calls() const {
    std::vector<nlohmann::json> calls;
    std::istringstream in(ReadFile(state_dir() / "calls.jsonl"));
    for (std::string line; std::getline(in, line);) {
      calls.push_back(nlohmann::json::parse(line));
    }
    return calls;
  }

 private:
  fs::path dir_;
  pid_t pid_ = -1;
  std::string url_;
};

ClientOptions OptionsFor(const std::string& api) {
  ClientOptions options;
  options.api = api;
  options.job = kJobId;
  options.token = kToken;
  options.expires_at = std::chrono::system_clock::now() + std::chrono::hours(1);
  options.initial_backoff = milliseconds(10);
  options.max_backoff = milliseconds(50);
  options.request_timeout = milliseconds(5000);
  return options;
}

std::unique_ptr<ControlPlane> MakeClient(const ClientOptions& options) {
  Result<std::unique_ptr<ControlPlane>> client = ControlPlane::Create(options);
  EXPECT_TRUE(client.ok()) << client.status().message();
  return client.ok() ? std::move(*client) : nullptr;
}

std::string Decompress(const std::string& frame) {
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  std::string out;
  std::vector<char> buf(ZSTD_DStreamOutSize());
  ZSTD_inBuffer in{frame.data(), frame.size(), 0};
  while (in.pos < in.size) {
    ZSTD_outBuffer o{buf.data(), buf.size(), 0};
    size_t r = ZSTD_decompressStream(dctx.get(), &o, &in);
    if (ZSTD_isError(r)) {
      return "<zstd error>";
    }
    out.append(buf.data(), o.pos);
  }
  return out;
}

#define START_SERVER(server, ...)      \
  ReferenceServer server{__VA_ARGS__}; \
  ASSERT_FALSE(server.url().empty()) << server.log()

TEST(ControlPlane, RegistersFetchesPostsUploadsAndRevokes) {
  START_SERVER(server);
  auto client = MakeClient(OptionsFor(server.url()));
  ASSERT_NE(client, nullptr);

  Result<int> heartbeat = client->Register({"0.1.0", "ci-host", "linux", 8});
  ASSERT_TRUE(heartbeat.ok()) << heartbeat.status().message();
  EXPECT_EQ(*heartbeat, 30);
  nlohmann::json state = server.State();
  EXPECT_TRUE(state["registered"]);
  EXPECT_EQ(state["register"],
            nlohmann::json(
                {{"agent_version", "0.1.0"}, {"host", "ci-host"}, {"os", "linux"}, {"cpus", 8}}));

  Result<std::string> job = client->FetchJob();
  ASSERT_TRUE(job.ok()) << job.status().message();
  EXPECT_EQ(*job, kJobText);

  Event event{1, "step_finished", "build", 2, {{"GitHubDestination.pat", 3}}, "done \"ok\"\n\xff"};
  Result<bool> cancel = client->SendEvent(event);
  ASSERT_TRUE(cancel.ok()) << cancel.status().message();
  EXPECT_FALSE(*cancel);
  Result<bool> started = client->SendEvent({2, "running", "", std::nullopt, {}, ""});
  ASSERT_TRUE(started.ok()) << started.status().message();
  nlohmann::json events = server.Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["seq"], 1);
  EXPECT_EQ(events[0]["state"], "step_finished");
  EXPECT_EQ(events[0]["step"], "build");
  EXPECT_EQ(events[0]["exit_code"], 2);
  EXPECT_EQ(events[0]["redactions"]["GitHubDestination.pat"], 3);
  EXPECT_EQ(events[0]["log_tail"], "done \"ok\"\n\xef\xbf\xbd");  // invalid UTF-8 replaced
  EXPECT_TRUE(events[1]["exit_code"].is_null());

  fs::path artifact = server.state_dir().parent_path() / "artifact.txt";
  std::string content;
  for (int i = 0; i < 100000; ++i) {
    content += "line " + std::to_string(i) + "\n";
  }
  std::ofstream(artifact, std::ios::binary) << content;
  Status uploaded = client->UploadArtifact("dist/my file.txt", artifact);
  ASSERT_TRUE(uploaded.ok()) << uploaded.message();
  std::string stored = ReadFile(server.state_dir() / "uploads/dist/my file.txt.zst");
  EXPECT_EQ(Decompress(stored), content);
  EXPECT_TRUE(server.State()["uploads"].contains("dist/my file.txt"));

  Status revoked = client->Revoke();
  ASSERT_TRUE(revoked.ok()) << revoked.message();
  EXPECT_TRUE(server.State()["revoked"]);

  for (const nlohmann::json& call : server.Calls()) {
    EXPECT_EQ(call["auth"], "matched") << call.dump();
    EXPECT_EQ(call["api_version"], "1") << call.dump();
    EXPECT_TRUE(std::string(call["path"]).starts_with("/v1/jobs/job%207%2Fx")) << call.dump();
  }
  EXPECT_EQ(server.Calls().size(), 6u);
}

TEST(ControlPlane, RetriesServerErrorsAndRecordsEachEventOnce) {
  START_SERVER(server, {"503-events:3"});
  auto client = MakeClient(OptionsFor(server.url()));
  ASSERT_NE(client, nullptr);
  for (uint64_t seq = 1; seq <= 3; ++seq) {
    Result<bool> cancel = client->SendEvent({seq, "heartbeat", "", std::nullopt, {}, ""});
    ASSERT_TRUE(cancel.ok()) << cancel.status().message();
  }
  nlohmann::json events = server.Events();
  ASSERT_EQ(events.size(), 3u);
  for (uint64_t i = 0; i < 3; ++i) {
    EXPECT_EQ(events[i]["seq"], i + 1);
  }
  EXPECT_EQ(server.State()["duplicates"], 0);
  EXPECT_EQ(server.Calls().size(), 6u);  // three 503s, then one success each
}

TEST(ControlPlane, RetriesDroppedConnections) {
  START_SERVER(server, {"drop:2"});
  auto client = MakeClient(OptionsFor(server.url()));
  ASSERT_NE(client, nullptr);
  Result<int> heartbeat = client->Register({"0.1.0", "h", "linux", 1});
  ASSERT_TRUE(heartbeat.ok()) << heartbeat.status().message();
  EXPECT_EQ(server.Calls().size(), 3u);
}

TEST(ControlPlane, GivesUpAfterMaxAttemptsNamingTheCallAndStatus) {
  START_SERVER(server, {"503:100"});
  ClientOptions options = OptionsFor(server.url());
  options.max_attempts = 3;
  auto client = MakeClient(options);
  ASSERT_NE(client, nullptr);
  Result<int> heartbeat = client->Register({"0.1.0", "h", "linux", 1});
  ASSERT_FALSE(heartbeat.ok());
  EXPECT_EQ(heartbeat.status().message(), "register: gave up after 3 attempts, last: HTTP 503");
  EXPECT_EQ(server.Calls().size(), 3u);
}

TEST(ControlPlane, RetryBudgetBoundsTheCall) {
  START_SERVER(server, {"503:1000"});
  ClientOptions options = OptionsFor(server.url());
  options.max_attempts = 1000;
  options.initial_backoff = milliseconds(100);
  options.max_backoff = milliseconds(100);
  options.retry_budget = milliseconds(700);
  auto client = MakeClient(options);
  ASSERT_NE(client, nullptr);
  auto started = std::chrono::steady_clock::now();
  Status revoked = client->Revoke();
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(revoked.ok());
  EXPECT_TRUE(revoked.message().starts_with("revoke: gave up after ")) << revoked.message();
  EXPECT_LT(took, std::chrono::seconds(3));
}

TEST(ControlPlane, DoesNotRetryClientErrors) {
  START_SERVER(server);
  ClientOptions options = OptionsFor(server.url());
  options.token = "wrong-token-5be1c0d2";
  auto client = MakeClient(options);
  ASSERT_NE(client, nullptr);
  Result<std::string> job = client->FetchJob();
  ASSERT_FALSE(job.ok());
  EXPECT_EQ(job.status().message(), "fetch job: HTTP 401 (not retried)");
  ASSERT_EQ(server.Calls().size(), 1u);
  EXPECT_EQ(server.Calls()[0]["auth"], "mismatch");
}

TEST(ControlPlane, EveryCallIsRefusedAfterRevoke) {
  START_SERVER(server);
  auto client = MakeClient(OptionsFor(server.url()));
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Revoke().ok());
  Status again = client->Revoke();
  EXPECT_EQ(again.message(), "revoke: HTTP 401 (not retried)");
  EXPECT_EQ(server.Calls().size(), 2u);
}

TEST(ControlPlane, RefusesAnExpiredTokenWithoutSending) {
  START_SERVER(server);
  ClientOptions options = OptionsFor(server.url());
  options.expires_at = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  auto client = MakeClient(options);
  ASSERT_NE(client, nullptr);
  Result<int> heartbeat = client->Register({"0.1.0", "h", "linux", 1});
  ASSERT_FALSE(heartbeat.ok());
  EXPECT_EQ(heartbeat.status().message(), "register: agent token expired at 2023-11-14T22:13:20Z");
  Status uploaded = client->UploadArtifact("a", "/nonexistent");
  EXPECT_EQ(uploaded.message(), "upload artifact a: agent token expired at 2023-11-14T22:13:20Z");
  EXPECT_FALSE(client->Revoke().ok());
  EXPECT_TRUE(server.Calls().empty());
}

TEST(ControlPlane, ReportsEventCancel) {
  START_SERVER(server, {"cancel-after:2"});
  auto client = MakeClient(OptionsFor(server.url()));
  ASSERT_NE(client, nullptr);
  Result<bool> first = client->SendEvent({1, "running", "", std::nullopt, {}, ""});
  Result<bool> second = client->SendEvent({2, "heartbeat", "", std::nullopt, {}, ""});
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_FALSE(*first);
  EXPECT_TRUE(*second);
}

TEST(ControlPlane, ConnectionErrorsNameTheTransportError) {
  START_SERVER(server);
  ClientOptions options = OptionsFor("http://127.0.0.1:1");  // nothing listens on port 1
  options.max_attempts = 2;
  auto client = MakeClient(options);
  ASSERT_NE(client, nullptr);
  Status revoked = client->Revoke();
  EXPECT_EQ(revoked.message(),
            "revoke: gave up after 2 attempts, last: Couldn't connect to server");
}

TEST(ControlPlane, UploadOfAMissingFileIsAnIoErrorAndSendsNothing) {
  START_SERVER(server);
  auto client = MakeClient(OptionsFor(server.url()));
  ASSERT_NE(client, nullptr);
  Status uploaded = client->UploadArtifact("x", "/nonexistent/file");
  EXPECT_EQ(uploaded.code(), StatusCode::kIoError);
  EXPECT_EQ(uploaded.message(),
            "upload artifact x: cannot open /nonexistent/file: No such file or directory");
  EXPECT_TRUE(server.Calls().empty());
}

TEST(ControlPlane, UploadsAnEmptyFile) {
  START_SERVER(server);
  auto client = MakeClient(OptionsFor(server.url()));
  ASSERT_NE(client, nullptr);
  fs::path empty = server.state_dir().parent_path() / "empty";
  std::ofstream{empty};
  Status uploaded = client->UploadArtifact("empty.log", empty);
  ASSERT_TRUE(uploaded.ok()) << uploaded.message();
  EXPECT_EQ(Decompress(ReadFile(server.state_dir() / "uploads/empty.log.zst")), "");
}

TEST(ControlPlane, ErrorMessagesNeverContainTheToken) {
  START_SERVER(server, {"503:100"});
  ClientOptions options = OptionsFor(server.url());
  options.max_attempts = 2;
  auto client = MakeClient(options);
  ASSERT_NE(client, nullptr);
  std::vector<std::string> messages = {
      client->Register({"v", "h", "o", 1}).status().message(),
      client->FetchJob().status().message(),
      client->SendEvent({1, "running", "", std::nullopt, {}, ""}).status().message(),
      client->Revoke().message()};
  for (const std::string& m : messages) {
    EXPECT_FALSE(m.empty());
    EXPECT_EQ(m.find(kToken), std::string::npos) << m;
  }
  EXPECT_EQ(server.log().find(kToken), std::string::npos);
}

TEST(ControlPlaneCreate, AcceptsHttpsAndLoopbackHttpOnly) {
  for (const char* api :
       {"https://cp.example.com", "https://cp.example.com/prefix/", "http://127.0.0.1:8080",
        "http://127.9.8.7", "http://localhost:1/x", "http://LOCALHOST", "http://[::1]:9000"}) {
    ClientOptions options = OptionsFor(api);
    EXPECT_TRUE(ControlPlane::Create(options).ok()) << api;
  }
  for (const char* api : {"http://cp.example.com", "http://128.0.0.1", "http://127.0.0.1.evil.com",
                          "http://localhost.evil.com", "http://[::2]", "http://10.0.0.1"}) {
    Result<std::unique_ptr<ControlPlane>> client = ControlPlane::Create(OptionsFor(api));
    ASSERT_FALSE(client.ok()) << api;
    EXPECT_EQ(client.status().message(), "api URL must be https (plain http only to loopback)");
    EXPECT_EQ(client.status().code(), StatusCode::kInvalidArgument);
  }
  for (const char* api : {"ftp://cp.example.com", "not a url", ""}) {
    Result<std::unique_ptr<ControlPlane>> client = ControlPlane::Create(OptionsFor(api));
    ASSERT_FALSE(client.ok()) << api;
    EXPECT_EQ(client.status().message(), "control plane: api is not an http(s) URL") << api;
  }
}

TEST(ControlPlaneCreate, RejectsEmptyTokenOrJobAndZeroAttempts) {
  ClientOptions options = OptionsFor("https://cp.example.com");
  options.token.clear();
  EXPECT_FALSE(ControlPlane::Create(options).ok());
  options = OptionsFor("https://cp.example.com");
  options.job.clear();
  EXPECT_FALSE(ControlPlane::Create(options).ok());
  options = OptionsFor("https://cp.example.com");
  options.max_attempts = 0;
  EXPECT_FALSE(ControlPlane::Create(options).ok());
}

TEST(EscapePathSegment, KeepsUnreservedAndEscapesTheRest) {
  EXPECT_EQ(EscapePathSegment("a-Z_0.9~"), "a-Z_0.9~");
  EXPECT_EQ(EscapePathSegment("dist/my file+x?#%"), "dist%2Fmy%20file%2Bx%3F%23%25");
  EXPECT_EQ(EscapePathSegment("\xc3\xa4"), "%C3%A4");
  EXPECT_EQ(EscapePathSegment("."), "%2E");
  EXPECT_EQ(EscapePathSegment(".."), "%2E%2E");
}

TEST(IsLoopbackHost, KnowsTheLoopbackNames) {
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.255.255.255"));
  EXPECT_TRUE(IsLoopbackHost("[::1]"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_FALSE(IsLoopbackHost("127.0.0.256"));
  EXPECT_FALSE(IsLoopbackHost("127.0.0"));
  EXPECT_FALSE(IsLoopbackHost("127.0.0.1.nip.io"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackHost(""));
}

}  // namespace
}  // namespace scrubber::agent
