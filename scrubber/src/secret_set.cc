// SecretSet and the parsers for the secret sources of DESIGN §3: a file with
// one secret per line, a JSON array or object, and the process environment.
// Messages name the source and the problem, never a value.

#include "scrubber/secret_set.h"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "scrubber/json_syntax.h"

#include "byte_order_mark.h"

namespace scrubber {
namespace {

// "a number", "an object", ...: for messages about a JSON element's type.
std::string_view DescribeJsonType(simdjson::dom::element_type type) {
  switch (type) {
    case simdjson::dom::element_type::ARRAY:
      return "an array";
    case simdjson::dom::element_type::OBJECT:
      return "an object";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
      return "a number";
    case simdjson::dom::element_type::STRING:
      return "a string";
    case simdjson::dom::element_type::BOOL:
      return "a boolean";
    case simdjson::dom::element_type::NULL_VALUE:
      return "null";
  }
  return "an unknown value";
}

Status JsonError(std::string_view source, std::string_view problem) {
  return InvalidInput(std::string(source) + ": " + std::string(problem));
}

Status ParseJsonArray(simdjson::dom::array array,
                      std::string_view source,
                      std::vector<Secret>* out) {
  size_t index = 0;
  for (const simdjson::dom::element element : array) {
    std::string_view value;
    if (element.get_string().get(value) != simdjson::SUCCESS) {
      return JsonError(source, "element " + std::to_string(index) + " is " +
                                   std::string(DescribeJsonType(element.type())) +
                                   ", expected a string");
    }
    out->push_back(
        {std::string(value), "", std::string(source) + "[" + std::to_string(index) + "]"});
    ++index;
  }
  return Status::Ok();
}

Status ParseJsonObject(simdjson::dom::object object,
                       std::string_view source,
                       std::vector<Secret>* out) {
  for (const simdjson::dom::key_value_pair field : object) {
    std::string_view value;
    if (field.value.get_string().get(value) != simdjson::SUCCESS) {
      return JsonError(source, "the value of '" + std::string(field.key) + "' is " +
                                   std::string(DescribeJsonType(field.value.type())) +
                                   ", expected a string");
    }
    out->push_back({std::string(value), std::string(field.key),
                    std::string(source) + ":" + std::string(field.key)});
  }
  return Status::Ok();
}

}  // namespace

void SecretSet::Add(std::string value, std::string name, std::string source) {
  secrets_.push_back({std::move(value), std::move(name), std::move(source)});
}

void SecretSet::AddLines(std::string_view content, std::string_view source) {
  content = WithoutByteOrderMark(content);
  size_t start = 0;
  size_t line_number = 1;
  while (start < content.size()) {
    const size_t newline = content.find('\n', start);
    std::string_view line = content.substr(start, newline - start);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (!line.empty()) {
      Add(std::string(line), "", std::string(source) + ":" + std::to_string(line_number));
    }
    if (newline == std::string_view::npos) {
      break;
    }
    start = newline + 1;
    ++line_number;
  }
}

Status SecretSet::AddJson(std::string_view json, std::string_view source) {
  json = WithoutByteOrderMark(json);
  // Parse and check the whole document before adding anything, so that a
  // malformed document adds no secret at all.
  const simdjson::padded_string padded(json.data(), json.size());
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (const simdjson::error_code error = parser.parse(padded).get(root);
      error != simdjson::SUCCESS) {
    // simdjson's own messages may name a byte of the input: a position, no
    // more.
    return JsonError(source, JsonSyntaxError(json));
  }
  std::vector<Secret> parsed;
  Status status;
  switch (root.type()) {
    case simdjson::dom::element_type::ARRAY:
      status = ParseJsonArray(root.get_array().value_unsafe(), source, &parsed);
      break;
    case simdjson::dom::element_type::OBJECT:
      status = ParseJsonObject(root.get_object().value_unsafe(), source, &parsed);
      break;
    default:
      status = JsonError(source, "the document is " + std::string(DescribeJsonType(root.type())) +
                                     ", expected an array of strings or an object of name to "
                                     "string");
      break;
  }
  if (!status.ok()) {
    return status;
  }
  for (Secret& secret : parsed) {
    secrets_.push_back(std::move(secret));
  }
  return Status::Ok();
}

void SecretSet::AddFromEnvironment(
    const std::vector<std::pair<std::string, std::string>>& environment) {
  for (const auto& [name, value] : environment) {
    if (!value.empty() && LooksLikeSecretName(name)) {
      Add(value, name, "env:" + name);
    }
  }
}

bool LooksLikeSecretName(std::string_view name) {
  constexpr std::array<std::string_view, 8> kMarkers = {
      "TOKEN", "SECRET", "PASSWORD", "PASSWD", "PRIVATE_KEY", "ACCESS_KEY", "API_KEY", "CREDENTIAL",
  };
  std::string upper(name);
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');  // ASCII only, whatever the locale
    }
  }
  return std::ranges::any_of(
      kMarkers, [&](std::string_view marker) { return upper.find(marker) != std::string::npos; });
}

}  // namespace scrubber
