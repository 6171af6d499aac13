// Property: the secret-source parsers take any bytes. The input goes, as
// it is, to SecretSet::AddJson, SecretSet::AddLines and ParseVariantList:
//   AddJson   on error adds nothing, and its message starts with the source
//             name; on success it adds one secret per element of the top
//             array or member of the top object, counted here by a scanner
//             of its own, with names and sources as secret_set.h says;
//   AddLines  adds the non-empty lines, line ends excluded, in order, each
//             with its line number in the source;
//   ParseVariantList  on success always includes raw.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "scrubber/secret_set.h"
#include "scrubber/variants.h"

#include "fuzz_case.h"

namespace scrubber::fuzz {
namespace {

constexpr std::string_view kJsonSource = "fuzz.json";
constexpr std::string_view kLinesSource = "fuzz.txt";

bool IsJsonSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Elements of the top-level array or members of the top-level object of a
// document already known to be valid JSON: commas at depth 1, plus one
// unless the container is empty. Strings are skipped with their escapes.
size_t CountTopLevelEntries(std::string_view json) {
  size_t depth = 0;
  size_t commas = 0;
  bool in_string = false;
  bool escaped = false;
  bool any = false;
  for (const char c : json) {
    if (depth == 1 && !IsJsonSpace(c) && c != ']' && c != '}') {
      any = true;
    }
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (c == ',' && depth == 1) {
      ++commas;
    }
  }
  return any ? commas + 1 : 0;
}

void CheckAddJson(std::string_view input) {
  SecretSet set;
  set.Add("sentinel", "", "before");
  const Status status = set.AddJson(input, kJsonSource);
  if (!status.ok()) {
    FUZZ_CHECK(set.size() == 1, "AddJson failed but added secrets");
    FUZZ_CHECK(status.code() == StatusCode::kInvalidInput, "AddJson error is not kInvalidInput");
    FUZZ_CHECK(status.message().starts_with(std::string(kJsonSource) + ": "),
               "AddJson error does not start with the source name");
    return;
  }
  // simdjson skips a UTF-8 byte order mark.
  size_t first = input.starts_with("\xEF\xBB\xBF") ? 3 : 0;
  while (first < input.size() && IsJsonSpace(input[first])) {
    ++first;
  }
  FUZZ_CHECK(first < input.size() && (input[first] == '[' || input[first] == '{'),
             "AddJson accepted a document that is neither an array nor an object");
  const bool is_array = input[first] == '[';
  FUZZ_CHECK(set.size() == 1 + CountTopLevelEntries(input),
             "AddJson added a different number of secrets than the document has entries");
  for (size_t i = 1; i < set.size(); ++i) {
    const Secret& s = set.secrets()[i];
    if (is_array) {
      FUZZ_CHECK(s.name.empty(), "an array element got a name");
      FUZZ_CHECK(s.source == std::string(kJsonSource) + "[" + std::to_string(i - 1) + "]",
                 "an array element's source is not SOURCE[index]");
    } else {
      FUZZ_CHECK(s.source == std::string(kJsonSource) + ":" + s.name,
                 "an object member's source is not SOURCE:name");
    }
  }
}

void CheckAddLines(std::string_view input) {
  SecretSet set;
  set.AddLines(input, kLinesSource);
  // A UTF-8 byte order mark at the start is not part of the first line.
  if (input.starts_with("\xEF\xBB\xBF")) {
    input.remove_prefix(3);
  }
  size_t index = 0;
  size_t line_number = 1;
  for (size_t start = 0; start < input.size(); ++line_number) {
    size_t end = input.find('\n', start);
    const size_t next = end == std::string_view::npos ? input.size() : end + 1;
    end = end == std::string_view::npos ? input.size() : end;
    std::string_view line = input.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (!line.empty()) {
      FUZZ_CHECK(index < set.size(), "AddLines dropped a non-empty line");
      const Secret& s = set.secrets()[index++];
      FUZZ_CHECK(s.value == line, "AddLines value is not the line without its line end");
      FUZZ_CHECK(s.source == std::string(kLinesSource) + ":" + std::to_string(line_number),
                 "AddLines source is not SOURCE:line");
    }
    start = next;
  }
  FUZZ_CHECK(index == set.size(), "AddLines added more secrets than there are non-empty lines");
}

void CheckParseVariantList(std::string_view input) {
  const Result<VariantMask> mask = ParseVariantList(input);
  if (mask.ok()) {
    FUZZ_CHECK(mask.value().Has(VariantKind::kRaw), "a parsed variant list lacks raw");
  } else {
    FUZZ_CHECK(!mask.status().message().empty(), "ParseVariantList error has no message");
  }
}

}  // namespace
}  // namespace scrubber::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  scrubber::fuzz::CheckAddJson(input);
  scrubber::fuzz::CheckAddLines(input);
  scrubber::fuzz::CheckParseVariantList(input);
  return 0;
}
