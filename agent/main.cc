// `scrub-agent`: runs migration jobs inside a CI job on the customer's
// machine (DESIGN §6). The order of what main does is the security story:
//   1. no core dumps, no ptrace (non-dumpable);
//   2. SCRUB_AGENT_BOOT and SCRUB_VAULT_KEY read, then removed from our
//      environment, before any thread or child exists;
//   3. with a control plane: the watchdog forked first, holding the token;
//   4. the vault decrypted and every secret registered before a step runs;
//   5. the token revoked at the end, the watchdog told so.
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <thread>

#include "agent/boot.h"
#include "agent/control_plane.h"
#include "agent/job.h"
#include "agent/runner.h"
#include "agent/vault.h"
#include "agent/watchdog.h"
#include "scrubber/io/fd_io.h"
#include "scrubber/io/secret_sources.h"
#include "scrubber/rule_set.h"
#include "scrubber/scrubber.h"

#include "scrubber_config.h"
#include <CLI/CLI.hpp>

namespace scrubber::agent {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitRuntime = 3;
constexpr const char* kDefaultVault = "config/vault.age";

void Error(const std::string& message) {
  std::cerr << "scrub-agent: " << message << "\n";
}

int ErrorExit(const Status& s) {
  Error(s.message());
  return s.code() == StatusCode::kIoError || s.code() == StatusCode::kInternal ? kExitRuntime
                                                                               : kExitUsage;
}

// What the environment held, taken out of it.
struct Inputs {
  std::string boot;
  std::string vault_key;
};

// Reads NAME, then wipes its value where it lies: unsetenv only drops the
// pointer, and /proc/PID/environ would still show the bytes to a step that
// reads its parent's (as root, or with ptrace rights).
std::string TakeVariable(const char* name) {
  std::string value;
  if (char* v = std::getenv(name)) {  // NOLINT(concurrency-mt-unsafe)
    value = v;
    std::memset(v, 'x', value.size());
  }
  ::unsetenv(name);  // NOLINT(concurrency-mt-unsafe)
  return value;
}

Inputs TakeInputs() {
  Inputs in;
  in.boot = TakeVariable("SCRUB_AGENT_BOOT");
  in.vault_key = TakeVariable("SCRUB_VAULT_KEY");
  return in;
}

struct RunArgs {
  std::string job_file;
  std::string vault_path;
  std::string out_dir = "job_output";
  int heartbeat_s = 0;  // 0: as the control plane says
};

Result<std::optional<Vault>> OpenVault(const std::string& given, const std::string& key) {
  std::string path = given;
  if (path.empty()) {
    if (!std::filesystem::exists(kDefaultVault)) {
      return std::optional<Vault>();
    }
    path = kDefaultVault;
  }
  if (key.empty()) {
    return InvalidArgument(path + ": SCRUB_VAULT_KEY is not set");
  }
  auto json = DecryptVault(path, key);
  if (!json.ok()) {
    return json.status();
  }
  auto vault = Vault::Parse(*json, path);
  if (!vault.ok()) {
    return vault.status();
  }
  return std::optional<Vault>(std::move(*vault));
}

// The scrubbers: the stream one honours ::add-mask::, the archive one
// preserves length. Both know every vault secret, the token and the key.
Result<std::pair<std::shared_ptr<const Scrubber>, std::shared_ptr<const Scrubber>>> BuildScrubbers(
    const Vault* vault, const Inputs& in, const std::string& token) {
  SecretSet secrets;
  if (vault != nullptr) {
    vault->AddSecrets(&secrets);
  }
  if (!token.empty()) {
    secrets.Add(token, "agent-token", "SCRUB_AGENT_BOOT");
  }
  if (!in.vault_key.empty()) {
    secrets.Add(in.vault_key, "vault-key", "SCRUB_VAULT_KEY");
  }
  RuleSet rules;
  Status s = rules.AddDefault();
  if (!s.ok()) {
    return s;
  }
  ScrubOptions options;
  options.add_mask_commands = true;
  auto stream = Scrubber::Compile(secrets, rules, options);
  if (!stream.ok()) {
    return stream.status();
  }
  options.add_mask_commands = false;
  options.preserve_length = true;
  auto archive = Scrubber::Compile(secrets, rules, options);
  if (!archive.ok()) {
    return archive.status();
  }
  return std::make_pair(*stream, *archive);
}

int Run(const RunArgs& args, const Inputs& in) {
  std::optional<Boot> boot;
  std::optional<Watchdog> watchdog;
  std::unique_ptr<ControlPlane> cp;
  if (!in.boot.empty()) {
    auto parsed = ParseBoot(in.boot);
    if (!parsed.ok()) {
      return ErrorExit(parsed.status());
    }
    boot = std::move(*parsed);
    ClientOptions client{boot->api, boot->job, boot->token, boot->expires_at};
    auto created = ControlPlane::Create(client);
    if (!created.ok()) {
      return ErrorExit(created.status());
    }
    auto started = Watchdog::Start(client);
    if (!started.ok()) {
      return ErrorExit(started.status());
    }
    watchdog.emplace(std::move(*started));
    cp = std::move(*created);
  } else if (args.job_file.empty()) {
    Error("run: give --job FILE, or SCRUB_AGENT_BOOT for a job from the control plane");
    return kExitUsage;
  } else {
    // No token to guard, but a step to end if we die mid-step.
    auto started = Watchdog::Start(ClientOptions{});
    if (!started.ok()) {
      return ErrorExit(started.status());
    }
    watchdog.emplace(std::move(*started));
  }
  // From here on a failure still revokes: the watchdog sees its pipe close.
  auto finish = [&](int code) {
    if (cp != nullptr) {
      Status r = cp->Revoke();
      if (r.ok() && watchdog) {
        (void)watchdog->TokenRevoked();
      } else if (!r.ok()) {
        Error(r.message() + "; the watchdog will retry");
      }
    } else if (watchdog) {
      (void)watchdog->TokenRevoked();  // a local job: nothing to revoke, all done
    }
    return code;
  };
  int heartbeat_s = args.heartbeat_s > 0 ? args.heartbeat_s : 30;
  std::string job_text;
  std::string job_source = args.job_file;
  if (cp != nullptr) {
    struct utsname u {};
    ::uname(&u);
    RegisterInfo info{SCRUBBER_VERSION, u.nodename, std::string(u.sysname) + " " + u.release,
                      static_cast<int>(std::thread::hardware_concurrency())};
    auto hb = cp->Register(info);
    if (!hb.ok()) {
      Error(hb.status().message());
      return finish(kExitRuntime);
    }
    if (args.heartbeat_s <= 0 && *hb > 0) {
      heartbeat_s = *hb;
    }
    auto fetched = cp->FetchJob();
    if (!fetched.ok()) {
      Error(fetched.status().message());
      return finish(kExitRuntime);
    }
    job_text = std::move(*fetched);
    job_source = "job " + boot->job;
  } else {
    auto read = io::ReadSmallFile(args.job_file);
    if (!read.ok()) {
      return finish(ErrorExit(read.status()));
    }
    job_text = std::move(*read);
  }
  auto job = ParseJob(job_text, job_source);
  if (!job.ok()) {
    return finish(ErrorExit(job.status()));
  }
  auto vault = OpenVault(args.vault_path, in.vault_key);
  if (!vault.ok()) {
    return finish(ErrorExit(vault.status()));
  }
  const Vault* v = vault->has_value() ? &**vault : nullptr;
  auto scrubbers = BuildScrubbers(v, in, boot ? boot->token : "");
  if (!scrubbers.ok()) {
    return finish(ErrorExit(scrubbers.status()));
  }
  RunnerOptions options;
  options.out_dir = args.out_dir;
  options.control_plane = cp.get();
  options.heartbeat_s = heartbeat_s;
  options.archive_scrubber = scrubbers->second;
  options.on_step_group = [&watchdog](pid_t group) { (void)watchdog->GuardGroup(group); };
  options.step_group_fd = watchdog->group_fd();
  io::FdSink out(STDOUT_FILENO, "stdout");
  auto outcome = RunJob(*job, v, scrubbers->first, options, &out);
  (void)out.Flush();
  if (!outcome.ok()) {
    return finish(ErrorExit(outcome.status()));
  }
  std::cerr << "scrub-agent: job " << (job->id.empty() ? "" : job->id + " ") << outcome->state
            << "\n";
  return finish(outcome->state == "succeeded" ? kExitOk : kExitFailed);
}

int VaultCommand(const std::string& action,
                 const std::string& selector,
                 const std::string& path,
                 const Inputs& in) {
  auto vault = OpenVault(path.empty() ? kDefaultVault : path, in.vault_key);
  if (!vault.ok()) {
    return ErrorExit(vault.status());
  }
  if (!vault->has_value()) {
    Error(std::string(kDefaultVault) + ": No such file or directory");
    return kExitUsage;
  }
  const Vault& v = **vault;
  if (action == "list") {
    for (const auto& line : v.List()) {
      std::cout << line << "\n";
    }
    return kExitOk;
  }
  auto value = v.Get(selector);
  if (!value.ok()) {
    return ErrorExit(value.status());
  }
  std::cout << *value << "\n";
  return kExitOk;
}

}  // namespace
}  // namespace scrubber::agent

