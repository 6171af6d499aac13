// Secret sources that touch the outside world: files and the process
// environment, feeding a SecretSet. Messages name the file or variable and
// the problem, never a value.
#ifndef SCRUBBER_IO_SECRET_SOURCES_H_
#define SCRUBBER_IO_SECRET_SOURCES_H_

#include <string>

#include "scrubber/secret_set.h"
#include "scrubber/status.h"

namespace scrubber::io {

// Reads a whole (small) file. Errors: "PATH: No such file or directory".
Result<std::string> ReadSmallFile(const std::string& path, size_t max_bytes = 64 << 20);

// --secret-file: one secret per line.
Status LoadSecretFile(const std::string& path, SecretSet* secrets);
// --secrets-json: an array of strings or an object of name to string.
Status LoadSecretsJson(const std::string& path, SecretSet* secrets);
// --secret-env NAME: the variable must be set.
Status LoadSecretEnv(const std::string& name, SecretSet* secrets);
// --secrets-from-env: every variable whose name looks secret.
void LoadSecretsFromEnv(SecretSet* secrets);

}  // namespace scrubber::io

#endif  // SCRUBBER_IO_SECRET_SOURCES_H_
