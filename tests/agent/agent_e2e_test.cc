// End-to-end tests of scrub-agent over loopback against the reference
// control plane (agent/testing/control_plane.py), with a real age vault:
// what the issue's "must hold" list asks, each as a test. Secret values are
// made up here and never printed by a failing check (only their names).
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "tests/tool/subprocess.h"
#include <nlohmann/json.hpp>

namespace scrubber::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
  return v != nullptr ? v : fallback;
}

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const fs::path& path, std::string_view text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string Base64(std::string_view in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = uint8_t(in[i]) << 16 | uint8_t(in[i + 1]) << 8 | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) {
      out += kAlphabet[(v >> s) & 63];
    }
  }
  if (i < in.size()) {
    uint32_t v = uint8_t(in[i]) << 16 | (i + 1 < in.size() ? uint8_t(in[i + 1]) << 8 : 0);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// The made-up secrets of the vault, by name.
struct Secrets {
  std::string pat = "Tq8vX2mLp9Zr4Kd7Wn3cYb6H";
  std::string bb_user = "migrator";
  std::string bb_pass = "S3cr3t-Pa55word-7Kq2";
  std::string aws_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq9Tq8vX2m";
  std::string token = "agent-token-5fG8hJ2kL9pQ3rT6";
  std::string acme = "acme-v4lue-Qx7Lm2Pw9Kc3";  // an unknown type's field named "value"
  std::string identity;                          // the vault key, made by age-keygen
};

class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("agent-e2e-" + std::to_string(rd()));
    fs::create_directories(dir_ / "work" / "out");
    agent_ = Env("SCRUB_AGENT_BIN", "build/agent/scrub-agent");
    server_py_ = Env("SCRUB_CONTROL_PLANE", "agent/testing/control_plane.py");
    MakeVault();
  }
  void TearDown() override {
    server_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void MakeVault() {
    RunResult key = RunCommand({"/usr/bin/age-keygen"});
    ASSERT_EQ(key.exit_code, 0) << key.err;
    std::string pub;
    std::istringstream lines(key.out);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("AGE-SECRET-KEY-", 0) == 0) {
        s_.identity = line;
      }
      if (line.rfind("# public key: ", 0) == 0) {
        pub = line.substr(14);
      }
    }
    ASSERT_FALSE(s_.identity.empty());
    json vault = {{"version", "1"},
                  {"entries",
                   {{{"type", "GitHubDestination"},
                     {"uuid", "7d0c6a4e-0000-4000-8000-000000000001"},
                     {"data", {{"pat", s_.pat}, {"org", "acme"}}}},
                    {{"type", "BitbucketServer"},
                     {"uuid", "7d0c6a4e-0000-4000-8000-000000000002"},
                     {"data",
                      {{"credentials", {{"username", s_.bb_user}, {"password", s_.bb_pass}}},
                       {"url", "https://bitbucket.example.com"}}}},
                    {{"type", "AmazonS3"},
                     {"uuid", "7d0c6a4e-0000-4000-8000-000000000003"},
                     {"data",
                      {{"aws_access_key_id", "AKIAIOSFODNN7EXAMPLE"},
                       {"aws_secret_access_key", s_.aws_key},
                       {"region", "eu-west-1"}}}},
                    {{"type", "AcmeCloud"},
                     {"uuid", "7d0c6a4e-0000-4000-8000-000000000004"},
                     {"data", {{"value", s_.acme}, {"region", "eu-central"}}}}}}};
    WriteFile(dir_ / "vault.json", vault.dump());
    RunResult enc = RunCommand({"/usr/bin/age", "-r", pub, "-o", (dir_ / "vault.age").string(),
                                (dir_ / "vault.json").string()});
    ASSERT_EQ(enc.exit_code, 0) << enc.err;
    fs::remove(dir_ / "vault.json");
  }

  // A job whose first step leaks every vault value it is given, raw,
  // base64-encoded, in a URL and into a file that becomes an artifact.
  json LeakyJob(int sleep_s = 0) {
    std::string work = (dir_ / "work").string();
    std::string script =
        "echo raw $GH_PAT; printf %s \"$GH_PAT\" | base64; echo user $BB_USER; "
        "echo clone https://$BB_USER:$BB_PASS@bitbucket.example.com/acme/repo.git; "
        "echo aws $AWS_KEY >&2; echo \"$BB_PASS\" > out/creds.txt; "
        "printf 'key=%s\\n' \"$AWS_KEY\" > out/report.log; env > env-of-step.txt; "
        "tr '\\0' '\\n' < /proc/$PPID/environ > env-of-parent.txt; "
        "touch \"out/named-$GH_PAT.txt\"; echo acme $ACME; echo region $REGION";
    json steps = json::array();
    steps.push_back({{"name", "leak"},
                     {"run", {"bash", "-c", script}},
                     {"cwd", work},
                     {"env",
                      {{"GH_PAT", {{"vault", "GitHubDestination.pat"}}},
                       {"BB_USER", {{"vault", "BitbucketServer.credentials.username"}}},
                       {"BB_PASS", {{"vault", "BitbucketServer.credentials.password"}}},
                       {"AWS_KEY", {{"vault", "AmazonS3.aws_secret_access_key"}}},
                       {"ACME", {{"vault", "AcmeCloud.value"}}},
                       {"REGION", {{"vault", "AcmeCloud.region"}}},
                       {"MODE", "literal-value"}}}});
    if (sleep_s > 0) {
      steps.push_back(
          {{"name", "wait"}, {"run", {"sleep", std::to_string(sleep_s)}}, {"cwd", work}});
    }
    return {{"id", "job-1"}, {"steps", steps}, {"artifacts", {work + "/out/*"}}};
  }

  // Starts the reference control plane serving `job`.
  void StartServer(const json& job, std::vector<std::string> misbehave = {}) {
    WriteFile(dir_ / "job.json", job.dump());
    std::vector<std::string> argv = {"/usr/bin/python3",
                                     server_py_,
                                     "--job",
                                     (dir_ / "job.json").string(),
                                     "--token",
                                     s_.token,
                                     "--job-id",
                                     "job-1",
                                     "--port",
                                     "0",
                                     "--heartbeat-s",
                                     "1",
                                     "--state-dir",
                                     (dir_ / "state").string()};
    for (const std::string& m : misbehave) {
      argv.push_back("--misbehave");
      argv.push_back(m);
    }
    server_ = std::make_unique<Subprocess>(argv);
    ASSERT_TRUE(server_->ReadStdoutUntil("\n", std::chrono::seconds(20))) << server_->err();
    std::string line = server_->out();
    size_t at = line.find("http://");
    ASSERT_NE(at, std::string::npos) << line;
    api_ = line.substr(at, line.find('\n', at) - at);
  }

  std::string Boot(int expires_in_s = 3600) const {
    auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() +
                                                  std::chrono::seconds(expires_in_s));
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    json boot = {{"api", api_}, {"job", "job-1"}, {"token", s_.token}, {"expires_at", when}};
    return Base64(boot.dump());
  }

  SpawnOptions AgentEnv(bool remote) const {
    SpawnOptions o;
    o.env = {"SCRUB_VAULT_KEY=" + s_.identity};
    if (remote) {
      o.env.push_back("SCRUB_AGENT_BOOT=" + Boot());
    }
    o.timeout = std::chrono::seconds(120);
    return o;
  }

  std::vector<std::string> AgentArgs(std::vector<std::string> extra = {}) const {
    std::vector<std::string> argv = {
        agent_, "run", "--vault", (dir_ / "vault.age").string(), "--out", (dir_ / "out").string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }

  json State() const { return json::parse(ReadAll(dir_ / "state" / "state.json")); }
  json Events() const { return json::parse(ReadAll(dir_ / "state" / "events.json")); }

  // The names of the values found in `text`, raw or base64-encoded.
  std::vector<std::string> LeakedIn(const std::string& text) const {
    std::vector<std::string> found;
    auto check = [&](const std::string& name, const std::string& value) {
      if (text.find(value) != std::string::npos || text.find(Base64(value)) != std::string::npos) {
        found.push_back(name);
      }
    };
    check("GitHubDestination.pat", s_.pat);
    check("BitbucketServer.credentials.password", s_.bb_pass);
    check("AmazonS3.aws_secret_access_key", s_.aws_key);
    check("agent token", s_.token);
    check("vault key", s_.identity);
    check("AcmeCloud.value", s_.acme);
    return found;
  }

  // Everything the agent wrote or sent: files under DIR, uploads
  // (decompressed), the control plane's records.
  std::string EverythingEmitted(const RunResult& run) const {
    std::string all = run.out + run.err;
    for (const auto& e : fs::recursive_directory_iterator(dir_ / "out")) {
      all += e.path().string() + "\n";  // names can leak too
      if (e.is_regular_file()) {
        all += ReadAll(e.path());
      }
    }
    if (fs::exists(dir_ / "state" / "uploads")) {
      for (const auto& e : fs::recursive_directory_iterator(dir_ / "state" / "uploads")) {
        if (e.is_regular_file()) {
          RunResult z = RunCommand({"/usr/bin/zstd", "-dc", e.path().string()});
          EXPECT_EQ(z.exit_code, 0) << e.path();
          all += z.out;
        }
      }
    }
    all += ReadAll(dir_ / "state" / "calls.jsonl");
    all += ReadAll(dir_ / "state" / "events.json");
    return all;
  }

  fs::path dir_;
  std::string agent_;
  std::string server_py_;
  std::string api_;
  Secrets s_;
  std::unique_ptr<Subprocess> server_;
};

