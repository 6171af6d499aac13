// Tests for the agent's vault: parsing both document shapes, selectors and
// their errors, `vault list` names, which fields are registered as secrets
// with which derived forms (and which are not), and decryption with a real
// `age`. No assertion prints a secret value: values are compared with
// EXPECT_TRUE and the failure message names the field.

#include "agent/vault.h"

#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "agent/secret_fields.h"

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

Vault FixtureVault() {
  Result<Vault> vault = Vault::Parse(ReadFile(TestData() / "vault.json"), "vault.json");
  EXPECT_TRUE(vault.ok()) << (vault.ok() ? "" : vault.status().message());
  return vault.ok() ? std::move(*vault) : Vault();
}

bool HasValue(const SecretSet& set, std::string_view value) {
  for (const Secret& secret : set.secrets()) {
    if (secret.value == value) {
      return true;
    }
  }
  return false;
}

bool HasValueNamed(const SecretSet& set, std::string_view value, std::string_view name) {
  for (const Secret& secret : set.secrets()) {
    if (secret.value == value && secret.name == name) {
      return true;
    }
  }
  return false;
}

// Asserts that `message` holds none of `values`, without printing them.
void ExpectNoValue(const std::string& message, const std::vector<std::string>& values) {
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(message.find(values[i]), std::string::npos) << "message holds value #" << i;
  }
}

constexpr std::string_view kGitHubPat = "ghp_FAKEfakeFAKEfake0123456789abcdefABCD";
constexpr std::string_view kBitbucketPassword = "FakeBitbucketPassw0rd!";
constexpr std::string_view kAccountKey = "RkFLRWZha2VGQUtFZmFrZUZBS0VmYWtlRkFLRWZha2U=";

// ---- Parsing ----

TEST(VaultParse, FlattensStringLeavesByDottedPath) {
  const Vault vault = FixtureVault();
  ASSERT_EQ(vault.entries().size(), 6U);
  const VaultEntry& bitbucket = vault.entries()[2];
  EXPECT_EQ(bitbucket.type, "BitbucketServer");
  EXPECT_EQ(bitbucket.uuid, "0b9d7c1e-3333-4c1a-9f00-000000000003");
  std::vector<std::string> paths;
  for (const VaultField& field : bitbucket.fields) {
    paths.push_back(field.path);
  }
  // The port is a number: not kept.
  EXPECT_EQ(paths, (std::vector<std::string>{
                       "url", "project_key", "credentials.username", "credentials.password",
                       "host_configuration.host", "host_configuration.ssh_key",
                       "host_configuration.smb_username", "host_configuration.smb_password"}));
  const VaultEntry& jira = vault.entries()[5];
  EXPECT_EQ(jira.fields[6].path, "webhooks.0");
}

TEST(VaultParse, AcceptsABareArrayOfEntries) {
  Result<Vault> vault = Vault::Parse(
      R"([{"type": "T", "uuid": "u1", "data": {"a": {"b": ["x", {"c": "y"}]}}}])", "v");
  ASSERT_TRUE(vault.ok()) << vault.status().message();
  ASSERT_EQ(vault->entries().size(), 1U);
  ASSERT_EQ(vault->entries()[0].fields.size(), 2U);
  EXPECT_EQ(vault->entries()[0].fields[0].path, "a.b.0");
  EXPECT_EQ(vault->entries()[0].fields[1].path, "a.b.1.c");
  EXPECT_TRUE(Vault::Parse("[]", "v").ok());
  EXPECT_TRUE(Vault::Parse(R"({"entries": []})", "v").ok());
}

