// What is wrong with a document that does not parse as JSON, for error
// messages: where it goes wrong (line and column), or that it ends early, or
// that a string is never closed. Never a byte of the document itself: a
// secrets file or a vault must not leak through its own error message.
#ifndef SCRUBBER_JSON_SYNTAX_H_
#define SCRUBBER_JSON_SYNTAX_H_

#include <string>
#include <string_view>

namespace scrubber {

// "not valid JSON at line 3, column 7", "not valid JSON: it ends too early",
// ... or plain "not valid JSON" when simdjson cannot tell where. Lines and
// columns count from 1, columns in characters (UTF-8 sequences count once).
// REQUIRES: `json` failed to parse (a valid document gives a vague answer).
std::string JsonSyntaxError(std::string_view json);

}  // namespace scrubber

#endif  // SCRUBBER_JSON_SYNTAX_H_