std::vector<std::string> None() {
  return {};
}

TEST_F(AgentTest, AJobLeakingVaultValuesEmitsNoneOfThemAndCountsTheRedactions) {
  StartServer(LeakyJob());
  RunResult run = RunCommand(AgentArgs(), AgentEnv(true));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(LeakedIn(EverythingEmitted(run)), None());
  // The step did see the values: its raw output would have held them.
  EXPECT_NE(run.out.find("raw ***"), std::string::npos) << run.out;
  json manifest = json::parse(ReadAll(dir_ / "out" / "manifest.json"));
  uint64_t total = 0;
  for (const auto& f : manifest["files"]) {
    for (const auto& [id, n] : f["redactions"].items()) {
      total += n.get<uint64_t>();
    }
  }
  EXPECT_GE(total, 5U);
  EXPECT_EQ(manifest["state"], "succeeded");
  EXPECT_TRUE(fs::exists(dir_ / "out" / "artifacts" / "creds.txt"));
  // Non-secret fields (a user name alone, a region) are not masked.
  EXPECT_NE(run.out.find("user migrator\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("region eu-central\n"), std::string::npos) << run.out;
}

TEST_F(AgentTest, TheLifecycleRunsInOrderAndTheTokenIsRefusedAfterwards) {
  StartServer(LeakyJob(3));
  RunResult run = RunCommand(AgentArgs(), AgentEnv(true));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<std::string> calls;
  std::istringstream lines(ReadAll(dir_ / "state" / "calls.jsonl"));
  for (std::string line; std::getline(lines, line);) {
    json c = json::parse(line);
    std::string path = c["path"];
    std::string kind = path.substr(path.rfind('/') + 1);
    if (c["method"] == "PUT") {
      kind = "upload";
    } else if (c["method"] == "GET") {
      kind = "fetch";
    } else if (kind == "events") {
      kind = c["body"]["state"];
    }
    if (calls.empty() || calls.back() != kind) {
      calls.push_back(kind);
    }
  }
  ASSERT_GE(calls.size(), 8U);
  EXPECT_EQ(calls[0], "register");
  EXPECT_EQ(calls[1], "fetch");
  EXPECT_EQ(calls[2], "running");
  EXPECT_NE(std::find(calls.begin(), calls.end(), "heartbeat"), calls.end());
  EXPECT_NE(std::find(calls.begin(), calls.end(), "step_finished"), calls.end());
  EXPECT_EQ(calls[calls.size() - 3], "upload");
  EXPECT_EQ(calls[calls.size() - 2], "succeeded");
  EXPECT_EQ(calls.back(), "revoke");
  EXPECT_TRUE(State()["revoked"].get<bool>());
  // The token is refused now.
  RunResult probe = RunCommand({"/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                "-H", "Authorization: Bearer " + s_.token, "-H",
                                "X-Scrub-Api-Version: 1", api_ + "/v1/jobs/job-1"});
  EXPECT_EQ(probe.out, "401");
}

TEST_F(AgentTest, TheWatchdogRevokesWhenTheSupervisorIsKilled) {
  StartServer(LeakyJob(20));
  Subprocess agent(AgentArgs(), AgentEnv(true));
  ASSERT_TRUE(agent.spawn_error().empty());
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool waiting = false;
  while (!waiting && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    for (const auto& e : Events()) {
      waiting = waiting || (e["state"] == "step_started" && e["step"] == "wait");
    }
  }
  ASSERT_TRUE(waiting) << "the job never reached its second step";
  ASSERT_FALSE(State()["revoked"].get<bool>());
  ::kill(agent.pid(), SIGKILL);
  auto killed = std::chrono::steady_clock::now();
  bool revoked = false;
  while (!revoked && std::chrono::steady_clock::now() - killed < std::chrono::seconds(10)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    revoked = State()["revoked"].get<bool>();
  }
  EXPECT_TRUE(revoked) << "no revoke within 10 s of kill -9";
  agent.Wait();
}

// True while `pid` runs (a zombie counts as gone: nothing may reap it here).
bool Running(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) {
    return false;
  }
  size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
}

// A `kill -9` of the agent mid-step: the watchdog ends the step's process
// group, the step and what it started in the background, in a local job
// and in a remote one.
TEST_F(AgentTest, AStepsProcessesEndWhenTheAgentIsKilled) {
  for (bool remote : {false, true}) {
    SCOPED_TRACE(remote ? "remote job" : "local job");
    std::string work = (dir_ / "work").string();
    fs::remove(dir_ / "work" / "leader.pid");
    json job = {
        {"id", "job-1"},
        {"steps",
         {{{"name", "bg"},
           {"run",
            {"bash", "-c", "sleep 60 & echo $! > bg.pid; echo $$ > leader.pid; echo ready; wait"}},
           {"cwd", work}}}}};
    std::vector<std::string> args = AgentArgs();
    if (remote) {
      StartServer(job);
    } else {
      WriteFile(dir_ / "job.json", job.dump());
      args = AgentArgs({"--job", (dir_ / "job.json").string()});
    }
    Subprocess agent(args, AgentEnv(remote));
    ASSERT_TRUE(agent.spawn_error().empty());
    ASSERT_TRUE(agent.ReadStdoutUntil("ready", std::chrono::seconds(30))) << agent.err();
    pid_t leader = std::stoi(ReadAll(dir_ / "work" / "leader.pid"));
    pid_t bg = std::stoi(ReadAll(dir_ / "work" / "bg.pid"));
    ASSERT_TRUE(Running(leader) && Running(bg));
    ::kill(agent.pid(), SIGKILL);
    auto killed = std::chrono::steady_clock::now();
    while ((Running(leader) || Running(bg)) &&
           std::chrono::steady_clock::now() - killed < std::chrono::seconds(10)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_FALSE(Running(leader)) << "the step outlived the agent by 10 s";
    EXPECT_FALSE(Running(bg)) << "the step's background process outlived the agent by 10 s";
    ::kill(leader, SIGKILL);
    ::kill(bg, SIGKILL);
    agent.Wait();
  }
}

TEST_F(AgentTest, AControlPlaneFailingForAWhileLosesNothingAndRecordsEachEventOnce) {
  StartServer(LeakyJob(2), {"503:4", "503-events:3"});
  RunResult run = RunCommand(AgentArgs(), AgentEnv(true));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  json events = Events();
  ASSERT_FALSE(events.empty());
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i]["seq"].get<uint64_t>(), i + 1) << "an event is missing or repeated";
  }
  EXPECT_EQ(events.back()["state"], "succeeded");
  EXPECT_TRUE(State()["revoked"].get<bool>());
  EXPECT_EQ(LeakedIn(EverythingEmitted(run)), None());
}

