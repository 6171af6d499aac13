// The reference scrubber: the definition of the output, written to be read
// rather than to be fast. Every step is the plain statement of DESIGN §2:
// drop ::add-mask:: lines (their values count from where they stood), find
// every occurrence of every literal, merge intervals that overlap or touch,
// write one mask per merged interval.
#include "scrubber/reference_scrubber.h"

#include <algorithm>

#include "add_mask.h"
#include "redaction_writer.h"
#include "rule_engine.h"
#include "scrubber_impl.h"

namespace scrubber {
namespace {

void FindAll(std::string_view text,
             std::string_view literal,
             uint64_t from,
             uint32_t label,
             bool dynamic,
             std::vector<Redaction>* out) {
  for (size_t pos = text.find(literal, from); pos != std::string_view::npos;
       pos = text.find(literal, pos + 1)) {
    out->push_back({pos, pos + literal.size(), pos + literal.size(), label, dynamic});
  }
}

}  // namespace

std::string ReferenceScrub(const Scrubber& scrubber, std::string_view input, ScrubStats* stats) {
  const Scrubber::Impl& s = scrubber.impl();
  ScrubStats local;
  local.bytes_in = input.size();

  // 1. Remove command lines; remember each value with where it takes effect.
  std::string text;
  std::vector<std::pair<std::string, uint64_t>> added;
  if (s.options.add_mask_commands) {
    size_t pos = 0;
    while (pos < input.size()) {
      size_t nl = input.find('\n', pos);
      size_t next = nl == std::string_view::npos ? input.size() : nl + 1;
      std::string_view line = input.substr(pos, next - pos);
      if (size_t prefix = CommandPrefixLength(line); prefix > 0) {
        std::string_view raw = line.substr(prefix);
        if (raw.ends_with('\n')) {
          raw.remove_suffix(1);
        }
        std::string value = DecodeAddMaskValue(raw);
        if (value.size() < s.options.min_secret_length) {
          local.masks_skipped.push_back({"add-mask", "::add-mask:: line", value.size()});
        } else {
          ++local.masks_added;
          for (const VariantLiteral& v :
               EncodeVariants(value, s.options.variants, s.options.min_secret_length)) {
            added.emplace_back(v.bytes, text.size());
          }
        }
      } else {
        text.append(line);
      }
      pos = next;
    }
  } else {
    text.assign(input);
  }

  // 2. Every occurrence of every literal.
  std::vector<Redaction> found;
  for (uint32_t id = 0; id < s.literals.size(); ++id) {
    FindAll(text, s.literals.literal(id), 0, s.literals.label(id), false, &found);
  }
  for (const auto& [bytes, from] : added) {
    FindAll(text, bytes, from, kAddMaskLabel, true, &found);
  }
  if (s.rules != nullptr) {
    ReferenceRuleRedactions(*s.rules, text, &found);
  }

  // 3. Merge: sorted by start (label order within a start), join overlaps
  // and touches; the first of each group names it.
  std::sort(found.begin(), found.end(), LabelsFirst);
  std::vector<Redaction> merged;
  for (const Redaction& r : found) {
    if (!merged.empty() && r.start <= merged.back().end) {
      merged.back().end = std::max(merged.back().end, r.end);
    } else {
      merged.push_back(r);
    }
  }

  // 4. Write.
  MaskSpeller speller(&s.options, &s.labels);
  std::string out;
  uint64_t pos = 0;
  for (const Redaction& r : merged) {
    out.append(text, pos, r.start - pos);
    out += speller.Begin(r.label);
    if (speller.per_byte()) {
      out.append(r.end - r.start, '*');
    }
    ++local.redactions;
    ++local.by_id[speller.label_name(r.label)];
    pos = r.end;
  }
  out.append(text, pos);
  local.bytes_out = out.size();
  if (stats != nullptr) {
    *stats = local;
  }
  return out;
}

}  // namespace scrubber
