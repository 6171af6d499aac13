// RuleSet: key-shape rules (DESIGN §5), the way secrets nobody registered
// are caught: a token a tool minted, a signed URL, a private key read from
// disk. Rules come from JSON files ({"rules": [...]}) and from the default
// set built into the binary (patterns/default.json).
//
//   RuleSet rules;
//   Status s = rules.AddDefault();
//   if (s.ok()) s = rules.AddJson(file_bytes, "team.json");
//   if (!s.ok()) { /* "team.json: rule 'x': regex: missing ')'" */ }
//
// What a rule matches (the definition the engines and the reference share):
// a rule is searched only near its keywords. Each keyword occurrence at k
// (case-insensitive when the regex starts with "(?i)") opens a search at
// s' = max(s, k - lead), where s is where the rule's previous search left
// off. RE2 looks, leftmost-first, for a match starting in [s', s' + max_length]
// within the text [s' - 1, s' + 2 * max_length + 1), clipped to the line
// (lines end at '\n' and '\r') unless the rule is multi-line. A match that
// passes min_entropy and validate is redacted (its group, or all of it) and
// the search goes on from its end; a failed one goes on from its start + 1;
// no match, from s' + max_length + 1. Rules without keywords search
// everywhere, which costs speed and holds more bytes back.
#ifndef SCRUBBER_RULE_SET_H_
#define SCRUBBER_RULE_SET_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "scrubber/status.h"

namespace scrubber {

struct Rule {
  std::string id;           // kebab-case, unique in a RuleSet
  std::string description;  // one line
  std::string regex;        // RE2 syntax, matched on bytes (Latin-1)
  std::vector<std::string> keywords;
  std::string group;       // capture group to redact: a number or a name; "" = whole match
  size_t max_length = 0;   // bound on a match's length
  size_t lead = 0;         // most bytes a match may start before its keyword
  bool multiline = false;  // a match may span lines
  double min_entropy = 0;  // bits per byte the redacted span must reach
  std::string validate;    // named checksum (see ValidatorNames()), "" for none
  std::vector<std::string> examples;
  std::vector<std::string> counter_examples;
  std::string source;  // the file it came from, "default" for the built-in set
};

// The checksums a rule may name in "validate".
const std::vector<std::string>& ValidatorNames();

// True when `span` (the redacted bytes) passes checksum `name`. Unknown
// names fail.
bool RunValidator(std::string_view name, std::string_view span);

class RuleSet {
 public:
  // Adds the built-in rules (patterns/default.json, embedded at build time).
  Status AddDefault();

  // Adds the rules of one JSON document. `source` names it in errors, which
  // read "SOURCE: rule 'ID': PROBLEM" (or "SOURCE: PROBLEM" for the file as a
  // whole). On error nothing of the document is added.
  Status AddJson(std::string_view json, std::string_view source);

  // Adds one rule, checked as AddJson checks it (errors name rule.source).
  Status Add(Rule rule);

  const std::vector<Rule>& rules() const { return rules_; }
  bool empty() const { return rules_.empty(); }

 private:
  std::vector<Rule> rules_;
};

// The built-in rule file's text.
std::string_view DefaultRulesJson();

}  // namespace scrubber

#endif  // SCRUBBER_RULE_SET_H_