TEST(VaultParse, RejectsMalformedDocumentsNamingTheProblem) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"entries": [)", "v.age: not valid JSON: it ends too early"},
      {R"("sekrit")",
       "v.age: the document is a string, expected {\"version\": \"1\", "
       "\"entries\": [...]} or an array"},
      {R"({"version": "2", "entries": []})", "v.age: unsupported 'version' (expected \"1\")"},
      {R"({"version": 1, "entries": []})", "v.age: unsupported 'version' (expected \"1\")"},
      {R"({"version": "1"})", "v.age: 'entries' must be an array"},
      {R"([{"type": "T", "uuid": "u", "data": {}}, "sekrit"])",
       "v.age: entry 2 is a string, expected an object"},
      {R"([{"uuid": "u", "data": {}}])", "v.age: entry 1: 'type' is missing"},
      {R"([{"type": "", "uuid": "u", "data": {}}])",
       "v.age: entry 1: 'type' must be a non-empty string, not a string"},
      {R"([{"type": "T", "uuid": 7, "data": {}}])",
       "v.age: entry 1: 'uuid' must be a non-empty string, not a number"},
      {R"([{"type": "A.B", "uuid": "u", "data": {}}])",
       "v.age: entry 1: 'type' must not contain '.'"},
      {R"([{"type": "T", "uuid": "u"}])", "v.age: entry 1: 'data' is missing"},
      // Found by agent_input_fuzzer: such names make fields no selector reaches.
      {R"([{"type": "T", "uuid": "u", "data": {"a": {"": "x"}}}])",
       "v.age: entry 1: a field name under 'a' is empty or holds '.'"},
      {R"([{"type": "T", "uuid": "u", "data": {"a.b": "x"}}])",
       "v.age: entry 1: a field name under '' is empty or holds '.'"},
      {R"([{"type": "T", "uuid": "u", "data": "sekrit"}])",
       "v.age: entry 1: 'data' must be an object, not a string"},
      {R"([{"type": "T", "uuid": "u", "data": {}}, {"type": "S", "uuid": "u", "data": {}}])",
       "v.age: entry 2: uuid 'u' is used by an earlier entry"},
  };
  for (const auto& [json, expected] : cases) {
    Result<Vault> vault = Vault::Parse(json, "v.age");
    ASSERT_FALSE(vault.ok()) << expected;
    EXPECT_EQ(vault.status().code(), StatusCode::kInvalidInput);
    EXPECT_EQ(vault.status().message(), expected);
    ExpectNoValue(vault.status().message(), {"sekrit"});
  }
}

// ---- Selectors ----

TEST(VaultGet, ResolvesTypeAndUuidSelectors) {
  const Vault vault = FixtureVault();
  Result<std::string> pat = vault.Get("GitHubDestination.pat");
  ASSERT_TRUE(pat.ok()) << pat.status().message();
  EXPECT_TRUE(*pat == kGitHubPat) << "GitHubDestination.pat";
  Result<std::string> password = vault.Get("BitbucketServer.credentials.password");
  ASSERT_TRUE(password.ok()) << password.status().message();
  EXPECT_TRUE(*password == kBitbucketPassword) << "BitbucketServer.credentials.password";
  Result<std::string> by_uuid =
      vault.Get("0b9d7c1e-3333-4c1a-9f00-000000000003.credentials.password");
  ASSERT_TRUE(by_uuid.ok()) << by_uuid.status().message();
  EXPECT_TRUE(*by_uuid == kBitbucketPassword) << "UUID.credentials.password";
  Result<std::string> ssh_key = vault.Get("BitbucketServer.host_configuration.ssh_key");
  ASSERT_TRUE(ssh_key.ok()) << ssh_key.status().message();
  EXPECT_TRUE(ssh_key->starts_with("-----BEGIN OPENSSH PRIVATE KEY-----\n"));
  Result<std::string> webhook = vault.Get("JiraCloud.webhooks.0");
  ASSERT_TRUE(webhook.ok()) << webhook.status().message();
  EXPECT_EQ(*webhook, "https://hooks.example.com/a");  // not a secret
}

TEST(VaultGet, AmbiguousTypeAsksForTheUuid) {
  Result<Vault> vault = Vault::Parse(R"([
      {"type": "GitHubDestination", "uuid": "aaa", "data": {"pat": "sekrit-one"}},
      {"type": "GitHubDestination", "uuid": "bbb", "data": {"pat": "sekrit-two"}}])",
                                     "v");
  ASSERT_TRUE(vault.ok()) << vault.status().message();
  Result<std::string> pat = vault->Get("GitHubDestination.pat");
  ASSERT_FALSE(pat.ok());
  EXPECT_EQ(pat.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(pat.status().message(),
            "selector 'GitHubDestination.pat': 2 entries have type 'GitHubDestination' (uuids aaa, "
            "bbb): select by UUID.pat");
  Result<std::string> second = vault->Get("bbb.pat");
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_TRUE(*second == "sekrit-two") << "bbb.pat";
}

