// Boot: what the agent learns from SCRUB_AGENT_BOOT (DESIGN §6), the base64
// of a JSON object naming the control plane, the job, the job's token and
// when that token expires. Messages name the field and the problem, never
// the token or any other part of the document.
#ifndef SCRUBBER_AGENT_BOOT_H_
#define SCRUBBER_AGENT_BOOT_H_

#include <chrono>
#include <string>
#include <string_view>

#include "scrubber/status.h"

namespace scrubber::agent {

struct Boot {
  std::string api;    // control-plane base URL, http:// or https://
  std::string job;    // job id
  std::string token;  // bearer token: a secret
  std::chrono::system_clock::time_point expires_at;
};

// Parses the value of SCRUB_AGENT_BOOT: base64 (standard or URL-safe
// alphabet, padded or not, whitespace anywhere ignored, so wrapped `base64`
// output works) of {"api", "job", "token", "expires_at"}, all non-empty
// strings, expires_at an RFC 3339 time. Unknown fields are ignored, so a
// newer control plane may add some. Errors are InvalidInput, prefixed
// "SCRUB_AGENT_BOOT: ".
Result<Boot> ParseBoot(std::string_view base64_text);

// Decodes base64 in either alphabet as ParseBoot does; false on any other
// character, misplaced padding or an impossible length. Exposed for tests.
bool DecodeBase64(std::string_view text, std::string* out);

// Parses an RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM),
// 'T' and 'Z' in either case (or a space for 'T'). A leap second (:60) is
// accepted and read as the next second. False on anything else.
bool ParseRfc3339(std::string_view text, std::chrono::system_clock::time_point* out);

}  // namespace scrubber::agent

#endif  // SCRUBBER_AGENT_BOOT_H_
