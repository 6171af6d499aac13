// Tests for SecretSet's parsers: lines, JSON (with every malformed shape
// rejected whole, and no value in any message) and the environment.

#include "scrubber/secret_set.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace scrubber {
namespace {

TEST(SecretSet, AddAppendsInOrder) {
  SecretSet set;
  EXPECT_TRUE(set.empty());
  set.Add("v1", "n1", "s1");
  set.Add("v2", "", "s2");
  ASSERT_EQ(set.size(), 2U);
  EXPECT_EQ(set.secrets()[0].value, "v1");
  EXPECT_EQ(set.secrets()[0].name, "n1");
  EXPECT_EQ(set.secrets()[1].source, "s2");
}

TEST(SecretSetLines, StripsCrlfSkipsEmptyLinesAndNumbersSources) {
  SecretSet set;
  set.AddLines("alpha\r\n\r\n\nbeta\ngamma\r\r\n  \ndelta", "secrets.txt");
  ASSERT_EQ(set.size(), 5U);
  EXPECT_EQ(set.secrets()[0].value, "alpha");
  EXPECT_EQ(set.secrets()[0].source, "secrets.txt:1");
  EXPECT_EQ(set.secrets()[0].name, "");
  EXPECT_EQ(set.secrets()[1].value, "beta");
  EXPECT_EQ(set.secrets()[1].source, "secrets.txt:4");
  EXPECT_EQ(set.secrets()[2].value, "gamma\r");  // only one trailing CR is a line end
  EXPECT_EQ(set.secrets()[3].value, "  ");       // spaces are a value, not an empty line
  EXPECT_EQ(set.secrets()[4].value, "delta");
  EXPECT_EQ(set.secrets()[4].source, "secrets.txt:7");
}

TEST(SecretSetLines, EmptyContentAddsNothing) {
  SecretSet set;
  set.AddLines("", "a");
  set.AddLines("\n\r\n", "b");
  EXPECT_TRUE(set.empty());
}

TEST(SecretSetJson, ArrayOfStrings) {
  SecretSet set;
  ASSERT_TRUE(set.AddJson(R"(["one", "two\nlines", "\u00e9"])", "secrets.json").ok());
  ASSERT_EQ(set.size(), 3U);
  EXPECT_EQ(set.secrets()[0].value, "one");
  EXPECT_EQ(set.secrets()[0].name, "");
  EXPECT_EQ(set.secrets()[0].source, "secrets.json[0]");
  EXPECT_EQ(set.secrets()[1].value, "two\nlines");
  EXPECT_EQ(set.secrets()[1].source, "secrets.json[1]");
  EXPECT_EQ(set.secrets()[2].value, "\xc3\xa9");
}

TEST(SecretSetJson, ObjectOfNameToString) {
  SecretSet set;
  set.Add("existing", "", "x");
  ASSERT_TRUE(set.AddJson(R"({"API_TOKEN": "t0k3n", "db": "p\u0000w"})", "vault.json").ok());
  ASSERT_EQ(set.size(), 3U);
  EXPECT_EQ(set.secrets()[1].value, "t0k3n");
  EXPECT_EQ(set.secrets()[1].name, "API_TOKEN");
  EXPECT_EQ(set.secrets()[1].source, "vault.json:API_TOKEN");
  EXPECT_EQ(set.secrets()[2].value, std::string("p\0w", 3));
  EXPECT_EQ(set.secrets()[2].name, "db");
}

TEST(SecretSetJson, EmptyArrayAndObjectAddNothing) {
  SecretSet set;
  EXPECT_TRUE(set.AddJson("[]", "a.json").ok());
  EXPECT_TRUE(set.AddJson(" { } ", "b.json").ok());
  EXPECT_TRUE(set.empty());
}

// Checks that `json` is rejected as InvalidInput naming the source, without
// any value in the message, and that the set is left as it was.
// `expected_message` is checked exactly unless empty.
void ExpectRejectedWhole(std::string_view json, std::string_view expected_message) {
  SecretSet set;
  set.Add("kept", "", "earlier");
  const Status status = set.AddJson(json, "secrets.json");
  ASSERT_FALSE(status.ok()) << json;
  EXPECT_EQ(status.code(), StatusCode::kInvalidInput);
  EXPECT_TRUE(status.message().starts_with("secrets.json: ")) << status.message();
  EXPECT_EQ(status.message().find("sekrit"), std::string::npos) << status.message();
  EXPECT_EQ(status.message().find("12345"), std::string::npos) << status.message();
  if (!expected_message.empty()) {
    EXPECT_EQ(status.message(), expected_message);
  }
  ASSERT_EQ(set.size(), 1U) << "a malformed document must add nothing: " << json;
  EXPECT_EQ(set.secrets()[0].value, "kept");
}

TEST(SecretSetJson, NonStringElementsAreInvalidInputWithoutValues) {
  ExpectRejectedWhole(R"(["sekrit-1", "sekrit-2", "sekrit-3", 42])",
                      "secrets.json: element 3 is a number, expected a string");
  ExpectRejectedWhole(R"(["sekrit-1", ["sekrit-2"]])",
                      "secrets.json: element 1 is an array, expected a string");
  ExpectRejectedWhole(R"(["sekrit-1", null])",
                      "secrets.json: element 1 is null, expected a string");
  ExpectRejectedWhole(R"(["sekrit-1", true])",
                      "secrets.json: element 1 is a boolean, expected a string");
  ExpectRejectedWhole(R"({"a": "sekrit-1", "b": {"c": "sekrit-2"}})",
                      "secrets.json: the value of 'b' is an object, expected a string");
  ExpectRejectedWhole(R"({"a": "sekrit-1", "b": 1.5})",
                      "secrets.json: the value of 'b' is a number, expected a string");
}

TEST(SecretSetJson, OtherDocumentShapesAreInvalidInputWithoutValues) {
  ExpectRejectedWhole(R"("sekrit-1")",
                      "secrets.json: the document is a string, expected an array of strings or an "
                      "object of name to string");
  ExpectRejectedWhole("12345", "");
  ExpectRejectedWhole("", "");
  ExpectRejectedWhole("   \n", "");
}

TEST(SecretSetJson, InvalidJsonIsInvalidInputWithoutValues) {
  ExpectRejectedWhole(R"(["sekrit-1", "sekrit-2")", "");
  ExpectRejectedWhole(R"(["sekrit-1" "sekrit-2"])", "");
  ExpectRejectedWhole(R"({"a": "sekrit-1",})", "");
  ExpectRejectedWhole("[\"sekrit-\xff\"]", "");
  ExpectRejectedWhole(R"(["sekrit-1"] ["sekrit-2"])", "");
}

TEST(SecretSetJson, SyntaxErrorSaysNotValidJson) {
  SecretSet set;
  const Status status = set.AddJson("[\"abc\",", "s.json");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message(), "s.json: not valid JSON: it ends too early");
}