TEST_F(AgentTest, ACancelReplyStopsTheRunningStepAndEndsTheJobCancelled) {
  StartServer(LeakyJob(60), {"cancel-after:4"});
  auto start = std::chrono::steady_clock::now();
  RunResult run = RunCommand(AgentArgs(), AgentEnv(true));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  EXPECT_NE(run.exit_code, 0);
  EXPECT_EQ(Events().back()["state"], "cancelled");
  json manifest = json::parse(ReadAll(dir_ / "out" / "manifest.json"));
  EXPECT_EQ(manifest["state"], "cancelled");
  EXPECT_TRUE(State()["revoked"].get<bool>());
}

TEST_F(AgentTest, AStepEnvironmentHoldsNeitherTheTokenNorTheVaultKey) {
  StartServer(LeakyJob());
  RunResult run = RunCommand(AgentArgs(), AgentEnv(true));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::string env = ReadAll(dir_ / "work" / "env-of-step.txt");  // the step's own file, raw
  ASSERT_FALSE(env.empty());
  EXPECT_EQ(env.find("SCRUB_AGENT_BOOT"), std::string::npos);
  EXPECT_EQ(env.find("SCRUB_VAULT_KEY"), std::string::npos);
  EXPECT_EQ(env.find(s_.token), std::string::npos) << "the agent token reached the step";
  EXPECT_EQ(env.find(s_.identity), std::string::npos) << "the vault key reached the step";
  EXPECT_NE(env.find("MODE=literal-value"), std::string::npos);
  // Nor can a step read them from its parent, the agent (/proc/PPID/environ).
  std::string parent = ReadAll(dir_ / "work" / "env-of-parent.txt");
  EXPECT_EQ(parent.find(s_.token), std::string::npos) << "the token is in the agent's environ";
  EXPECT_EQ(parent.find(s_.identity), std::string::npos) << "the key is in the agent's environ";
}

