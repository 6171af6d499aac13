// ParseJob walks the simdjson DOM once, checking every member against the
// contract of agent/job.h, so that a typo ("timeout": 5) is an error rather
// than a step that silently runs without a timeout.
#include "agent/job.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "scrubber/json_syntax.h"

namespace scrubber::agent {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

std::string_view DescribeJsonType(element_type type) {
  switch (type) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return "a number";
    case element_type::STRING:
      return "a string";
    case element_type::BOOL:
      return "a boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "an unknown value";
}

bool IsPrintable(std::string_view text) {
  return std::ranges::all_of(text, [](char c) { return c >= 0x20 && c < 0x7f; });
}

// A name for a message: quoted when printable ASCII, else described.
std::string Quoted(std::string_view name) {
  if (name.size() <= 100 && IsPrintable(name)) {
    return "'" + std::string(name) + "'";
  }
  return "(a name with unprintable bytes)";
}

// Fails on a member not in `allowed` or one that appears twice.
Status CheckMembers(simdjson::dom::object object,
                    std::initializer_list<std::string_view> allowed,
                    const std::string& where) {
  std::set<std::string_view> seen;
  for (const simdjson::dom::key_value_pair member : object) {
    if (std::ranges::find(allowed, member.key) == allowed.end()) {
      std::string expected;
      for (const std::string_view name : allowed) {
        expected += (expected.empty() ? "" : ", ") + std::string(name);
      }
      return InvalidInput(where + "unknown member " + Quoted(member.key) + " (expected " +
                          expected + ")");
    }
    if (!seen.insert(member.key).second) {
      return InvalidInput(where + "member " + Quoted(member.key) + " appears twice");
    }
  }
  return Status::Ok();
}

bool IsFileName(std::string_view name) {
  return !name.empty() && name.size() <= 100 && name != "." && name != ".." &&
         std::ranges::all_of(name, [](char c) {
           return c != '/' && (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
         });
}

bool IsEnvName(std::string_view name) {
  auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  return !name.empty() && letter(name.front()) &&
         std::ranges::all_of(name, [&](char c) { return letter(c) || (c >= '0' && c <= '9'); });
}

Status ReadStringArray(element value,
                       const std::string& what,
                       bool allow_empty_array,
                       std::vector<std::string>* out) {
  simdjson::dom::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS ||
      (!allow_empty_array && array.size() == 0)) {
    return InvalidInput(what);
  }
  for (const element item : array) {
    std::string_view text;
    if (item.get_string().get(text) != simdjson::SUCCESS) {
      return InvalidInput(what);
    }
    out->emplace_back(text);
  }
  return Status::Ok();
}

Status ReadEnv(element value, const std::string& where, Step* step) {
  simdjson::dom::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) {
    return InvalidInput(where +
                        "'env' must be an object of NAME to a string or {\"vault\": "
                        "SELECTOR}");
  }
  std::set<std::string_view> seen;
  for (const simdjson::dom::key_value_pair member : object) {
    const std::string env = where + "env " + Quoted(member.key);
    if (!IsEnvName(member.key)) {
      return InvalidInput(env + " is not a variable name ([A-Za-z_][A-Za-z0-9_]*)");
    }
    if (!seen.insert(member.key).second) {
      return InvalidInput(env + " appears twice");
    }
    EnvValue env_value;
    std::string_view text;
    simdjson::dom::object reference;
    element selector;
    if (member.value.get_string().get(text) == simdjson::SUCCESS) {
      env_value.literal = std::string(text);
    } else if (member.value.get_object().get(reference) != simdjson::SUCCESS ||
               reference.size() != 1 || reference["vault"].get(selector) != simdjson::SUCCESS ||
               selector.get_string().get(text) != simdjson::SUCCESS || text.empty()) {
      return InvalidInput(env + " must be a string or {\"vault\": SELECTOR}");
    } else {
      env_value.vault = std::string(text);
    }
    step->env.emplace_back(std::string(member.key), std::move(env_value));
  }
  return Status::Ok();
}

Status ReadTimeout(element value, const std::string& where, int* timeout_s) {
  int64_t seconds = 0;
  if (value.type() == element_type::DOUBLE || value.get_int64().get(seconds) != simdjson::SUCCESS ||
      seconds < 1 || seconds > INT_MAX) {
    return InvalidInput(where + "'timeout_s' must be a whole number of seconds from 1 to " +
                        std::to_string(INT_MAX));
  }
  *timeout_s = static_cast<int>(seconds);
  return Status::Ok();
}

