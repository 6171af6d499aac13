// JSON Lines and SARIF for `scrub scan`, with nlohmann::ordered_json so that
// keys keep the documented order. Names may hold any bytes: invalid UTF-8 is
// replaced when dumping.
#include "scan_output.h"

#include <map>
#include <utility>

#include "scrubber_config.h"
#include <nlohmann/json.hpp>

namespace scrubber::tool {
namespace {

using Json = nlohmann::ordered_json;

std::string Dump(const Json& json, int indent = -1) {
  return json.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

class JsonLinesWriter final : public FindingWriter {
 public:
  explicit JsonLinesWriter(ByteSink* out) : out_(out) {}

  Status Add(std::string_view file, const ScanFinding& f) override {
    Json line = {
        {"file", file},
        {"line", f.begin.line},
        {"column", f.begin.column},
        {"rule", f.id},
        {"kind", f.rule ? "rule" : "secret"},
        {"length", f.end - f.start},
    };
    return out_->Write(Dump(line) + "\n");
  }

  Status Finish(bool /*complete*/) override { return Status::Ok(); }

 private:
  ByteSink* out_;
};

// A path as a SARIF artifact URI: relative paths stay relative, absolute
// ones become file:// URIs; bytes outside RFC 3986's unreserved set and '/'
// are percent-encoded.
std::string ArtifactUri(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string uri = !path.empty() && path.front() == '/' ? "file://" : "";
  for (char ch : path) {
    auto c = static_cast<unsigned char>(ch);
    bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
    if (plain) {
      uri += ch;
    } else {
      uri += '%';
      uri += kHex[c >> 4];
      uri += kHex[c & 15];
    }
  }
  return uri;
}

class SarifWriter final : public FindingWriter {
 public:
  SarifWriter(const RuleSet& rules, ByteSink* out) : out_(out) {
    for (const Rule& rule : rules.rules()) {
      Index(rule.id, rule.description.empty() ? rule.id : rule.description);
    }
  }

  Status Add(std::string_view file, const ScanFinding& f) override {
    size_t index = Index(f.id, "known secret");
    uint64_t length = f.end - f.start;
    Json region = {
        {"startLine", f.begin.line}, {"startColumn", f.begin.char_column},
        {"endLine", f.finish.line},  {"endColumn", f.finish.char_column},
        {"byteOffset", f.start},     {"byteLength", length},
    };
    Json location = {{"physicalLocation",
                      {{"artifactLocation", {{"uri", ArtifactUri(file)}}}, {"region", region}}}};
    results_.push_back({
        {"ruleId", f.id},
        {"ruleIndex", index},
        {"level", "error"},
        {"message", {{"text", f.id + ": " + std::to_string(length) + " bytes"}}},
        {"locations", Json::array({location})},
        {"properties", {{"kind", f.rule ? "rule" : "secret"}}},
    });
    return Status::Ok();
  }

  Status Finish(bool complete) override {
    Json driver = {
        {"name", "scrub"},
        {"version", SCRUBBER_VERSION},
        {"rules", rules_},
    };
    Json run = {
        {"tool", {{"driver", driver}}},
        {"invocations", Json::array({{{"executionSuccessful", complete}}})},
        {"columnKind", "unicodeCodePoints"},
        {"results", std::move(results_)},
    };
    Json log = {
        {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
        {"version", "2.1.0"},
        {"runs", Json::array({std::move(run)})},
    };
    return out_->Write(Dump(log, 2) + "\n");
  }

 private:
  // The index of `id` among the tool's rules, added on first sight.
  size_t Index(const std::string& id, const std::string& description) {
    auto [at, added] = index_.emplace(id, rules_.size());
    if (added) {
      rules_.push_back({{"id", id}, {"shortDescription", {{"text", description}}}});
    }
    return at->second;
  }

  ByteSink* out_;
  std::map<std::string, size_t> index_;
  Json rules_ = Json::array();
  Json results_ = Json::array();
};

}  // namespace

std::unique_ptr<FindingWriter> NewJsonLinesWriter(ByteSink* out) {
  return std::make_unique<JsonLinesWriter>(out);
}

std::unique_ptr<FindingWriter> NewSarifWriter(const RuleSet& rules, ByteSink* out) {
  return std::make_unique<SarifWriter>(rules, out);
}

}  // namespace scrubber::tool