// A value a step registers with ::add-mask:: stays masked in later steps
// and in artifacts; what a step leaves running in the background is ended
// with it, so it cannot print (or write) after the agent stopped reading.
TEST_F(AgentTest, RuntimeMasksCarryOnAndBackgroundProcessesEndWithTheirStep) {
  const std::string runtime = "runtime-s3cr3t-Vq8Lm2Zx";
  std::string work = (dir_ / "work").string();
  json job = {
      {"id", "job-1"},
      {"steps",
       {{{"name", "register"},
         {"run",
          {"bash", "-c", "echo ::add-mask::" + runtime + "; (sleep 3; echo late > late.txt) &"}},
         {"cwd", work}},
        {{"name", "use"},
         {"run",
          {"bash", "-c", "echo using " + runtime + "; echo " + runtime + " > out/runtime.txt"}},
         {"cwd", work}}}},
      {"artifacts", {work + "/out/*"}}};
  WriteFile(dir_ / "job.json", job.dump());
  RunResult run = RunCommand(AgentArgs({"--job", (dir_ / "job.json").string()}), AgentEnv(false));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("using ***"), std::string::npos);
  EXPECT_EQ(EverythingEmitted(run).find(runtime), std::string::npos)
      << "the ::add-mask:: value of step 1 leaked later";
  std::this_thread::sleep_for(std::chrono::seconds(4));
  EXPECT_FALSE(fs::exists(dir_ / "work" / "late.txt")) << "a background process outlived its step";
}