TEST(VaultGet, ErrorsNameTheSelectorProblemAndNoValue) {
  const Vault vault = FixtureVault();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"GitHubDestination", "selector 'GitHubDestination': expected TYPE.path or UUID.path"},
      {".pat", "selector '.pat': expected TYPE.path or UUID.path"},
      {"GitHubDestination.", "selector 'GitHubDestination.': expected TYPE.path or UUID.path"},
      {"GitLab.token",
       "selector 'GitLab.token': no entry has type or uuid 'GitLab' (types in the vault: "
       "GitHubDestination, AzureDevOps, BitbucketServer, AmazonS3, AzureBlobStorage, JiraCloud)"},
      {"GitHubDestination.token",
       "selector 'GitHubDestination.token': entry GitHubDestination "
       "0b9d7c1e-1111-4c1a-9f00-000000000001 has no string field 'token' (fields: organization, "
       "url, pat)"},
      {"BitbucketServer.credentials",
       "selector 'BitbucketServer.credentials': entry BitbucketServer "
       "0b9d7c1e-3333-4c1a-9f00-000000000003: 'credentials' is an object, not a string (fields "
       "under it: credentials.username, credentials.password)"},
      {"BitbucketServer.host_configuration.port",
       "selector 'BitbucketServer.host_configuration.port': entry BitbucketServer "
       "0b9d7c1e-3333-4c1a-9f00-000000000003 has no string field 'host_configuration.port' "
       "(fields: url, project_key, credentials.username, credentials.password, "
       "host_configuration.host, host_configuration.ssh_key, host_configuration.smb_username, "
       "host_configuration.smb_password)"},
  };
  for (const auto& [selector, expected] : cases) {
    Result<std::string> value = vault.Get(selector);
    ASSERT_FALSE(value.ok()) << selector;
    EXPECT_EQ(value.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(value.status().message(), expected);
    ExpectNoValue(value.status().message(),
                  {std::string(kGitHubPat), std::string(kBitbucketPassword)});
  }
}

// ---- vault list ----

TEST(VaultList, GivesTypesUuidsAndFieldNamesWithSecrecy) {
  const Vault vault = FixtureVault();
  const std::vector<VaultEntryNames> list = vault.List();
  ASSERT_EQ(list.size(), 6U);
  EXPECT_EQ(list[0].type, "GitHubDestination");
  EXPECT_EQ(list[0].uuid, "0b9d7c1e-1111-4c1a-9f00-000000000001");
  ASSERT_EQ(list[0].fields.size(), 3U);
  EXPECT_EQ(list[0].fields[0].path, "organization");
  EXPECT_FALSE(list[0].fields[0].secret);
  EXPECT_EQ(list[0].fields[2].path, "pat");
  EXPECT_TRUE(list[0].fields[2].secret);
  // Nothing in the listing is a value.
  std::set<std::string> values;
  for (const VaultEntry& entry : vault.entries()) {
    for (const VaultField& field : entry.fields) {
      values.insert(field.value);
    }
  }
  for (const VaultEntryNames& entry : list) {
    EXPECT_EQ(values.count(entry.type) + values.count(entry.uuid), 0U);
    for (const VaultFieldName& field : entry.fields) {
      EXPECT_EQ(values.count(field.path), 0U) << "a listed name is a value";
    }
  }
}

TEST(VaultList, FormatsOneLinePerEntry) {
  const std::vector<VaultEntryNames> list = FixtureVault().List();
  ASSERT_EQ(list.size(), 6U);
  EXPECT_EQ(FormatEntryNames(list[0]),
            "GitHubDestination 0b9d7c1e-1111-4c1a-9f00-000000000001: organization, url, pat "
            "(secret)");
  std::ostringstream out;
  out << list[3];
  EXPECT_EQ(out.str(),
            "AmazonS3 0b9d7c1e-4444-4c1a-9f00-000000000004: bucket, region, aws_access_key_id "
            "(secret), aws_secret_access_key (secret)");
  EXPECT_EQ(FormatEntryNames({"T", "u", {}}), "T u: no string fields");
}

