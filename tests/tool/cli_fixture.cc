// The shared helpers of the `scrub` end-to-end tests (see cli_fixture.h) and
// the main of cli_test, which needs SCRUB_BIN and ignores SIGPIPE so that a
// child exiting while a test still writes its stdin cannot kill the tests.
#include "tests/tool/cli_fixture.h"

#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

namespace scrubber::testing {

std::string ScrubBin() {
  const char* bin = std::getenv("SCRUB_BIN");  // NOLINT(concurrency-mt-unsafe)
  return bin == nullptr ? "" : bin;
}

std::string DataPath(const std::string& relative) {
  const char* dir = std::getenv("SCRUB_TEST_DATA");  // NOLINT(concurrency-mt-unsafe)
  return std::string(dir == nullptr ? "tests/data" : dir) + "/" + relative;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

void WriteFile(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

std::string ReplaceAll(std::string text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

size_t CountLines(std::string_view text) {
  return std::count(text.begin(), text.end(), '\n');
}

std::string Base64(std::string_view bytes, bool url) {
  const char* alphabet = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                             : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size())
      n |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size())
      n |= static_cast<uint8_t>(bytes[i + 2]);
    size_t chars = std::min<size_t>(4, (bytes.size() - i) * 8 / 6 + 1);
    for (size_t c = 0; c < 4; ++c) {
      out += c < chars ? alphabet[(n >> (18 - 6 * c)) & 63] : '=';
    }
  }
  return out;
}

std::string PercentEncode(std::string_view bytes, bool lower, bool plus) {
  std::string out;
  for (char ch : bytes) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += ch;
    } else if (plus && c == ' ') {
      out += '+';
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, lower ? "%%%02x" : "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

std::string ExpectedBase64(std::string_view prefix,
                           std::string_view secret,
                           std::string_view suffix,
                           bool url) {
  std::string all = Base64(std::string(prefix) + std::string(secret) + std::string(suffix), url);
  size_t first = (prefix.size() * 8 + 5) / 6;
  size_t last = (prefix.size() + secret.size()) * 8 / 6;
  return all.substr(0, first) + "***" + all.substr(last);
}

::testing::AssertionResult SameBytes(const std::string& actual, const std::string& expected) {
  if (actual == expected) {
    return ::testing::AssertionSuccess();
  }
  size_t at = 0;
  while (at < actual.size() && at < expected.size() && actual[at] == expected[at]) {
    ++at;
  }
  size_t from = at < 60 ? 0 : at - 60;
  return ::testing::AssertionFailure()
         << "sizes " << actual.size() << " vs expected " << expected.size()
         << "; first difference at byte " << at
         << "\n  actual:   " << ::testing::PrintToString(actual.substr(from, 140))
         << "\n  expected: " << ::testing::PrintToString(expected.substr(from, 140));
}

bool EngineAvailable(const std::string& engine) {
  static std::map<std::string, bool> known;
  if (known.find(engine) == known.end()) {
    known[engine] = RunCommand({ScrubBin(), "--engine", engine}).exit_code == 0;
  }
  return known[engine];
}

long long ReportNumber(const std::string& json, const std::string& key) {
  std::smatch m;
  if (std::regex_search(json, m, std::regex("\"" + key + "\"\\s*:\\s*([0-9]+)"))) {
    return std::stoll(m[1]);
  }
  return -1;
}

void CliTest::SetUp() {
  ASSERT_FALSE(ScrubBin().empty()) << "SCRUB_BIN is not set";
  std::string tmpl = (std::filesystem::temp_directory_path() / "scrub-cli-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  dir_ = tmpl;
}

void CliTest::TearDown() {
  if (!dir_.empty()) {
    std::filesystem::remove_all(dir_);
  }
}

}  // namespace scrubber::testing

int main(int argc, char** argv) {
  // A child that exits while we write its stdin must not kill the tests.
  ::signal(SIGPIPE, SIG_IGN);  // NOLINT(cert-err33-c)
  ::testing::InitGoogleTest(&argc, argv);
  if (scrubber::testing::ScrubBin().empty()) {
    std::fprintf(stderr, "cli_test: set SCRUB_BIN to the scrub binary\n");
    return 1;
  }
  return RUN_ALL_TESTS();
}