// An ::add-mask:: value reaches archive artifacts too: their contents and
// their member names.
TEST_F(AgentTest, RuntimeMasksReachArchiveArtifacts) {
  const std::string runtime = "runtime-s3cr3t-Wp4Kd8Ny";
  std::string work = (dir_ / "work").string();
  json job = {{"id", "job-1"},
              {"steps",
               {{{"name", "register"}, {"run", {"bash", "-c", "echo ::add-mask::" + runtime}}},
                {{"name", "pack"},
                 {"run",
                  {"bash", "-c",
                   "mkdir -p pack && echo \"key " + runtime +
                       "\" > pack/a.txt && cp pack/a.txt "
                       "pack/" +
                       runtime +
                       ".txt && tar cf out/plain.tar -C pack . && "
                       "tar czf out/packed.tar.gz -C pack ."}},
                 {"cwd", work}}}},
              {"artifacts", {work + "/out/*"}}};
  WriteFile(dir_ / "job.json", job.dump());
  RunResult run = RunCommand(AgentArgs({"--job", (dir_ / "job.json").string()}), AgentEnv(false));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::string unpacked;
  for (const char* name : {"plain.tar", "packed.tar.gz"}) {
    fs::path archive = dir_ / "out" / "artifacts" / name;
    ASSERT_TRUE(fs::exists(archive)) << name;
    RunResult list = RunCommand({"/usr/bin/tar", "taf", archive.string()});
    RunResult text = RunCommand({"/usr/bin/tar", "xaOf", archive.string()});
    ASSERT_EQ(list.exit_code, 0) << name << ": " << list.err;
    ASSERT_EQ(text.exit_code, 0) << name << ": " << text.err;
    EXPECT_NE(text.out.find("key "), std::string::npos) << name;
    unpacked += list.out + text.out;
  }
  EXPECT_EQ((EverythingEmitted(run) + unpacked).find(runtime), std::string::npos)
      << "an ::add-mask:: value of step 1 leaked in an archive artifact";
}

