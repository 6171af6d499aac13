// Which fields of a vault entry hold secrets, and the derived forms that
// tools print them in (DESIGN §6). Known types have their fields listed;
// fields of unknown types are judged by name, and a known type's field with
// a strongly secret name ("webhook_secret") counts too, so a new field fails
// closed.
#ifndef SCRUBBER_AGENT_SECRET_FIELDS_H_
#define SCRUBBER_AGENT_SECRET_FIELDS_H_

#include <string_view>
#include <vector>

#include "agent/vault.h"
#include "scrubber/secret_set.h"

namespace scrubber::agent {

// The secret fields DESIGN §6 lists for a known entry type; empty for an
// unknown type. Usernames are not secret on their own: they are only part of
// the derived "user:password" form.
//   GitHubDestination  pat
//   AzureDevOps        pat
//   BitbucketServer    credentials.password, host_configuration.ssh_key,
//                      host_configuration.smb_password
//   AmazonS3           aws_access_key_id, aws_secret_access_key
//   AzureBlobStorage   azure_storage_connection_string
std::vector<std::string_view> KnownSecretFields(std::string_view type);

// True when a dotted field path looks like it holds a secret (the rule for
// fields of unknown types). Each path component is split into lowercase
// words (snake_case, kebab-case and camelCase alike: "clientSecret" is
// "client secret"); numeric components (array indexes) are skipped. A
// component is a strong marker when, joined without separators, it contains
// token, secret, password, passwd, passphrase, privatekey, accesskey,
// apikey, credential or connectionstring ("api_key", "apiKey",
// "access_token"); a weak marker when one of its words is pat, key, keys,
// pwd, pass or sas ("deploy_key", "pat") and none of public, project,
// partition, sort, cache, object, routing, issue, foreign or idempotency is
// ("project_key" names a project). The field is secret when any component
// is a marker ("credentials.value", "secrets.github"), unless the last word
// of its own name says it is metadata: id, ids, uuid, name, names, type,
// kind, url, urls, uri, endpoint, host, hostname, port, user, username,
// login, email, region, expires, expiry, expiration, at, created, updated,
// ttl, scope, scopes, fingerprint, length, count, enabled, format, version,
// hint, path, file. So "token_type", "key_id", "credentials.username" and
// "pat_expires_at" are not secrets, and "aws_access_key_id" is one only
// through AmazonS3's list.
bool LooksLikeSecretField(std::string_view path);

// True when `field` of `entry` is registered: listed for its known type; or
// for a known type, named with a strong marker (a new "webhook_secret" fails
// closed, "project_key" is left alone); or for an unknown type, unless the
// last word of its own name is a metadata word (id, url, region, username,
// ... as above), so that "value", "dsn" or "webhooks" fail safe; or holding
// a connection string with a key or password part, whatever its name.
bool IsSecretField(const VaultEntry& entry, const VaultField& field);

// Adds each secret field of `entry` and its derived forms:
//   - the value, and the value without surrounding whitespace if that
//     differs;
//   - for tokens and PATs (a word "pat" or "token" in the name, or a known
//     type's pat) on one line: ":VALUE" (Basic auth with an empty user) and
//     "x-access-token:VALUE" (GitHub's git user);
//   - for passwords ("password", "passwd", "pwd", "pass") with a sibling user
//     field ("username", "user", "login", with the password's own prefix
//     first: smb_password pairs with smb_username): "USER:VALUE";
//   - for connection strings (any field whose value holds "AccountKey=",
//     "SharedAccessKey=", "SharedAccessSignature=", "Password=" or "Pwd=",
//     keys case-insensitive): the value of each such part, named
//     "TYPE.path.Part".
// Multi-line values (SSH keys) are added whole; the core adds each line.
void AddEntrySecrets(const VaultEntry& entry, SecretSet* set);

}  // namespace scrubber::agent

#endif  // SCRUBBER_AGENT_SECRET_FIELDS_H_
