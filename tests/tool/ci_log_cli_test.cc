// End-to-end tests of `scrub` on real CI logs from tests/data/ci-logs: a log
// without secrets passes through byte for byte, and a log with secrets planted
// in several encodings comes out with exactly those bytes masked, the same on
// both engines and with each mask style. The byte-exact checks of planted
// forms leave the key-shape rules out: rules take some forms more widely
// (the whole Basic credential, user name included); with the rules on, no
// planted form may remain either.
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "tests/tool/cli_fixture.h"

namespace scrubber {
namespace {

using testing::Base64;
using testing::CliTest;
using testing::DataPath;
using testing::EngineAvailable;
using testing::kApiToken;
using testing::kDbPassword;
using testing::PercentEncode;
using testing::ReadFile;
using testing::ReplaceAll;
using testing::RunResult;
using testing::SameBytes;

// The user name before the password in the planted Basic auth header.
constexpr char kBasicUser[] = "deploy-bot:";

// The CI log with planted lines after some of its lines. `form` gives the text
// written for each planted form (the form itself, or what must replace it).
struct PlantedForms {
  std::string token;
  std::string password_raw;
  std::string password_percent;
  std::string basic_auth;
  std::string password_json;
};

std::string PlantInto(const std::string& log, const PlantedForms& f) {
  std::map<size_t, std::string> after_line = {
      {60, "2023-09-21T17:21:53.2508000Z   PYPI_API_TOKEN: " + f.token + "\n"},
      {75,
       "2023-09-21T17:21:54.1768400Z   GET https://pypi.example.org/simple/?user=deploy-bot"
       "&password=" +
           f.password_percent + "&raw=1 200\n"},
      {76, "2023-09-21T17:21:54.1768500Z   > Authorization: Basic " + f.basic_auth + "\n"},
      {90, "2023-09-21T17:21:54.8620700Z   {\"user\": \"deploy-bot\", \"password\": \"" +
               f.password_json + "\", \"token\": \"" + f.token + "\"}\n"},
      {120, "2023-09-21T17:22:10.0000000Z   echo password is " + f.password_raw + ", done\n"},
  };
  std::string out;
  size_t line = 0;
  size_t start = 0;
  while (start < log.size()) {
    size_t end = log.find('\n', start);
    end = end == std::string::npos ? log.size() : end + 1;
    out.append(log, start, end - start);
    ++line;
    if (auto it = after_line.find(line); it != after_line.end()) {
      out += it->second;
    }
    start = end;
  }
  return out;
}

PlantedForms SecretForms() {
  return {kApiToken, kDbPassword, PercentEncode(kDbPassword),
          Base64(std::string(kBasicUser) + kDbPassword),
          ReplaceAll(ReplaceAll(kDbPassword, "\\", "\\\\"), "\"", "\\\"")};
}

PlantedForms MaskedForms(const std::string& mask) {
  PlantedForms f = SecretForms();
  // Only the base64 characters that depend on the password alone go.
  size_t kept = (std::string_view(kBasicUser).size() * 8 + 5) / 6;
  return {mask, mask, mask, f.basic_auth.substr(0, kept) + mask, mask};
}

class CliCiLogTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    original_ = ReadFile(DataPath("ci-logs/test-ubuntu.log"));
    ASSERT_GT(original_.size(), 10000u);
    // The planted base64 must end on a group boundary, so no padding or
    // mixed last character makes the expected output ambiguous.
    ASSERT_EQ((std::strlen(kBasicUser) + std::strlen(kDbPassword)) % 3, 0u);
    planted_ = Write("planted.log", PlantInto(original_, SecretForms()));
    secrets_ = Write("secrets.txt", std::string(kApiToken) + "\n" + kDbPassword + "\n");
  }

  std::string original_;
  std::string planted_;
  std::string secrets_;
};

TEST_F(CliCiLogTest, PassesTheLogThroughByteIdenticalWhenNoSecretOccurs) {
  RunResult r = Scrub({DataPath("ci-logs/test-ubuntu.log"), "--secret-file", secrets_});
  EXPECT_TRUE(SameBytes(r.out, original_));
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.exit_code, 0);
}

