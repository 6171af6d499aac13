// LineMap: two deques trimmed from the front as the settled point moves on,
// the line starts and the offsets of UTF-8 continuation bytes (for the code
// point columns SARIF uses); each line start carries the count of
// continuation bytes before it, so trimmed ones need only a counter.
#include "line_map.h"

#include <algorithm>

namespace scrubber::tool {

void LineMap::Append(std::string_view bytes) {
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto c = static_cast<unsigned char>(bytes[i]);
    if (c == '\n') {
      starts_.push_back({size_ + i + 1, starts_.back().line + 1, continuations_seen_});
    } else if ((c & 0xC0) == 0x80) {
      continuations_.push_back(size_ + i);
      ++continuations_seen_;
    }
  }
  size_ += bytes.size();
}

const LineMap::LineStart& LineMap::LineOf(uint64_t offset) const {
  auto after = std::upper_bound(starts_.begin(), starts_.end(), offset,
                                [](uint64_t o, const LineStart& s) { return o < s.offset; });
  // An offset before the first kept line start breaks the REQUIRES; the
  // first kept line is the least wrong answer.
  return after == starts_.begin() ? starts_.front() : *(after - 1);
}

uint64_t LineMap::ContinuationsBefore(uint64_t offset) const {
  auto at = std::lower_bound(continuations_.begin(), continuations_.end(), offset);
  return continuations_trimmed_ + static_cast<uint64_t>(at - continuations_.begin());
}

TextPosition LineMap::Position(const LineStart& line, uint64_t offset) const {
  uint64_t bytes = offset >= line.offset ? offset - line.offset : 0;
  uint64_t continuations = ContinuationsBefore(offset) - line.continuations_before;
  return {line.line, bytes + 1, bytes - std::min(bytes, continuations) + 1};
}

TextPosition LineMap::Locate(uint64_t offset) const {
  return Position(LineOf(offset), offset);
}

TextPosition LineMap::LocateEnd(uint64_t start, uint64_t end) const {
  if (end <= start) {
    return Locate(start);
  }
  return Position(LineOf(end - 1), end);
}

void LineMap::Trim(uint64_t settled) {
  while (starts_.size() >= 2 && starts_[1].offset <= settled) {
    starts_.pop_front();
  }
  while (!continuations_.empty() && continuations_.front() < settled) {
    continuations_.pop_front();
    ++continuations_trimmed_;
  }
}

}  // namespace scrubber::tool