// Where it goes wrong, in lines and characters (a UTF-8 sequence is one),
// as an editor shows it.
TEST(SecretSetJson, SyntaxErrorSaysWhere) {
  const std::vector<std::pair<std::string_view, std::string_view>> cases = {
      {"{\n  \"A\": \"x\",\n  \"B\": \"y\",\n}", "s.json: not valid JSON at line 4, column 1"},
      {"{\"\xc3\xa9t\xc3\xa9\": \"x\" \"B\": 1}", "s.json: not valid JSON at line 1, column 13"},
      {"[\"a\"] [\"b\"]", "s.json: not valid JSON at line 1, column 7"},
      {"{\"A\": \"never closed}", "s.json: not valid JSON: a string is never closed"},
      {"", "s.json: not valid JSON: the document is empty"},
  };
  for (const auto& [doc, want] : cases) {
    SecretSet set;
    EXPECT_EQ(set.AddJson(doc, "s.json").message(), want) << doc;
  }
}

TEST(SecretSetEnvironment, AddsSecretLookingNamesWithValues) {
  SecretSet set;
  set.AddFromEnvironment({
      {"GITHUB_TOKEN", "ghp_abc"},
      {"PATH", "/usr/bin"},
      {"db_password", "hunter2"},
      {"EMPTY_SECRET", ""},
      {"AWS_SECRET_ACCESS_KEY", "wJalr"},
      {"HOME", "/root"},
  });
  ASSERT_EQ(set.size(), 3U);
  EXPECT_EQ(set.secrets()[0].value, "ghp_abc");
  EXPECT_EQ(set.secrets()[0].name, "GITHUB_TOKEN");
  EXPECT_EQ(set.secrets()[0].source, "env:GITHUB_TOKEN");
  EXPECT_EQ(set.secrets()[1].name, "db_password");
  EXPECT_EQ(set.secrets()[1].source, "env:db_password");
  EXPECT_EQ(set.secrets()[2].name, "AWS_SECRET_ACCESS_KEY");
}

TEST(LooksLikeSecretName, MatchesMarkersCaseInsensitively) {
  for (const std::string_view name :
       {"GITHUB_TOKEN", "token", "MySecret", "DB_PASSWORD", "PGPASSWD", "SSH_PRIVATE_KEY",
        "AWS_ACCESS_KEY_ID", "OPENAI_API_KEY", "api_key", "GOOGLE_APPLICATION_CREDENTIALS",
        "x_Credential_y"}) {
    EXPECT_TRUE(LooksLikeSecretName(name)) << name;
  }
  for (const std::string_view name :
       {"PATH", "HOME", "USER", "TOKE", "PASS", "PRIVATE", "KEY", "APIKEY", "ACCESSKEY", ""}) {
    EXPECT_FALSE(LooksLikeSecretName(name)) << name;
  }
}

}  // namespace
}  // namespace scrubber

namespace scrubber {
namespace {

// simdjson's atom errors name the letter the bad token starts with; for an
// unquoted secret that is the secret's first byte, so it must not show:
// where it starts, nothing of what it is.
TEST(SecretSetJsonErrors, InvalidJsonMessageQuotesNothingFromTheInput) {
  const std::vector<std::pair<std::string_view, std::string_view>> cases = {
      {R"({"A": tRUE-secret})", "secrets.json: not valid JSON at line 1, column 7"},
      {R"(["x", fALSE])", "secrets.json: not valid JSON at line 1, column 7"},
      {R"([nope])", "secrets.json: not valid JSON at line 1, column 2"},
  };
  for (const auto& [doc, want] : cases) {
    SecretSet set;
    Status s = set.AddJson(doc, "secrets.json");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.message(), want) << doc;
  }
}

}  // namespace
}  // namespace scrubber

namespace scrubber {
namespace {

// PowerShell 5 and Notepad write a UTF-8 byte order mark first; it is not
// part of the first secret.
TEST(SecretSetByteOrderMark, IsNotPartOfTheFirstSecret) {
  SecretSet lines;
  lines.AddLines(
      "\xef\xbb\xbf"
      "first-secret\nsecond-secret\n",
      "s.txt");
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines.secrets()[0].value, "first-secret");
  SecretSet json;
  ASSERT_TRUE(json.AddJson("\xef\xbb\xbf[\"first-secret\"]", "s.json").ok());
  ASSERT_EQ(json.size(), 1U);
  EXPECT_EQ(json.secrets()[0].value, "first-secret");
}

}  // namespace
}  // namespace scrubber
