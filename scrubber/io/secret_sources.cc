// Secret sources: file and environment reading around the SecretSet parsers.
#include "scrubber/io/secret_sources.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace scrubber::io {

Result<std::string> ReadSmallFile(const std::string& path, size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return InvalidInput(path + ": " + std::strerror(errno));
  }
  std::string content;
  char buffer[65536];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return InvalidInput(path + ": " + std::strerror(err));
    }
    if (n == 0) {
      break;
    }
    content.append(buffer, static_cast<size_t>(n));
    if (content.size() > max_bytes) {
      ::close(fd);
      return InvalidInput(path + ": larger than " + std::to_string(max_bytes) + " bytes");
    }
  }
  ::close(fd);
  return content;
}

Status LoadSecretFile(const std::string& path, SecretSet* secrets) {
  auto content = ReadSmallFile(path);
  if (!content.ok()) {
    return content.status();
  }
  secrets->AddLines(*content, path);
  return Status::Ok();
}

Status LoadSecretsJson(const std::string& path, SecretSet* secrets) {
  auto content = ReadSmallFile(path);
  if (!content.ok()) {
    return content.status();
  }
  return secrets->AddJson(*content, path);
}

Status LoadSecretEnv(const std::string& name, SecretSet* secrets) {
  const char* value = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe)
  if (value == nullptr) {
    return InvalidInput("--secret-env " + name + ": variable is not set");
  }
  secrets->Add(value, name, "env:" + name);
  return Status::Ok();
}

void LoadSecretsFromEnv(SecretSet* secrets) {
  std::vector<std::pair<std::string, std::string>> entries;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos) {
      continue;
    }
    entries.emplace_back(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  secrets->AddFromEnvironment(entries);
}

}  // namespace scrubber::io