TEST_F(CliCiLogTest, PassesEveryStoredLogThroughByteIdenticalWithoutSecrets) {
  for (const auto& entry : std::filesystem::directory_iterator(DataPath("ci-logs"))) {
    if (entry.path().extension() != ".log") {
      continue;
    }
    SCOPED_TRACE(entry.path().string());
    RunResult r = Scrub({entry.path().string(), "--secret-file", secrets_});
    EXPECT_TRUE(SameBytes(r.out, ReadFile(entry.path().string())));
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.exit_code, 0);
  }
}

TEST_F(CliCiLogTest, RedactsEveryPlantedFormAndLeavesTheRestByteIdentical) {
  std::string expected = PlantInto(original_, MaskedForms("***"));
  for (const std::string engine : {"auto", "hyperscan", "re2"}) {
    if (!EngineAvailable(engine)) {
      continue;
    }
    SCOPED_TRACE("--engine " + engine);
    RunResult r =
        Scrub({planted_, "--engine", engine, "--no-default-rules", "--secret-file", secrets_});
    EXPECT_TRUE(SameBytes(r.out, expected));
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.exit_code, 0);
    for (const std::string& form :
         {std::string(kApiToken), std::string(kDbPassword), SecretForms().password_percent,
          SecretForms().basic_auth, SecretForms().password_json}) {
      EXPECT_EQ(r.out.find(form), std::string::npos) << form;
    }
  }
}

TEST_F(CliCiLogTest, DefaultRulesLeaveNoPlantedFormEither) {
  RunResult r = Scrub({planted_, "--secret-file", secrets_});
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.exit_code, 0);
  for (const std::string& form :
       {std::string(kApiToken), std::string(kDbPassword), SecretForms().password_percent,
        SecretForms().basic_auth, SecretForms().password_json}) {
    EXPECT_EQ(r.out.find(form), std::string::npos) << form;
  }
}

TEST_F(CliCiLogTest, BothEnginesGiveIdenticalOutputOnThePlantedLog) {
  if (!EngineAvailable("hyperscan")) {
    GTEST_SKIP() << "this build or CPU has no Hyperscan";
  }
  for (const std::vector<std::string>& extra :
       {std::vector<std::string>{}, {"--label"}, {"--preserve-length"}}) {
    std::vector<std::string> hs = {planted_, "--engine", "hyperscan", "--secret-file", secrets_};
    std::vector<std::string> re2 = {planted_, "--engine", "re2", "--secret-file", secrets_};
    hs.insert(hs.end(), extra.begin(), extra.end());
    re2.insert(re2.end(), extra.begin(), extra.end());
    RunResult a = Scrub(hs);
    RunResult b = Scrub(re2);
    EXPECT_EQ(a.exit_code, 0);
    EXPECT_EQ(b.exit_code, 0);
    EXPECT_TRUE(SameBytes(a.out, b.out));
    EXPECT_NE(a.out, ReadFile(planted_));
  }
}

TEST_F(CliCiLogTest, PreserveLengthKeepsEveryByteOffsetOfTheLog) {
  PlantedForms f = SecretForms();
  PlantedForms stars = MaskedForms("");
  stars.token = std::string(f.token.size(), '*');
  stars.password_raw = std::string(f.password_raw.size(), '*');
  stars.password_percent = std::string(f.password_percent.size(), '*');
  stars.basic_auth += std::string(f.basic_auth.size() - stars.basic_auth.size(), '*');
  stars.password_json = std::string(f.password_json.size(), '*');
  RunResult r =
      Scrub({planted_, "--preserve-length", "--no-default-rules", "--secret-file", secrets_});
  EXPECT_TRUE(SameBytes(r.out, PlantInto(original_, stars)));
  EXPECT_EQ(r.out.size(), ReadFile(planted_).size());
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.exit_code, 0);
}

TEST_F(CliCiLogTest, LabelNamesTheJsonKeyOfEachSecret) {
  std::string json = Write("secrets.json", std::string("{\"PYPI_API_TOKEN\": \"") + kApiToken +
                                               "\", \"DEPLOY_PASSWORD\": \"Zq8\\\"vN3/pL#4 wKe\"}");
  PlantedForms labels = MaskedForms("[REDACTED:DEPLOY_PASSWORD]");
  labels.token = "[REDACTED:PYPI_API_TOKEN]";
  RunResult r = Scrub({planted_, "--label", "--no-default-rules", "--secrets-json", json});
  EXPECT_TRUE(SameBytes(r.out, PlantInto(original_, labels)));
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.exit_code, 0);
}

}  // namespace
}  // namespace scrubber