// ---- Secrets ----

TEST(VaultSecrets, RegistersTheFieldsOfKnownTypesByName) {
  SecretSet set;
  FixtureVault().AddSecrets(&set);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"GitHubDestination.pat", std::string(kGitHubPat)},
      {"AzureDevOps.pat", "fakeadopat4q7x2m9k3j8h5g6f1d0s2a4p6o8i0u2y4t6r8e0w"},
      {"BitbucketServer.credentials.password", std::string(kBitbucketPassword)},
      {"BitbucketServer.host_configuration.smb_password", "FakeSmbPassw0rd#2"},
      {"AmazonS3.aws_access_key_id", "AKIAFAKEFAKEFAKE1234"},
      {"AmazonS3.aws_secret_access_key", "fakeSecretAccessKey/0123456789abcdefFAKE"},
      {"AzureBlobStorage.azure_storage_connection_string",
       "DefaultEndpointsProtocol=https;AccountName=examplestore;AccountKey=" +
           std::string(kAccountKey) + ";EndpointSuffix=core.windows.net"},
  };
  for (const auto& [name, value] : expected) {
    EXPECT_TRUE(HasValueNamed(set, value, name)) << name << " not registered";
  }
  bool has_ssh_key = false;
  for (const Secret& secret : set.secrets()) {
    if (secret.name == "BitbucketServer.host_configuration.ssh_key" &&
        secret.value.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----\n") &&
        secret.value.ends_with("-----END OPENSSH PRIVATE KEY-----\n")) {
      has_ssh_key = true;
      EXPECT_EQ(secret.source,
                "vault:0b9d7c1e-3333-4c1a-9f00-000000000003.host_configuration."
                "ssh_key");
    }
  }
  EXPECT_TRUE(has_ssh_key) << "the SSH key is registered whole";
}

TEST(VaultSecrets, RegistersDerivedForms) {
  SecretSet set;
  FixtureVault().AddSecrets(&set);
  const std::string pat(kGitHubPat);
  EXPECT_TRUE(HasValueNamed(set, ":" + pat, "GitHubDestination.pat")) << ":pat";
  EXPECT_TRUE(HasValueNamed(set, "x-access-token:" + pat, "GitHubDestination.pat"))
      << "x-access-token:pat";
  EXPECT_TRUE(HasValue(set, ":fakeadopat4q7x2m9k3j8h5g6f1d0s2a4p6o8i0u2y4t6r8e0w")) << ":pat ADO";
  EXPECT_TRUE(HasValueNamed(set, "deploy-bot:" + std::string(kBitbucketPassword),
                            "BitbucketServer.credentials.password"))
      << "user:password";
  EXPECT_TRUE(HasValueNamed(set, "smb-reader:FakeSmbPassw0rd#2",
                            "BitbucketServer.host_configuration.smb_password"))
      << "smb user:password";
  EXPECT_TRUE(HasValueNamed(set, std::string(kAccountKey),
                            "AzureBlobStorage.azure_storage_connection_string.AccountKey"))
      << "AccountKey= part";
  // Unknown type: token-named fields get the token forms too.
  EXPECT_TRUE(HasValue(set, "x-access-token:FAKEjiraApiToken0123456789")) << "apiToken";
  // A multi-line key gets no token forms.
  for (const Secret& secret : set.secrets()) {
    EXPECT_FALSE(secret.value.starts_with(":-----BEGIN") ||
                 secret.value.starts_with("x-access-token:-----BEGIN"))
        << secret.source;
  }
}

TEST(VaultSecrets, NeverRegistersNonSecretFields) {
  SecretSet set;
  FixtureVault().AddSecrets(&set);
  const std::vector<std::string> not_secrets = {
      "example-org",
      "https://github.example.com",
      "https://dev.azure.com/example",
      "pipelines",
      "https://bitbucket.example.com",
      "OPS",
      "deploy-bot",
      "bb-host.example.com",
      "smb-reader",
      "example-artifacts",
      "eu-west-1",
      "logs",
      "examplestore",
      "https://example.atlassian.net",
      "ci@example.com",
      "bearer",
      "jira-client-0123",
      "0b9d7c1e-1111-4c1a-9f00-000000000001",
  };
  for (const std::string& value : not_secrets) {
    EXPECT_FALSE(HasValue(set, value)) << value << " was registered";
  }
  // An unknown type's field whose name does not say metadata fails safe: a
  // webhook URL (a secret for Slack and others) is registered.
  EXPECT_TRUE(HasValue(set, "https://hooks.example.com/a"));
}

