// Property: the agent's parsers of outside input take any bytes. The first
// byte picks the parser, the rest is its input:
//   0 ParseJob        on error the message starts with the source name; on
//                     success every step has a non-empty argv and a name
//                     that is a usable file name, all names distinct;
//   1 Vault::Parse    on error the message starts with the source name; on
//                     success AddSecrets runs, and Get("UUID.path") reads
//                     every field that List names;
//   2 ParseBoot       success gives a non-empty api, job and token;
//   3 control-plane replies: ParseRegisterReply gives 1..86400 or an error,
//                     ParseEventReply and CheckJobReply never crash.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "agent/boot.h"
#include "agent/control_plane.h"
#include "agent/job.h"
#include "agent/vault.h"

#include "fuzz_case.h"

namespace scrubber::fuzz {
namespace {

constexpr std::string_view kSource = "fuzz.json";

void CheckJob(std::string_view in) {
  auto job = agent::ParseJob(in, kSource);
  if (!job.ok()) {
    FUZZ_CHECK(job.status().message().starts_with(std::string(kSource) + ": "),
               "a job error does not start with the source name");
    return;
  }
  std::set<std::string> names;
  for (const agent::Step& step : job->steps) {
    FUZZ_CHECK(!step.run.empty(), "a step without argv was accepted");
    FUZZ_CHECK(!step.name.empty() && step.name != "." && step.name != ".." &&
                   step.name.find('/') == std::string::npos,
               "a step name that is no file name was accepted");
    FUZZ_CHECK(names.insert(step.name).second, "two steps with one name were accepted");
  }
}

void CheckVault(std::string_view in) {
  auto vault = agent::Vault::Parse(in, kSource);
  if (!vault.ok()) {
    FUZZ_CHECK(vault.status().message().starts_with(std::string(kSource) + ": "),
               "a vault error does not start with the source name");
    return;
  }
  SecretSet secrets;
  vault->AddSecrets(&secrets);
  for (const agent::VaultEntryNames& entry : vault->List()) {
    for (const agent::VaultFieldName& field : entry.fields) {
      auto v = vault->Get(entry.uuid + "." + field.path);
      FUZZ_CHECK(v.ok(), "a listed field cannot be read by UUID.path");
    }
  }
}

void CheckBoot(std::string_view in) {
  auto boot = agent::ParseBoot(in);
  if (boot.ok()) {
    FUZZ_CHECK(!boot->api.empty() && !boot->job.empty() && !boot->token.empty(),
               "a boot document without api, job or token was accepted");
  }
}

void CheckReplies(std::string_view in) {
  auto hb = agent::ParseRegisterReply(in);
  FUZZ_CHECK(!hb.ok() || (*hb >= 1 && *hb <= 86400), "heartbeat_s out of range accepted");
  (void)agent::ParseEventReply(in);
  (void)agent::CheckJobReply(in);
}

}  // namespace
}  // namespace scrubber::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      scrubber::fuzz::CheckJob(in);
      break;
    case 1:
      scrubber::fuzz::CheckVault(in);
      break;
    case 2:
      scrubber::fuzz::CheckBoot(in);
      break;
    default:
      scrubber::fuzz::CheckReplies(in);
      break;
  }
  return 0;
}
