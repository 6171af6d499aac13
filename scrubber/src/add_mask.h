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

// The command, matched without regard to case after up to
// kMaxAddMaskIndent spaces or tabs, as the GitHub Actions runner does; the
// runner's legacy form has the same length.
inline constexpr std::string_view kAddMaskPrefix = "::add-mask::";
inline constexpr std::string_view kLegacyAddMaskPrefix = "##[add-mask]";
inline constexpr size_t kMaxAddMaskIndent = 64;
// Bytes of a value kept; the rest of a longer command line is dropped.
inline constexpr size_t kMaxAddMaskValue = 64 * 1024;

// The value of a command line: the raw bytes after the prefix (without the
// '\n', at most kMaxAddMaskValue of them), trimmed of spaces, tabs and CR,
// with %25, %0D and %0A unescaped.
std::string DecodeAddMaskValue(std::string_view raw);

// The length of a line's command prefix (indent included), or 0 when the
// line is no command. The whole-input form of what AddMaskFilter does.
size_t CommandPrefixLength(std::string_view line);

// True when a line starting with `c` may be a command.
bool MayStartCommand(char c);

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

  size_t held() const { return held_.size(); }

 private:
  Status EndCommand(Output* out);
  // Takes the next byte of a line start; false when the line is no command.
  bool Extend(char c);
  void ResetLineStart();

  bool line_start_ = true;
  bool in_command_ = false;
  std::string held_;       // the line start so far: indent, then part of a prefix
  size_t prefix_len_ = 0;  // bytes of a prefix in held_
  bool modern_ = true;     // held_ may still begin ::add-mask::
  bool legacy_ = true;     // or ##[add-mask]
  std::string value_;
};

}  // namespace scrubber

#endif  // SCRUBBER_SRC_ADD_MASK_H_