int main(int argc, char** argv) {
  using namespace scrubber::agent;  // NOLINT(google-build-using-namespace)
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (argc == 2 && std::string_view(argv[1]) == kWatchdogCommand) {
    return RunWatchdogMain(kWatchdogFd);
  }
  const Inputs in = TakeInputs();
  CLI::App app("scrub-agent: run migration jobs with every secret scrubbed from what they emit",
               "scrub-agent");
  app.set_version_flag("--version", std::string("scrub-agent ") + SCRUBBER_VERSION);
  app.require_subcommand(1);
  RunArgs run_args;
  CLI::App* run = app.add_subcommand("run", "Run a job: --job FILE, or from SCRUB_AGENT_BOOT");
  run->add_option("--job", run_args.job_file, "A local job file (JSON, DESIGN §6)");
  run->add_option("--vault", run_args.vault_path,
                  "The age-encrypted vault (default config/vault.age if present)");
  run->add_option("--out", run_args.out_dir, "Where logs, artifacts and the manifest go")
      ->capture_default_str();
  run->add_option("--heartbeat-s", run_args.heartbeat_s, "Heartbeat period (default: server's)");
  std::string vault_action;
  std::string selector;
  std::string vault_path;
  CLI::App* vault = app.add_subcommand("vault", "Read the vault: list, or get SELECTOR");
  vault->add_option("ACTION", vault_action, "list or get")
      ->required()
      ->check(CLI::IsMember({"list", "get"}));
  vault->add_option("SELECTOR", selector, "TYPE.path or UUID.path, for get");
  vault->add_option("--vault", vault_path, "The vault (default config/vault.age)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return kExitOk;
  } catch (const CLI::CallForVersion&) {
    std::cout << app.version() << "\n";
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    std::cerr << "scrub-agent: " << e.what() << " (see scrub-agent --help)\n";
    return kExitUsage;
  }
  if (vault->parsed()) {
    if (vault_action == "get" && selector.empty()) {
      std::cerr << "scrub-agent: vault get: give a SELECTOR (TYPE.path or UUID.path)\n";
      return kExitUsage;
    }
    if (vault_action == "list" && !selector.empty()) {
      std::cerr << "scrub-agent: vault list takes no SELECTOR (use vault get)\n";
      return kExitUsage;
    }
    return VaultCommand(vault_action, selector, vault_path, in);
  }
  return Run(run_args, in);
}
