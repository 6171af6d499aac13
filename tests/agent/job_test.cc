// Tests for the job document (every malformed shape rejected with its exact
// message), resolving a step's environment from the vault, and the boot
// value the agent starts from (base64 in both alphabets, RFC 3339 times).
// No assertion prints a secret value.

#include "agent/job.h"

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "agent/boot.h"
#include "agent/vault.h"

namespace scrubber::agent {
namespace {

namespace fs = std::filesystem;

fs::path TestData() {
  if (const char* dir = ::getenv("SCRUB_AGENT_TEST_DATA"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  return fs::path(__FILE__).parent_path() / "data";
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// ---- ParseJob ----

TEST(ParseJob, ReadsTheFixture) {
  Result<Job> job = ParseJob(ReadFile(TestData() / "job.json"), "job.json");
  ASSERT_TRUE(job.ok()) << job.status().message();
  EXPECT_EQ(job->id, "job-42");
  ASSERT_EQ(job->steps.size(), 2U);
  const Step& checkout = job->steps[0];
  EXPECT_EQ(checkout.name, "checkout");
  EXPECT_EQ(checkout.run,
            (std::vector<std::string>{"git", "clone",
                                      "https://github.example.com/example-org/app.git", "src"}));
  ASSERT_EQ(checkout.env.size(), 2U);
  EXPECT_EQ(checkout.env[0].first, "GIT_TERMINAL_PROMPT");
  EXPECT_EQ(checkout.env[0].second.literal, "0");
  EXPECT_EQ(checkout.env[0].second.vault, "");
  EXPECT_EQ(checkout.env[1].first, "GITHUB_TOKEN");
  EXPECT_EQ(checkout.env[1].second.vault, "GitHubDestination.pat");
  EXPECT_EQ(checkout.timeout_s, 300);
  EXPECT_EQ(checkout.cwd, "");
  const Step& build = job->steps[1];
  EXPECT_EQ(build.cwd, ".");
  EXPECT_EQ(build.timeout_s, 0);
  EXPECT_EQ(job->artifacts, (std::vector<std::string>{"src/build/*.log", "src/dist/app.tar.gz"}));
}

TEST(ParseJob, MinimalJob) {
  Result<Job> job = ParseJob(R"({"steps": [{"name": "a", "run": ["true"]}]})", "j");
  ASSERT_TRUE(job.ok()) << job.status().message();
  EXPECT_EQ(job->id, "");
  EXPECT_TRUE(job->artifacts.empty());
  EXPECT_TRUE(job->steps[0].env.empty());
  EXPECT_TRUE(
      ParseJob(R"({"steps": [{"name": "a", "run": ["true"]}], "artifacts": []})", "j").ok());
}

TEST(ParseJob, RejectsEachMalformedShapeWithItsMessage) {
  const std::string ok_step = R"({"name": "a", "run": ["true"]})";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{", "job.json: not valid JSON: it ends too early"},
      {"{\"steps\": [\n  {\"name\": \"a\" \"run\": [\"x\"]}\n]}",
       "job.json: not valid JSON at line 2, column 16"},
      {"[]", "job.json: the document is an array, expected an object"},
      {R"({"id": 7, "steps": [)" + ok_step + "]}", "job.json: 'id' must be a string"},
      {R"({"steps": [], "id": "x"})", "job.json: 'steps' must be a non-empty array"},
      {R"({"id": "x"})", "job.json: 'steps' must be a non-empty array"},
      {R"({"steps": {}})", "job.json: 'steps' must be a non-empty array"},
      {R"({"steps": [)" + ok_step + R"(], "artefacts": []})",
       "job.json: unknown member 'artefacts' (expected id, steps, artifacts)"},
      {R"({"id": "a", "id": "b", "steps": [)" + ok_step + "]}",
       "job.json: member 'id' appears twice"},
      {R"({"steps": [)" + ok_step + R"(, 5]})", "job.json: step 2 is a number, expected an object"},
      {R"({"steps": [{"run": ["true"]}]})", "job.json: step 1: 'name' must be a non-empty string"},
      {R"({"steps": [{"name": "", "run": ["true"]}]})",
       "job.json: step 1: 'name' must be a non-empty string"},
      {R"({"steps": [{"name": "a/b", "run": ["true"]}]})",
       "job.json: step 1: 'name' must be usable as a file name (at most 100 bytes, no '/' or "
       "control characters, not '.' or '..')"},
      {R"({"steps": [{"name": "..", "run": ["true"]}]})",
       "job.json: step 1: 'name' must be usable as a file name (at most 100 bytes, no '/' or "
       "control characters, not '.' or '..')"},
      {R"({"steps": [{"name": "a\nb", "run": ["true"]}]})",
       "job.json: step 1: 'name' must be usable as a file name (at most 100 bytes, no '/' or "
       "control characters, not '.' or '..')"},
      {R"({"steps": [)" + ok_step + "," + ok_step + "]}",
       "job.json: step 2 ('a'): the name is already used by step 1"},
      {R"({"steps": [{"name": "build"}]})", "job.json: step 1 ('build'): 'run' is missing"},
      {R"({"steps": [)" + ok_step + R"(, {"name": "build", "run": []}]})",
       "job.json: step 2 ('build'): 'run' must be a non-empty array of strings"},
      {R"({"steps": [{"name": "build", "run": "make all"}]})",
       "job.json: step 1 ('build'): 'run' must be a non-empty array of strings"},
      {R"({"steps": [{"name": "build", "run": ["make", 1]}]})",
       "job.json: step 1 ('build'): 'run' must be a non-empty array of strings"},
      {R"({"steps": [{"name": "build", "run": ["", "x"]}]})",
       "job.json: step 1 ('build'): 'run' must start with a program name, not an empty string"},
      {R"({"steps": [{"name": "build", "run": ["make"], "timeout": 5}]})",
       "job.json: step 1 ('build'): unknown member 'timeout' (expected name, run, env, cwd, "
       "timeout_s)"},
      {R"({"steps": [{"name": "build", "run": ["make"], "cwd": 1}]})",
       "job.json: step 1 ('build'): 'cwd' must be a string"},
      {R"({"steps": [{"name": "build", "run": ["make"], "timeout_s": 0}]})",
       "job.json: step 1 ('build'): 'timeout_s' must be a whole number of seconds from 1 to "
       "2147483647"},
      {R"({"steps": [{"name": "build", "run": ["make"], "timeout_s": 1.5}]})",
       "job.json: step 1 ('build'): 'timeout_s' must be a whole number of seconds from 1 to "
       "2147483647"},
      {R"({"steps": [{"name": "build", "run": ["make"], "timeout_s": "60"}]})",
       "job.json: step 1 ('build'): 'timeout_s' must be a whole number of seconds from 1 to "
       "2147483647"},
      {R"({"steps": [{"name": "build", "run": ["make"], "timeout_s": 99999999999}]})",
       "job.json: step 1 ('build'): 'timeout_s' must be a whole number of seconds from 1 to "
       "2147483647"},
      {R"({"steps": [{"name": "build", "run": ["make"], "env": ["A=1"]}]})",
       "job.json: step 1 ('build'): 'env' must be an object of NAME to a string or {\"vault\": "
       "SELECTOR}"},
      {R"({"steps": [{"name": "build", "run": ["make"], "env": {"A-B": "1"}}]})",
       "job.json: step 1 ('build'): env 'A-B' is not a variable name ([A-Za-z_][A-Za-z0-9_]*)"},
      {R"({"steps": [{"name": "build", "run": ["make"], "env": {"1A": "1"}}]})",
       "job.json: step 1 ('build'): env '1A' is not a variable name ([A-Za-z_][A-Za-z0-9_]*)"},
      {R"({"steps": [{"name": "build", "run": ["make"], "env": {"A": "sekrit", "A": "2"}}]})",
       "job.json: step 1 ('build'): env 'A' appears twice"},
      {R"({"steps": [{"name": "build", "run": ["make"], "env": {"A": 1}}]})",
       "job.json: step 1 ('build'): env 'A' must be a string or {\"vault\": SELECTOR}"},
      {R"({"steps": [{"name": "build", "run": ["make"], "env": {"A": {"vault": ""}}}]})",
       "job.json: step 1 ('build'): env 'A' must be a string or {\"vault\": SELECTOR}"},
      {R"({"steps": [{"name": "build", "run": ["make"], "env": {"A": {"secret": "x.y"}}}]})",
       "job.json: step 1 ('build'): env 'A' must be a string or {\"vault\": SELECTOR}"},
      {R"({"steps": [{"name": "b", "run": ["m"], "env": {"A": {"vault": "x.y", "x": 1}}}]})",
       "job.json: step 1 ('b'): env 'A' must be a string or {\"vault\": SELECTOR}"},
      {R"({"steps": [)" + ok_step + R"(], "artifacts": "out/*"})",
       "job.json: 'artifacts' must be an array of non-empty strings"},
      {R"({"steps": [)" + ok_step + R"(], "artifacts": ["a", ""]})",
       "job.json: 'artifacts' must be an array of non-empty strings"},
  };
  for (const auto& [json, expected] : cases) {
    Result<Job> job = ParseJob(json, "job.json");
    ASSERT_FALSE(job.ok()) << expected;
    EXPECT_EQ(job.status().code(), StatusCode::kInvalidInput);
    EXPECT_EQ(job.status().message(), expected);
    EXPECT_EQ(job.status().message().find("sekrit"), std::string::npos);
  }
}

// ---- ResolveEnv ----

TEST(ResolveEnv, ReplacesSelectorsWithVaultValuesInOrder) {
  Result<Vault> vault = Vault::Parse(ReadFile(TestData() / "vault.json"), "vault.json");
  ASSERT_TRUE(vault.ok()) << vault.status().message();
  Result<Job> job = ParseJob(ReadFile(TestData() / "job.json"), "job.json");
  ASSERT_TRUE(job.ok()) << job.status().message();
  auto env = ResolveEnv(job->steps[1], *vault);
  ASSERT_TRUE(env.ok()) << env.status().message();
  ASSERT_EQ(env->size(), 2U);
  EXPECT_EQ((*env)[0].first, "BB_PASSWORD");
  EXPECT_TRUE((*env)[0].second == "FakeBitbucketPassw0rd!") << "BB_PASSWORD";
  EXPECT_EQ((*env)[1].first, "AWS_SECRET_ACCESS_KEY");
  EXPECT_TRUE((*env)[1].second == "fakeSecretAccessKey/0123456789abcdefFAKE")
      << "AWS_SECRET_ACCESS_KEY";
  env = ResolveEnv(job->steps[0], *vault);
  ASSERT_TRUE(env.ok()) << env.status().message();
  EXPECT_EQ((*env)[0].second, "0");  // a literal
}

TEST(ResolveEnv, NamesStepVariableAndSelectorOnError) {
  Result<Vault> vault = Vault::Parse(ReadFile(TestData() / "vault.json"), "vault.json");
  ASSERT_TRUE(vault.ok()) << vault.status().message();
  Step step;
  step.name = "deploy";
  step.env = {{"PLAIN", {"sekrit-literal", ""}}, {"TOKEN", {"", "GitLab.token"}}};
  auto env = ResolveEnv(step, *vault);
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(env.status().message(),
            "step 'deploy': env 'TOKEN': selector 'GitLab.token': no entry has type or uuid "
            "'GitLab' (types in the vault: GitHubDestination, AzureDevOps, BitbucketServer, "
            "AmazonS3, AzureBlobStorage, JiraCloud)");
  EXPECT_EQ(env.status().message().find("sekrit"), std::string::npos);
}

// ---- Boot ----

std::string Base64(std::string_view bytes, bool url_safe, bool pad) {
  const std::string_view alphabet =
      url_safe ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
               : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) {
      out += alphabet[(v >> shift) & 63];
    }
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) {
      v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    }
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (rest == 2) {
      out += alphabet[(v >> 6) & 63];
    }
    if (pad) {
      out += rest == 1 ? "==" : "=";
    }
  }
  return out;
}

constexpr std::string_view kBootToken = "sekrit-boot-token-0123456789";

std::string BootJson(std::string_view expires_at) {
  return R"({"api": "https://cp.example.com", "job": "job-42", "token": ")" +
         std::string(kBootToken) + R"(", "expires_at": ")" + std::string(expires_at) +
         R"(", "future_field": 1, "note": "??>>~??>>~"})";
}

int64_t UnixSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

TEST(ParseBoot, ReadsEveryAlphabetPaddingAndWrapping) {
  // The note's "?>~" bytes make both alphabets' digits 62 and 63 appear.
  const std::string json = BootJson("2026-12-03T18:00:00Z");
  ASSERT_NE(Base64(json, false, false).find_first_of("+"), std::string::npos);
  ASSERT_NE(Base64(json, false, false).find_first_of("/"), std::string::npos);
  for (const bool url_safe : {false, true}) {
    for (const bool pad : {false, true}) {
      std::string text = Base64(json, url_safe, pad);
      text.insert(40, "\n");  // `base64` wraps its output
      Result<Boot> boot = ParseBoot("  " + text + "\n");
      ASSERT_TRUE(boot.ok()) << boot.status().message() << " url_safe=" << url_safe
                             << " pad=" << pad;
      EXPECT_EQ(boot->api, "https://cp.example.com");
      EXPECT_EQ(boot->job, "job-42");
      EXPECT_TRUE(boot->token == kBootToken) << "token differs";
      EXPECT_EQ(UnixSeconds(boot->expires_at), 1796320800);
    }
  }
}

TEST(ParseBoot, ErrorsNameTheProblemNeverTheToken) {
  const auto b64 = [](std::string_view s) { return Base64(s, false, true); };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "SCRUB_AGENT_BOOT: not base64"},
      {"not*base64", "SCRUB_AGENT_BOOT: not base64"},
      {"QUJD=RA==", "SCRUB_AGENT_BOOT: not base64"},
      {"QUJDR", "SCRUB_AGENT_BOOT: not base64"},
      {"QUI===", "SCRUB_AGENT_BOOT: not base64"},
      {b64("{\"token\": \"" + std::string(kBootToken)),
       "SCRUB_AGENT_BOOT: not valid JSON: a string is never closed"},
      {b64("[\"" + std::string(kBootToken) + "\"]"), "SCRUB_AGENT_BOOT: not a JSON object"},
      {b64(R"({"job": "j", "token": "t", "expires_at": "2026-12-03T18:00:00Z"})"),
       "SCRUB_AGENT_BOOT: 'api' is missing"},
      {b64(R"({"api": "https://x", "job": "", "token": "t", "expires_at": "x"})"),
       "SCRUB_AGENT_BOOT: 'job' must be a non-empty string"},
      {b64(R"({"api": "https://x", "job": "j", "token": 5, "expires_at": "x"})"),
       "SCRUB_AGENT_BOOT: 'token' must be a non-empty string"},
      {b64(R"({"api": "ftp://x", "job": "j", "token": "t", "expires_at": "x"})"),
       "SCRUB_AGENT_BOOT: 'api' must be an http:// or https:// URL"},
      {b64(BootJson("2026-12-03 18:00")), "SCRUB_AGENT_BOOT: 'expires_at' is not an RFC 3339 time"},
      {b64(BootJson("tomorrow")), "SCRUB_AGENT_BOOT: 'expires_at' is not an RFC 3339 time"},
  };
  for (const auto& [text, expected] : cases) {
    Result<Boot> boot = ParseBoot(text);
    ASSERT_FALSE(boot.ok()) << expected;
    EXPECT_EQ(boot.status().code(), StatusCode::kInvalidInput);
    EXPECT_EQ(boot.status().message(), expected);
    EXPECT_EQ(boot.status().message().find(kBootToken), std::string::npos);
  }
}

TEST(Rfc3339, ParsesOffsetsFractionsAndLeapDays) {
  const std::vector<std::pair<std::string, int64_t>> cases = {
      {"1970-01-01T00:00:00Z", 0},
      {"2026-12-03T18:00:00Z", 1796320800},
      {"2026-12-03T19:00:00+01:00", 1796320800},
      {"2026-12-03T13:30:00-04:30", 1796320800},
      {"2026-12-03t18:00:00z", 1796320800},
      {"2026-12-03 18:00:00Z", 1796320800},
      {"2026-12-03T18:00:00.999999999Z", 1796320800},
      {"2024-02-29T00:00:00Z", 1709164800},
      {"2016-12-31T23:59:60Z", 1483228800},  // a leap second reads as the next second
  };
  for (const auto& [text, seconds] : cases) {
    std::chrono::system_clock::time_point t;
    ASSERT_TRUE(ParseRfc3339(text, &t)) << text;
    EXPECT_EQ(UnixSeconds(t), seconds) << text;
  }
  std::chrono::system_clock::time_point t;
  ASSERT_TRUE(ParseRfc3339("2026-12-03T18:00:00.25Z", &t));
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count(),
            1796320800250);
}

// Found by agent_input_fuzzer: year 6030 overflowed the clock's nanoseconds
// (UBSan), and a wrapped expiry could have read as long past or far ahead.
TEST(Rfc3339, TimesBeyondTheClocksRangeSaturate) {
  using Clock = std::chrono::system_clock;
  for (const std::string_view text :
       {"6030-01-01T00:00:00+01:00", "9999-12-31T23:59:59.999999999Z", "2262-04-11T23:47:17Z"}) {
    Clock::time_point t;
    ASSERT_TRUE(ParseRfc3339(text, &t)) << text;
    EXPECT_EQ(t, Clock::time_point::max()) << text;
  }
  for (const std::string_view text : {"0000-01-01T00:00:00Z", "1000-06-15T12:00:00-23:59"}) {
    Clock::time_point t;
    ASSERT_TRUE(ParseRfc3339(text, &t)) << text;
    EXPECT_EQ(t, Clock::time_point::min()) << text;
  }
  Clock::time_point t;
  ASSERT_TRUE(ParseRfc3339("2262-04-11T23:47:15Z", &t));
  EXPECT_EQ(UnixSeconds(t), 9223372035);
}

TEST(Rfc3339, RejectsWhatIsNotRfc3339) {
  for (const std::string_view text : {
           "",
           "2026-12-03",
           "2026-12-03T18:00:00",
           "2026-12-03T18:00Z",
           "2026-13-03T18:00:00Z",
           "2026-02-29T00:00:00Z",
           "2026-12-32T18:00:00Z",
           "2026-12-03T24:00:00Z",
           "2026-12-03T18:60:00Z",
           "2026-12-03T18:00:61Z",
           "2026-12-03T18:00:00.Z",
           "2026-12-03T18:00:00+0100",
           "2026-12-03T18:00:00+24:00",
           "2026-12-03T18:00:00Z ",
           "26-12-03T18:00:00Z",
           "2026-12-03X18:00:00Z",
           "+2026-12-03T18:00:00Z",
       }) {
    std::chrono::system_clock::time_point t;
    EXPECT_FALSE(ParseRfc3339(text, &t)) << text;
  }
}

TEST(Base64, DecodesBothAlphabetsAndRejectsGarbage) {
  std::string out;
  ASSERT_TRUE(DecodeBase64("+/+/", &out));
  EXPECT_EQ(out, "\xfb\xff\xbf");
  ASSERT_TRUE(DecodeBase64("-_-_", &out));
  EXPECT_EQ(out, "\xfb\xff\xbf");
  ASSERT_TRUE(DecodeBase64("YQ", &out));
  EXPECT_EQ(out, "a");
  ASSERT_TRUE(DecodeBase64("YQ==", &out));
  EXPECT_EQ(out, "a");
  ASSERT_TRUE(DecodeBase64("Y W\r\nJ j", &out));
  EXPECT_EQ(out, "abc");
  EXPECT_FALSE(DecodeBase64("YQ=", &out));
  EXPECT_FALSE(DecodeBase64("Y", &out));
  EXPECT_FALSE(DecodeBase64("YQ==YQ==", &out));
  EXPECT_FALSE(DecodeBase64("YQ.=", &out));
}

}  // namespace
}  // namespace scrubber::agent
