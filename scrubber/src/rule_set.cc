// RuleSet: reads rule files (DESIGN §5) with simdjson and checks every field
// before a rule is accepted, so that a bad file fails at load with a message
// naming the file, the rule and the problem, never later while scanning.
#include "scrubber/rule_set.h"

#include <algorithm>
#include <memory>
#include <set>

#include <re2/re2.h>
#include <simdjson.h>

#include "scrubber/json_syntax.h"

#include "byte_order_mark.h"

namespace scrubber {
namespace {

constexpr size_t kMaxRuleLength = size_t{1} << 20;
constexpr size_t kMinKeywordLength = 2;

bool IsKebabCase(std::string_view id) {
  if (id.empty() || id.front() == '-' || id.back() == '-') {
    return false;
  }
  char prev = 0;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && prev != '-');
    if (!ok) {
      return false;
    }
    prev = c;
  }
  return true;
}

// Collects the problems of one rule object; the first one is reported.
class RuleReader {
 public:
  RuleReader(simdjson::dom::object object, std::string_view source, size_t index)
      : object_(object), source_(source), index_(index) {}

  Status Read(Rule* rule) {
    rule->source = std::string(source_);
    std::string_view id;
    if (object_["id"].get_string().get(id) != simdjson::SUCCESS) {
      return Fail("rule " + std::to_string(index_) + ": 'id' is missing or not a string");
    }
    rule->id = std::string(id);
    if (!IsKebabCase(id)) {
      return Problem(rule->id, "id must be kebab-case (a-z, 0-9 and single '-')");
    }
    for (const simdjson::dom::key_value_pair field : object_) {
      Status s = ReadField(field.key, field.value, rule);
      if (!s.ok()) {
        return s;
      }
    }
    return Check(*rule);
  }

 private:
  Status ReadField(std::string_view key, simdjson::dom::element value, Rule* rule) {
    if (key == "id") {
      return Status::Ok();
    }
    if (key == "description") {
      return String(rule->id, key, value, &rule->description);
    }
    if (key == "regex") {
      return String(rule->id, key, value, &rule->regex);
    }
    if (key == "validate") {
      return String(rule->id, key, value, &rule->validate);
    }
    if (key == "keywords") {
      return Strings(rule->id, key, value, &rule->keywords);
    }
    if (key == "examples") {
      return Strings(rule->id, key, value, &rule->examples);
    }
    if (key == "counter_examples") {
      return Strings(rule->id, key, value, &rule->counter_examples);
    }
    if (key == "max_length") {
      has_max_length_ = true;
      return Size(rule->id, key, value, &rule->max_length);
    }
    if (key == "lead") {
      has_lead_ = true;
      return Size(rule->id, key, value, &rule->lead);
    }
    if (key == "multiline") {
      if (value.get_bool().get(rule->multiline) != simdjson::SUCCESS) {
        return Problem(rule->id, "'multiline' must be true or false");
      }
      return Status::Ok();
    }
    if (key == "min_entropy") {
      if (value.get_double().get(rule->min_entropy) != simdjson::SUCCESS) {
        return Problem(rule->id, "'min_entropy' must be a number");
      }
      return Status::Ok();
    }
    if (key == "group") {
      int64_t number = 0;
      std::string_view name;
      if (value.get_int64().get(number) == simdjson::SUCCESS && number >= 0) {
        rule->group = std::to_string(number);
      } else if (value.get_string().get(name) == simdjson::SUCCESS && !name.empty()) {
        rule->group = std::string(name);
      } else {
        return Problem(rule->id, "'group' must be a group number or name");
      }
      return Status::Ok();
    }
    return Problem(rule->id, "unknown field '" + std::string(key) + "'");
  }

  Status Check(Rule& rule) {
    if (!has_lead_) {
      rule.lead = rule.max_length;
    }
    return CheckRule(rule, has_max_length_);
  }

