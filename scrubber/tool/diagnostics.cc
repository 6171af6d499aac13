// Diagnostics: stderr lines prefixed "scrub: ".
#include "diagnostics.h"

#include <unistd.h>

#include <string>

namespace scrubber::tool {
namespace {

void Emit(std::string_view kind, std::string_view message) {
  std::string line = "scrub: ";
  line += kind;
  line += message;
  line += '\n';
  // One write per line keeps lines whole when stderr is shared.
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace

void Diagnostics::Error(std::string_view message) const {
  Emit("", message);
}

void Diagnostics::Warning(std::string_view message) const {
  if (verbosity_ >= Verbosity::kNormal) {
    Emit("warning: ", message);
  }
}

void Diagnostics::Note(std::string_view message) const {
  if (verbosity_ >= Verbosity::kNormal) {
    Emit("", message);
  }
}

void Diagnostics::Info(std::string_view message) const {
  if (verbosity_ >= Verbosity::kVerbose) {
    Emit("", message);
  }
}

}  // namespace scrubber::tool
