// LineMap: turns offsets of one byte stream into lines and columns for
// `scrub scan`, in memory bounded by what later offsets can still need.
//
// Offsets arrive in no order, but never before the stream's settled point
// (StreamScrubber::settled()), so only the line starts from the line that
// holds that point onward are kept: a file of any size costs a few entries.
#ifndef SCRUBBER_TOOL_LINE_MAP_H_
#define SCRUBBER_TOOL_LINE_MAP_H_

#include <cstdint>
#include <deque>
#include <string_view>

namespace scrubber::tool {

struct TextPosition {
  uint64_t line = 1;         // 1-based; lines end at '\n'
  uint64_t column = 1;       // 1-based, in bytes
  uint64_t char_column = 1;  // 1-based, in UTF-8 code points (bytes not of the form 10xxxxxx)
};

class LineMap {
 public:
  // Takes the next bytes of the stream.
  void Append(std::string_view bytes);

  // Where the byte at `offset` is. REQUIRES: offset is at or after the last
  // Trim point and at most the number of bytes appended.
  TextPosition Locate(uint64_t offset) const;

  // Where a region [start, end) ends, as SARIF counts it: on the line of its
  // last byte, the column just past that byte. An empty region ends where
  // it starts. REQUIRES: as for Locate(start).
  TextPosition LocateEnd(uint64_t start, uint64_t end) const;

  // Forgets what only offsets before `settled` need.
  void Trim(uint64_t settled);

 private:
  struct LineStart {
    uint64_t offset;
    uint64_t line;
    uint64_t continuations_before;  // continuation bytes in [0, offset)
  };

  const LineStart& LineOf(uint64_t offset) const;
  uint64_t ContinuationsBefore(uint64_t offset) const;
  TextPosition Position(const LineStart& line, uint64_t offset) const;

  std::deque<LineStart> starts_{{0, 1, 0}};
  std::deque<uint64_t> continuations_;  // offsets of continuation bytes not yet trimmed
  uint64_t continuations_trimmed_ = 0;
  uint64_t continuations_seen_ = 0;
  uint64_t size_ = 0;
};

}  // namespace scrubber::tool

#endif  // SCRUBBER_TOOL_LINE_MAP_H_