// Reads step `number` (from 1) into `step`; `names` holds earlier steps'.
Status ReadStep(element value,
                const std::string& source,
                size_t number,
                std::vector<std::string>* names,
                Step* step) {
  std::string where = source + ": step " + std::to_string(number);
  simdjson::dom::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) {
    return InvalidInput(where + " is " + std::string(DescribeJsonType(value.type())) +
                        ", expected an object");
  }
  element name;
  std::string_view name_text;
  if (object["name"].get(name) != simdjson::SUCCESS ||
      name.get_string().get(name_text) != simdjson::SUCCESS || name_text.empty()) {
    return InvalidInput(where + ": 'name' must be a non-empty string");
  }
  if (!IsFileName(name_text)) {
    return InvalidInput(where +
                        ": 'name' must be usable as a file name (at most 100 bytes, no "
                        "'/' or control characters, not '.' or '..')");
  }
  step->name = std::string(name_text);
  where += " (" + Quoted(step->name) + "): ";
  if (const auto earlier = std::ranges::find(*names, step->name); earlier != names->end()) {
    return InvalidInput(where + "the name is already used by step " +
                        std::to_string(earlier - names->begin() + 1));
  }
  names->push_back(step->name);
  if (Status status = CheckMembers(object, {"name", "run", "env", "cwd", "timeout_s"}, where);
      !status.ok()) {
    return status;
  }
  element member;
  if (object["run"].get(member) != simdjson::SUCCESS) {
    return InvalidInput(where + "'run' is missing");
  }
  if (Status status = ReadStringArray(member, where + "'run' must be a non-empty array of strings",
                                      false, &step->run);
      !status.ok()) {
    return status;
  }
  if (step->run.front().empty()) {
    return InvalidInput(where + "'run' must start with a program name, not an empty string");
  }
  if (object["env"].get(member) == simdjson::SUCCESS) {
    if (Status status = ReadEnv(member, where, step); !status.ok()) {
      return status;
    }
  }
  if (object["cwd"].get(member) == simdjson::SUCCESS) {
    std::string_view cwd;
    if (member.get_string().get(cwd) != simdjson::SUCCESS) {
      return InvalidInput(where + "'cwd' must be a string");
    }
    step->cwd = std::string(cwd);
  }
  if (object["timeout_s"].get(member) == simdjson::SUCCESS) {
    return ReadTimeout(member, where, &step->timeout_s);
  }
  return Status::Ok();
}

}  // namespace

Result<Job> ParseJob(std::string_view json, std::string_view source_view) {
  const std::string source(source_view);
  const simdjson::padded_string padded(json);
  simdjson::dom::parser parser;
  element root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS) {
    return InvalidInput(source + ": " + JsonSyntaxError(json));
  }
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    return InvalidInput(source + ": the document is " + std::string(DescribeJsonType(root.type())) +
                        ", expected an object");
  }
  if (Status status = CheckMembers(object, {"id", "steps", "artifacts"}, source + ": ");
      !status.ok()) {
    return status;
  }
  Job job;
  element member;
  if (object["id"].get(member) == simdjson::SUCCESS) {
    std::string_view id;
    if (member.get_string().get(id) != simdjson::SUCCESS) {
      return InvalidInput(source + ": 'id' must be a string");
    }
    job.id = std::string(id);
  }
  simdjson::dom::array steps;
  if (object["steps"].get(member) != simdjson::SUCCESS ||
      member.get_array().get(steps) != simdjson::SUCCESS || steps.size() == 0) {
    return InvalidInput(source + ": 'steps' must be a non-empty array");
  }
  std::vector<std::string> names;
  for (const element value : steps) {
    Step step;
    if (Status status = ReadStep(value, source, job.steps.size() + 1, &names, &step);
        !status.ok()) {
      return status;
    }
    job.steps.push_back(std::move(step));
  }
  if (object["artifacts"].get(member) == simdjson::SUCCESS) {
    const std::string what = source + ": 'artifacts' must be an array of non-empty strings";
    if (Status status = ReadStringArray(member, what, true, &job.artifacts); !status.ok()) {
      return status;
    }
    if (std::ranges::any_of(job.artifacts, [](const std::string& a) { return a.empty(); })) {
      return InvalidInput(what);
    }
  }
  return job;
}

Result<std::vector<std::pair<std::string, std::string>>> ResolveEnv(const Step& step,
                                                                    const Vault& vault) {
  std::vector<std::pair<std::string, std::string>> env;
  for (const auto& [name, value] : step.env) {
    if (value.vault.empty()) {
      env.emplace_back(name, value.literal);
      continue;
    }
    Result<std::string> secret = vault.Get(value.vault);
    if (!secret.ok()) {
      return InvalidArgument("step " + Quoted(step.name) + ": env '" + name +
                             "': " + secret.status().message());
    }
    env.emplace_back(name, std::move(*secret));
  }
  return env;
}

}  // namespace scrubber::agent
