// Locating a JSON syntax error. simdjson's DOM parser, which our readers
// use, says what went wrong but not where; its On-Demand front end keeps a
// position. Walking the whole document with it stops at the first error,
// and current_location() then points at the token it could not take.
#include "scrubber/json_syntax.h"

#include <simdjson.h>

namespace scrubber {
namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;

// Deeper than simdjson's own limit (1024), which is hit first.
constexpr int kMaxDepth = 1100;

error_code Walk(od::value value, int depth);

error_code WalkObject(od::value value, int depth) {
  od::object object;
  if (error_code e = value.get_object().get(object)) {
    return e;
  }
  for (auto field : object) {
    std::string_view key;
    if (error_code e = field.unescaped_key().get(key)) {
      return e;
    }
    od::value child;
    if (error_code e = field.value().get(child)) {
      return e;
    }
    if (error_code e = Walk(child, depth + 1)) {
      return e;
    }
  }
  return simdjson::SUCCESS;
}

error_code WalkArray(od::value value, int depth) {
  od::array array;
  if (error_code e = value.get_array().get(array)) {
    return e;
  }
  for (auto element : array) {
    od::value child;
    if (error_code e = element.get(child)) {
      return e;
    }
    if (error_code e = Walk(child, depth + 1)) {
      return e;
    }
  }
  return simdjson::SUCCESS;
}

error_code Walk(od::value value, int depth) {
  if (depth > kMaxDepth) {
    return simdjson::DEPTH_ERROR;
  }
  od::json_type type{};
  if (error_code e = value.type().get(type)) {
    return e;
  }
  switch (type) {
    case od::json_type::object:
      return WalkObject(value, depth);
    case od::json_type::array:
      return WalkArray(value, depth);
    case od::json_type::string: {
      std::string_view s;
      return value.get_string().get(s);
    }
    case od::json_type::number: {
      od::number n;
      return value.get_number().get(n);
    }
    case od::json_type::boolean: {
      bool b = false;
      return value.get_bool().get(b);
    }
    case od::json_type::null: {
      bool null = false;
      if (error_code e = value.is_null().get(null)) {
        return e;
      }
      return null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
  }
  return simdjson::TAPE_ERROR;
}

std::string At(std::string_view text, size_t offset) {
  size_t line = 1;
  size_t column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line;
      column = 1;
    } else if ((c & 0xC0) != 0x80) {  // not a UTF-8 continuation byte
      ++column;
    }
  }
  return "not valid JSON at line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace

std::string JsonSyntaxError(std::string_view json) {
  const simdjson::padded_string padded(json);
  od::parser parser;
  od::document doc;
  if (error_code e = parser.iterate(padded).get(doc)) {
    switch (e) {
      case simdjson::UNCLOSED_STRING:
        return "not valid JSON: a string is never closed";
      case simdjson::UTF8_ERROR:
        return "not valid JSON: not UTF-8";
      case simdjson::EMPTY:
        return "not valid JSON: the document is empty";
      default:
        return "not valid JSON";
    }
  }
  od::value root;
  error_code e = doc.get_value().get(root);
  if (e == simdjson::SUCCESS) {
    e = Walk(root, 0);
  }
  const char* location = nullptr;
  if (doc.current_location().get(location) != simdjson::SUCCESS ||
      location >= padded.data() + json.size()) {
    // Past the last token: the document stopped before it was complete.
    return e == simdjson::SUCCESS ? "not valid JSON" : "not valid JSON: it ends too early";
  }
  // An error there, or a whole value followed by more (trailing content).
  return At(json, static_cast<size_t>(location - padded.data()));
}

}  // namespace scrubber