TEST(VaultSecrets, UnknownTypesUseTheNameHeuristic) {
  SecretSet set;
  FixtureVault().AddSecrets(&set);
  EXPECT_TRUE(HasValueNamed(set, "FAKEjiraApiToken0123456789", "JiraCloud.apiToken"));
  EXPECT_TRUE(HasValueNamed(set, "FakeJiraClientSecret987", "JiraCloud.oauth.client_secret"));
  EXPECT_TRUE(HasValueNamed(set, "FakeWebhookSigningValue55", "JiraCloud.secrets.signing"));
}

TEST(VaultSecrets, KnownTypesFailClosedOnNewStronglySecretFields) {
  Result<Vault> vault = Vault::Parse(R"([{"type": "GitHubDestination", "uuid": "u", "data": {
      "pat": "sekrit-pat-1", "webhook_secret": "sekrit-hook-2", "deploy_key": "not-listed-3"}}])",
                                     "v");
  ASSERT_TRUE(vault.ok()) << vault.status().message();
  SecretSet set;
  vault->AddSecrets(&set);
  EXPECT_TRUE(HasValue(set, "sekrit-hook-2")) << "webhook_secret";
  // Weak markers ("key" as a word) count for unknown types only.
  EXPECT_FALSE(HasValue(set, "not-listed-3")) << "deploy_key";
}

TEST(VaultSecrets, ConnectionStringsAreFoundByValue) {
  Result<Vault> vault = Vault::Parse(R"([{"type": "Sql", "uuid": "u", "data": {
      "dsn": "Server=db;User Id=app;Password=SekritDbPass1;Encrypt=true"}}])",
                                     "v");
  ASSERT_TRUE(vault.ok()) << vault.status().message();
  SecretSet set;
  vault->AddSecrets(&set);
  EXPECT_TRUE(HasValueNamed(set, "SekritDbPass1", "Sql.dsn.Password")) << "Password= part";
  EXPECT_TRUE(HasValue(set, "Server=db;User Id=app;Password=SekritDbPass1;Encrypt=true"));
}

TEST(VaultSecrets, TrimmedFormOfPastedValues) {
  Result<Vault> vault = Vault::Parse(
      R"([{"type": "AzureDevOps", "uuid": "u", "data": {"pat": " sekritpat\n"}}])", "v");
  ASSERT_TRUE(vault.ok()) << vault.status().message();
  SecretSet set;
  vault->AddSecrets(&set);
  EXPECT_TRUE(HasValue(set, " sekritpat\n"));
  EXPECT_TRUE(HasValue(set, "sekritpat"));
  EXPECT_TRUE(HasValue(set, ":sekritpat"));
  EXPECT_TRUE(HasValue(set, "x-access-token:sekritpat"));
}

TEST(SecretFields, NameHeuristic) {
  const std::vector<std::string> secret = {
      "token",
      "api_token",
      "apiToken",
      "access-token",
      "client_secret",
      "clientSecret",
      "password",
      "db_passwd",
      "passphrase",
      "private_key",
      "privateKey",
      "aws_access_key",
      "APIKey",
      "api_key",
      "credentials",
      "credential.raw",
      "pat",
      "deploy_key",
      "signing_keys",
      "pwd",
      "sas",
      "secrets.github",
      "tokens.0",
      "credentials.value",
      "connectionString",
  };
  const std::vector<std::string> not_secret = {
      "id",
      "url",
      "username",
      "credentials.username",
      "token_type",
      "key_id",
      "public_key",
      "project_key",
      "pat_expires_at",
      "path",
      "region",
      "patch",
      "keyboard",
      "monkey",
      "secrets.user",
      "api_token_expiry",
      "webhooks.0",
      "private_key_path",
      "host",
  };
  for (const std::string& path : secret) {
    EXPECT_TRUE(LooksLikeSecretField(path)) << path;
  }
  for (const std::string& path : not_secret) {
    EXPECT_FALSE(LooksLikeSecretField(path)) << path;
  }
}