 public:
  static Status CheckRule(Rule& rule, bool has_max_length) {
    auto Problem = [&rule](const std::string& problem) {
      return InvalidInput(rule.source + ": rule '" + rule.id + "': " + problem);
    };
    if (rule.regex.empty()) {
      return Problem("'regex' is missing or empty");
    }
    if (!IsKebabCase(rule.id)) {
      return Problem("id must be kebab-case (a-z, 0-9 and single '-')");
    }
    if (!has_max_length) {
      return Problem("'max_length' is missing");
    }
    if (rule.max_length == 0 || rule.max_length > kMaxRuleLength) {
      return Problem("'max_length' must be between 1 and " + std::to_string(kMaxRuleLength));
    }
    if (rule.lead > rule.max_length) {
      return Problem("'lead' must not exceed 'max_length'");
    }
    if (rule.min_entropy < 0 || rule.min_entropy > 8) {
      return Problem("'min_entropy' must be between 0 and 8 bits per byte");
    }
    if (!rule.validate.empty()) {
      const auto& names = ValidatorNames();
      if (std::find(names.begin(), names.end(), rule.validate) == names.end()) {
        return Problem("unknown validator '" + rule.validate + "'");
      }
    }
    for (const std::string& k : rule.keywords) {
      if (k.size() < kMinKeywordLength || k.size() > rule.max_length) {
        return Problem("each keyword must be 2 to max_length bytes long");
      }
      if (!rule.multiline && k.find_first_of("\r\n") != std::string::npos) {
        return Problem("a keyword of a single-line rule holds a line break");
      }
    }
    RE2::Options options;
    options.set_encoding(RE2::Options::EncodingLatin1);
    options.set_log_errors(false);
    RE2 re(rule.regex, options);
    if (!re.ok()) {
      return Problem("regex: " + re.error());
    }
    if (!rule.group.empty()) {
      bool numeric = std::all_of(rule.group.begin(), rule.group.end(),
                                 [](char c) { return c >= '0' && c <= '9'; });
      if (numeric) {
        if (std::stoul(rule.group) > static_cast<size_t>(re.NumberOfCapturingGroups())) {
          return Problem("'group' " + rule.group + " does not exist in the regex");
        }
      } else if (re.NamedCapturingGroups().count(rule.group) == 0) {
        return Problem("'group' '" + rule.group + "' does not exist in the regex");
      }
    }
    return Status::Ok();
  }

 private:
  Status String(const std::string& id,
                std::string_view key,
                simdjson::dom::element value,
                std::string* out) {
    std::string_view s;
    if (value.get_string().get(s) != simdjson::SUCCESS) {
      return Problem(id, "'" + std::string(key) + "' must be a string");
    }
    *out = std::string(s);
    return Status::Ok();
  }

  Status Strings(const std::string& id,
                 std::string_view key,
                 simdjson::dom::element value,
                 std::vector<std::string>* out) {
    simdjson::dom::array array;
    if (value.get_array().get(array) != simdjson::SUCCESS) {
      return Problem(id, "'" + std::string(key) + "' must be an array of strings");
    }
    for (const simdjson::dom::element e : array) {
      std::string_view s;
      if (e.get_string().get(s) != simdjson::SUCCESS) {
        return Problem(id, "'" + std::string(key) + "' must be an array of strings");
      }
      out->emplace_back(s);
    }
    return Status::Ok();
  }

  Status Size(const std::string& id,
              std::string_view key,
              simdjson::dom::element value,
              size_t* out) {
    int64_t n = 0;
    if (value.get_int64().get(n) != simdjson::SUCCESS || n < 0) {
      return Problem(id, "'" + std::string(key) + "' must be a non-negative integer");
    }
    *out = static_cast<size_t>(n);
    return Status::Ok();
  }

  Status Problem(const std::string& id, const std::string& problem) {
    return Fail("rule '" + id + "': " + problem);
  }
  Status Fail(const std::string& message) {
    return InvalidInput(std::string(source_) + ": " + message);
  }

  simdjson::dom::object object_;
  std::string_view source_;
  size_t index_;
  bool has_max_length_ = false;
  bool has_lead_ = false;
};

}  // namespace

Status RuleSet::Add(Rule rule) {
  Status s = RuleReader::CheckRule(rule, true);
  if (!s.ok()) {
    return s;
  }
  for (const Rule& r : rules_) {
    if (r.id == rule.id) {
      return InvalidInput(rule.source + ": rule '" + rule.id +
                          "': id is already used by another rule");
    }
  }
  rules_.push_back(std::move(rule));
  return Status::Ok();
}

Status RuleSet::AddDefault() {
  return AddJson(DefaultRulesJson(), "default");
}

Status RuleSet::AddJson(std::string_view json, std::string_view source) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(WithoutByteOrderMark(json));
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS) {
    return InvalidInput(std::string(source) + ": " + JsonSyntaxError(WithoutByteOrderMark(json)));
  }
  simdjson::dom::array array;
  if (root["rules"].get_array().get(array) != simdjson::SUCCESS) {
    return InvalidInput(std::string(source) + ": expected an object with a \"rules\" array");
  }
  std::vector<Rule> added;
  std::set<std::string, std::less<>> ids;
  for (const Rule& r : rules_) {
    ids.insert(r.id);
  }
  size_t index = 0;
  for (const simdjson::dom::element e : array) {
    simdjson::dom::object object;
    if (e.get_object().get(object) != simdjson::SUCCESS) {
      return InvalidInput(std::string(source) + ": rule " + std::to_string(index) +
                          " is not an object");
    }
    Rule rule;
    Status s = RuleReader(object, source, index).Read(&rule);
    if (!s.ok()) {
      return s;
    }
    if (!ids.insert(rule.id).second) {
      return InvalidInput(std::string(source) + ": rule '" + rule.id +
                          "': id is already used by another rule");
    }
    added.push_back(std::move(rule));
    ++index;
  }
  std::move(added.begin(), added.end(), std::back_inserter(rules_));
  return Status::Ok();
}

}  // namespace scrubber
