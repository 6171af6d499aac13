// AddMaskFilter: the ::add-mask::VALUE convention of GitHub Actions. It sits
// in front of the matcher: ordinary bytes pass through; a line that starts
// with the prefix is swallowed and its value handed back to be masked from
// then on. Bytes at a line start are held only while they could still be
// the beginning of the prefix.
#ifndef SCRUBBER_SRC_ADD_MASK_H_
#define SCRUBBER_SRC_ADD_MASK_H_

#include <string>
#include <string_view>

#include "scrubber/status.h"

namespace scrubber {

inline constexpr std::string_view kAddMaskPrefix = "::add-mask::";
// Bytes of a value kept; the rest of a longer command line is dropped.
inline constexpr size_t kMaxAddMaskValue = 64 * 1024;

// The value of a command line: the raw bytes after the prefix (without the
// '\n', at most kMaxAddMaskValue of them), trimmed of spaces, tabs and CR,
// with %25, %0D and %0A unescaped.
std::string DecodeAddMaskValue(std::string_view raw);

// LIMITATION(add-mask-scope): a value masks what follows it in this stream
// only, from the first kMaxAddMaskValue bytes of its line.
class AddMaskFilter {
 public:
  class Output {
   public:
    virtual ~Output() = default;
    virtual Status Pass(std::string_view bytes) = 0;
    virtual Status AddMask(std::string_view value) = 0;  // decoded
  };

  Status Feed(std::string_view data, Output* out);
  // Passes a held partial prefix on as ordinary bytes.
  Status Flush(Output* out);
  // End of input: a command line without its '\n' still counts.
  Status Finish(Output* out);

  size_t held() const { return matched_; }

 private:
  Status EndCommand(Output* out);

  bool line_start_ = true;
  bool in_command_ = false;
  size_t matched_ = 0;  // bytes of the prefix seen at this line start
  std::string value_;
};

}  // namespace scrubber

#endif  // SCRUBBER_SRC_ADD_MASK_H_
