// Property: the rule-file parser takes any bytes, and any rule it accepts
// streams exactly as the reference defines. The input goes to
// RuleSet::AddJson as it is:
//   on error  nothing is added and the message starts with the source name;
//   on success the set compiles on every engine, and each rule's examples
//             and counter-examples, and the whole input as a document,
//             scrub the same in one write, byte by byte, and in the
//             reference. Rules with a bound over 4 KiB are only compiled,
//             to keep each run fast.
#include <cstddef>
#include <cstdint>
#include <string>

#include "scrubber/reference_scrubber.h"
#include "scrubber/rule_set.h"

#include "fuzz_case.h"

namespace scrubber::fuzz {
namespace {

constexpr std::string_view kSource = "fuzz.json";
constexpr size_t kLargestChecked = 4096;

void CheckDocument(const std::shared_ptr<const Scrubber>& scrubber,
                   std::string_view doc,
                   std::string_view what) {
  const std::string want = ReferenceScrub(*scrubber, doc);
  FUZZ_CHECK(ScrubInChunks(scrubber, doc, {}) == want,
             std::string(what) + ": one write differs from ReferenceScrub");
  std::vector<size_t> every;
  for (size_t i = 1; i < doc.size(); ++i) {
    every.push_back(i);
  }
  FUZZ_CHECK(ScrubInChunks(scrubber, doc, every) == want,
             std::string(what) + ": byte-by-byte writes differ from ReferenceScrub");
}

}  // namespace
}  // namespace scrubber::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace scrubber;  // NOLINT(google-build-using-namespace)
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  RuleSet rules;
  const Status s = rules.AddJson(json, fuzz::kSource);
  if (!s.ok()) {
    FUZZ_CHECK(rules.empty(), "a failed AddJson added rules");
    FUZZ_CHECK(s.message().starts_with(std::string(fuzz::kSource) + ": "),
               "an AddJson error does not start with the source name");
    return 0;
  }
  bool small = true;
  for (const Rule& r : rules.rules()) {
    small = small && r.max_length <= fuzz::kLargestChecked;
  }
  for (Engine engine : {Engine::kRe2, Engine::kHyperscan}) {
    ScrubOptions options;
    options.engine = fuzz::UsableEngine(engine);
    options.background_compile = false;
    options.label = true;
    const auto scrubber = fuzz::MustCompile(SecretSet(), options, &rules);
    if (!small) {
      continue;
    }
    for (const Rule& r : rules.rules()) {
      for (const std::string& e : r.examples) {
        fuzz::CheckDocument(scrubber, e, "an example");
      }
      for (const std::string& e : r.counter_examples) {
        fuzz::CheckDocument(scrubber, e, "a counter-example");
      }
    }
    fuzz::CheckDocument(scrubber, json, "the rule file as a document");
  }
  return 0;
}