// ---- Decryption with a real age ----

class VaultDecrypt : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::system("command -v age >/dev/null 2>&1 && command -v age-keygen >/dev/null 2>&1") != 0) {
      GTEST_SKIP() << "age and age-keygen are not installed (Debian package 'age')";
    }
    char pattern[] = "/tmp/vault_test.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    identity_ = NewIdentity("key");
    other_identity_ = NewIdentity("other");
    const std::string recipient = Run("age-keygen -y " + Q(dir_ / "key"));
    ASSERT_FALSE(recipient.empty());
    ASSERT_EQ(Status("age -r " + Q(recipient.substr(0, recipient.find('\n'))) + " -o " +
                     Q(dir_ / "vault.age") + " " + Q(TestData() / "vault.json")),
              0);
    // The identities now live in memory only: DecryptVault gets no file.
    fs::remove(dir_ / "key");
    fs::remove(dir_ / "other");
  }
  void TearDown() override {
    if (!dir_.empty()) {
      fs::remove_all(dir_);
    }
  }

  static std::string Q(const fs::path& path) { return "'" + path.string() + "'"; }
  static int Status(const std::string& command) {
    const int status = ::system((command + " 2>/dev/null").c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  static std::string Run(const std::string& command) {
    std::string out;
    if (FILE* pipe = ::popen(command.c_str(), "r"); pipe != nullptr) {
      char buffer[4096];
      size_t n = 0;
      while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
        out.append(buffer, n);
      }
      ::pclose(pipe);
    }
    return out;
  }
  std::string NewIdentity(const std::string& name) {
    EXPECT_EQ(Status("age-keygen -o " + Q(dir_ / name)), 0);
    return ReadFile(dir_ / name);
  }

  fs::path dir_;
  std::string identity_;
  std::string other_identity_;
};

TEST_F(VaultDecrypt, DecryptsWithTheRightIdentity) {
  Result<std::string> plaintext = DecryptVault((dir_ / "vault.age").string(), identity_);
  ASSERT_TRUE(plaintext.ok()) << plaintext.status().message();
  EXPECT_TRUE(*plaintext == ReadFile(TestData() / "vault.json")) << "plaintext differs";
  Result<Vault> vault = LoadVault((dir_ / "vault.age").string(), identity_);
  ASSERT_TRUE(vault.ok()) << vault.status().message();
  EXPECT_EQ(vault->entries().size(), 6U);
  // A bare AGE-SECRET-KEY line (SCRUB_VAULT_KEY) works as well as the file.
  const size_t start = identity_.find("AGE-SECRET-KEY-1");
  ASSERT_NE(start, std::string::npos);
  const std::string bare = identity_.substr(start, identity_.find('\n', start) - start);
  EXPECT_TRUE(DecryptVault((dir_ / "vault.age").string(), bare).ok());
}

TEST_F(VaultDecrypt, WrongIdentity) {
  Result<std::string> plaintext = DecryptVault((dir_ / "vault.age").string(), other_identity_);
  ASSERT_FALSE(plaintext.ok());
  EXPECT_EQ(plaintext.status().message(),
            (dir_ / "vault.age").string() + ": cannot decrypt (wrong key or not an age file)");
  ExpectNoValue(plaintext.status().message(), {other_identity_});
}

TEST_F(VaultDecrypt, CorruptOrPlaintextFileIsNotQuoted) {
  // age quotes the start of a file it cannot parse; we must not.
  std::ofstream(dir_ / "plain.age") << "{\"pat\": \"sekrit-plaintext-vault\"}\n";
  Result<std::string> plaintext = DecryptVault((dir_ / "plain.age").string(), identity_);
  ASSERT_FALSE(plaintext.ok());
  EXPECT_EQ(plaintext.status().message(),
            (dir_ / "plain.age").string() + ": cannot decrypt (wrong key or not an age file)");
  ExpectNoValue(plaintext.status().message(), {"sekrit"});
  // A truncated age file.
  const std::string whole = ReadFile(dir_ / "vault.age");
  std::ofstream(dir_ / "cut.age", std::ios::binary) << whole.substr(0, whole.size() / 2);
  plaintext = DecryptVault((dir_ / "cut.age").string(), identity_);
  ASSERT_FALSE(plaintext.ok());
  EXPECT_EQ(plaintext.status().message(),
            (dir_ / "cut.age").string() + ": cannot decrypt (wrong key or not an age file)");
}