TEST_F(AgentTest, ACompressedArtifactUnderAPlainNameFailsClosed) {
  json job = LeakyJob();
  std::string work = (dir_ / "work").string();
  job["steps"].push_back(
      {{"name", "pack"},
       {"run", {"bash", "-c", "printf 'tok %s\\n' \"$P\" | gzip > out/x.log.gz"}},
       {"cwd", work},
       {"env", {{"P", {{"vault", "GitHubDestination.pat"}}}}}});
  WriteFile(dir_ / "job.json", job.dump());
  RunResult run = RunCommand(AgentArgs({"--job", (dir_ / "job.json").string()}), AgentEnv(false));
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("gzip data under a name"), std::string::npos) << run.err;
  EXPECT_FALSE(fs::exists(dir_ / "out" / "artifacts" / "x.log.gz"));
  EXPECT_EQ(LeakedIn(EverythingEmitted(run)), None());
}

// timeout_s times 1000 overflowed an int: 4294968 s wrapped to 704 ms and
// killed a step that had 49 days left.
TEST_F(AgentTest, ALongTimeoutDoesNotEndAStepEarly) {
  json job = {{"id", "job-1"},
              {"steps",
               {{{"name", "slow"},
                 {"run", {"bash", "-c", "sleep 1.5; echo finished"}},
                 {"timeout_s", 4294968}}}}};
  WriteFile(dir_ / "job.json", job.dump());
  RunResult run = RunCommand(AgentArgs({"--job", (dir_ / "job.json").string()}), AgentEnv(false));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("finished"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("timed out"), std::string::npos) << run.out;
}

TEST_F(AgentTest, ALocalJobRunsWithoutAControlPlane) {
  WriteFile(dir_ / "job.json", LeakyJob().dump());
  RunResult run = RunCommand(AgentArgs({"--job", (dir_ / "job.json").string()}), AgentEnv(false));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(LeakedIn(run.out + run.err), None());
  EXPECT_TRUE(fs::exists(dir_ / "out" / "manifest.json"));
  EXPECT_TRUE(fs::exists(dir_ / "out" / "logs" / "leak.log"));
  EXPECT_EQ(run.err.find("watchdog"), std::string::npos) << run.err;
}

TEST_F(AgentTest, BadVaultsAndJobsEndWithExit2AndOneLine) {
  WriteFile(dir_ / "job.json", LeakyJob().dump());
  auto one_line = [](const RunResult& r) {
    return std::count(r.err.begin(), r.err.end(), '\n') == 1 &&
           r.err.rfind("scrub-agent: ", 0) == 0;
  };
  // A wrong key.
  RunResult other = RunCommand({"/usr/bin/age-keygen"});
  std::string wrong = other.out.substr(other.out.find("AGE-SECRET-KEY-"));
  wrong = wrong.substr(0, wrong.find('\n'));
  SpawnOptions env = AgentEnv(false);
  env.env = {"SCRUB_VAULT_KEY=" + wrong};
  RunResult r1 = RunCommand(AgentArgs({"--job", (dir_ / "job.json").string()}), env);
  EXPECT_EQ(r1.exit_code, 2) << r1.err;
  EXPECT_TRUE(one_line(r1)) << r1.err;
  // A corrupt vault.
  WriteFile(dir_ / "vault.age", "age-encryption.org/v1\n-> X25519 garbage\n---\n\x01\x02");
  RunResult r2 = RunCommand(AgentArgs({"--job", (dir_ / "job.json").string()}), AgentEnv(false));
  EXPECT_EQ(r2.exit_code, 2) << r2.err;
  EXPECT_TRUE(one_line(r2)) << r2.err;
  // A malformed job.
  MakeVault();
  WriteFile(dir_ / "bad-job.json", R"({"id": "x", "steps": [{"name": "a", "run": "ls"}]})");
  RunResult r3 =
      RunCommand(AgentArgs({"--job", (dir_ / "bad-job.json").string()}), AgentEnv(false));
  EXPECT_EQ(r3.exit_code, 2) << r3.err;
  EXPECT_TRUE(one_line(r3)) << r3.err;
  // Nothing decrypted was written anywhere under DIR.
  for (const RunResult* r : {&r1, &r2, &r3}) {
    EXPECT_EQ(LeakedIn(r->out + r->err), None());
  }
  if (fs::exists(dir_ / "out")) {
    for (const auto& e : fs::recursive_directory_iterator(dir_ / "out")) {
      if (e.is_regular_file()) {
        EXPECT_EQ(LeakedIn(ReadAll(e.path())), None()) << e.path();
      }
    }
  }
}

}  // namespace
}  // namespace scrubber::testing
