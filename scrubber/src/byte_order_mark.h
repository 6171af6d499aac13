// Input files written by Notepad or PowerShell 5 start with a UTF-8 byte
// order mark; it is not content. Shared by the secrets and rule file readers.
#ifndef SCRUBBER_SRC_BYTE_ORDER_MARK_H_
#define SCRUBBER_SRC_BYTE_ORDER_MARK_H_

#include <string_view>

namespace scrubber {

inline std::string_view WithoutByteOrderMark(std::string_view text) {
  constexpr std::string_view kBom = "\xef\xbb\xbf";
  return text.starts_with(kBom) ? text.substr(kBom.size()) : text;
}

}  // namespace scrubber

#endif  // SCRUBBER_SRC_BYTE_ORDER_MARK_H_