TEST_F(VaultDecrypt, MissingFileOrDirectory) {
  Result<std::string> plaintext = DecryptVault((dir_ / "absent.age").string(), identity_);
  ASSERT_FALSE(plaintext.ok());
  EXPECT_EQ(plaintext.status().message(),
            (dir_ / "absent.age").string() + ": No such file or directory");
  plaintext = DecryptVault(dir_.string(), identity_);
  ASSERT_FALSE(plaintext.ok());
  EXPECT_EQ(plaintext.status().message(), dir_.string() + ": Is a directory");
}

TEST_F(VaultDecrypt, InvalidIdentityIsNamedNotQuoted) {
  Result<std::string> plaintext =
      DecryptVault((dir_ / "vault.age").string(), "AGE-SECRET-KEY-1SEKRITBUTMALFORMED");
  ASSERT_FALSE(plaintext.ok());
  EXPECT_EQ(plaintext.status().message(), "SCRUB_VAULT_KEY: not a valid age identity");
  plaintext = DecryptVault((dir_ / "vault.age").string(), "# only a comment\n");
  ASSERT_FALSE(plaintext.ok());
  EXPECT_EQ(plaintext.status().message(), "SCRUB_VAULT_KEY: not a valid age identity");
  plaintext = DecryptVault((dir_ / "vault.age").string(), " \n");
  ASSERT_FALSE(plaintext.ok());
  EXPECT_EQ(plaintext.status().message(), "SCRUB_VAULT_KEY: empty");
}

TEST_F(VaultDecrypt, IdentityReachesAgeOnlyThroughDescriptor3) {
  // A stand-in `age` records its arguments and environment, and prints
  // what it reads from /dev/fd/3.
  const fs::path bin = dir_ / "bin";
  fs::create_directory(bin);
  std::ofstream(bin / "age") << "#!/bin/sh\nprintf '%s\\n' \"$@\" > '" << (dir_ / "argv").string()
                             << "'\nenv > '" << (dir_ / "env").string()
                             << "'\nexec cat /dev/fd/3\n";
  fs::permissions(bin / "age", fs::perms::owner_all);
  const std::string saved = ::getenv("PATH") != nullptr ? ::getenv("PATH") : "";
  ::setenv("PATH", (bin.string() + ":" + saved).c_str(), 1);
  ::setenv("SCRUB_VAULT_KEY", identity_.c_str(), 1);
  Result<std::string> out = DecryptVault((dir_ / "vault.age").string(), identity_);
  ::setenv("PATH", saved.c_str(), 1);
  ::unsetenv("SCRUB_VAULT_KEY");
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_TRUE(*out == identity_ + "\n") << "fd 3 does not hold the identity";
  EXPECT_EQ(ReadFile(dir_ / "argv"), "--decrypt\n--identity\n/dev/fd/3\n");
  const std::string env = ReadFile(dir_ / "env");
  EXPECT_NE(env.find("PATH="), std::string::npos);
  EXPECT_EQ(env.find("SCRUB_VAULT_KEY"), std::string::npos) << "age inherited SCRUB_VAULT_KEY";
  EXPECT_EQ(env.find("AGE-SECRET-KEY"), std::string::npos) << "the identity is in age's env";
}

TEST_F(VaultDecrypt, AgeMissingFromPathIsClear) {
  const char* old_path = ::getenv("PATH");
  const std::string saved = old_path != nullptr ? old_path : "";
  ::setenv("PATH", dir_.c_str(), 1);
  Result<std::string> plaintext = DecryptVault((dir_ / "vault.age").string(), identity_);
  ::setenv("PATH", saved.c_str(), 1);
  ASSERT_FALSE(plaintext.ok());
  EXPECT_EQ(plaintext.status().message(),
            "cannot run 'age': not found in PATH (install the Debian package 'age')");
}

}  // namespace
}  // namespace scrubber::agent
