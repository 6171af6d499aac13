// Exact output of the default rules on the forms that leaked or were
// over-redacted before: what is masked, and what must stay readable around
// it (a URL after a cookie, the tags around an XML secret, the tail of a long
// value that once outgrew its rule's bound).
#include <string>

#include <gtest/gtest.h>

#include "scrubber/rule_set.h"

#include "test_util.h"

namespace scrubber {
namespace {

using testing::ScrubChunked;
using testing::TestEngines;

// Every engine, whole and byte by byte, must give `want`.
void ExpectScrubbed(const std::string& in, const std::string& want) {
  RuleSet rules;
  ASSERT_TRUE(rules.AddDefault().ok());
  for (Engine engine : TestEngines()) {
    ScrubOptions options;
    options.engine = engine;
    options.background_compile = false;
    auto compiled = Scrubber::Compile(SecretSet(), rules, options);
    ASSERT_TRUE(compiled.ok()) << compiled.status().message();
    EXPECT_EQ(ScrubChunked(compiled.value(), in, {}), want) << EngineName(engine);
    EXPECT_EQ(ScrubChunked(compiled.value(), in, testing::EveryByte(in.size())), want)
        << EngineName(engine) << ", byte by byte";
  }
}

std::string Repeat(std::string_view unit, size_t times) {
  std::string out;
  for (size_t i = 0; i < times; ++i) {
    out += unit;
  }
  return out;
}

TEST(RuleForms, AnUnquotedCurlCookieEndsAtWhitespaceAndLeavesTheUrl) {
  ExpectScrubbed("curl --cookie sid=Qm9vN2xYz4KpR2vT8wLs https://app.example.com/api\n",
                 "curl --cookie *** https://app.example.com/api\n");
  ExpectScrubbed("curl -sSb 'sid=Qm9vN2xYz4KpR2vT8wLs; theme=dark' https://app.example.com/\n",
                 "curl -sSb '***' https://app.example.com/\n");
}

TEST(RuleForms, ALongCookieIsRedactedToItsEnd) {
  const std::string value = Repeat("Zm9vYmFyYmF6cXV4cXV1eA", 100);  // 2200 bytes
  ExpectScrubbed("> Cookie: theme=dark; session=" + value + "\n> Accept: */*\n",
                 "> Cookie: ***\n> Accept: */*\n");
}

// A GCR "_json_key" auth is a whole service-account key file in base64:
// thousands of bytes with line breaks inside once decoded.
TEST(RuleForms, ALongDockerAuthIsRedactedWhole) {
  const std::string key_file =
      "_json_key:{\n  \"type\": \"service_account\",\n  \"private_key\": \"" +
      Repeat("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", 80) + "\"\n}";
  const std::string auth = testing::Base64(key_file);
  ASSERT_GT(auth.size(), 3000U);
  ExpectScrubbed("{\"auths\": {\"gcr.io\": {\"auth\": \"" + auth + "\"}}}\n",
                 "{\"auths\": {\"gcr.io\": {\"auth\": \"***\"}}}\n");
}

// The key id goes too, by aws-access-key-id, as an AKIA/ASIA id does anywhere.
TEST(RuleForms, AwsStsCredentialsInXmlAreRedacted) {
  const std::string session = Repeat("FwoGZXIvYXdzEBYaDHqa0AP1/ZTVmRqYgiLIAX2N8vVYk1HvI5w+", 10);
  ExpectScrubbed(
      "<Credentials><AccessKeyId>ASIAY34FZKBOKMUTVV7A</AccessKeyId>"
      "<SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>"
      "<SessionToken>" +
          session + "</SessionToken></Credentials>\n",
      "<Credentials><AccessKeyId>***</AccessKeyId>"
      "<SecretAccessKey>***</SecretAccessKey><SessionToken>***</SessionToken></Credentials>\n");
}

TEST(RuleForms, XmlPasswordsWithAttributesCdataOrEscapedClosingTagsAreRedacted) {
  ExpectScrubbed("<password encrypted=\"false\">Hunt3rSecret!99</password>\n",
                 "<password encrypted=\"false\">***</password>\n");
  ExpectScrubbed("<password><![CDATA[Hunt3r<Secret>!99]]></password>\n",
                 "<password>***</password>\n");
  ExpectScrubbed("{\"xml\": \"<password>Hunt3rSecret!99<\\/password>\"}\n",
                 "{\"xml\": \"<password>***<\\/password>\"}\n");
}

TEST(RuleForms, PagingTokensPlaceholdersAndMavenFilterTokensStay) {
  for (const std::string line : {
           "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</"
           "NextContinuationToken>\n",
           "<ResumptionToken>oai_dc:2024-03-29:Qm9vN2xYz4KpR2vT8wLs</ResumptionToken>\n",
           "<password>[REDACTED]</password>\n",
           "<password>@maven.deploy.password@</password>\n",
       }) {
    ExpectScrubbed(line, line);
  }
}

TEST(RuleForms, NugetPasswordsInEitherOrderAndOnTheCommandLine) {
  ExpectScrubbed("<add value='Hunt3rSecret!99' key='ClearTextPassword' />\n",
                 "<add value='***' key='ClearTextPassword' />\n");
  ExpectScrubbed("<add key='ClearTextPassword' value='Hunt3rSecret!99' />\n",
                 "<add key='ClearTextPassword' value='***' />\n");
  ExpectScrubbed(
      "dotnet nuget add source https://pkgs.example.com/v3/index.json -u ci -p Hunt3r!99x\n",
      "dotnet nuget add source https://pkgs.example.com/v3/index.json -u ci -p ***\n");
}

}  // namespace
}  // namespace scrubber
