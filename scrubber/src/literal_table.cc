// LiteralTable: arena storage, deduplication and the prefix query behind
// exact hold-back (see literal_table.h).
#include "literal_table.h"

#include <algorithm>
#include <bit>

namespace scrubber {

void LiteralTable::Add(std::string_view bytes, uint32_t label) {
  if (bytes.empty()) {
    return;
  }
  pending_.push_back({std::string(bytes), label, static_cast<uint32_t>(pending_.size())});
}

void LiteralTable::Finalize() {
  std::vector<uint32_t> order(pending_.size());
  for (uint32_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  std::sort(order.begin(), order.end(), [this](uint32_t a, uint32_t b) {
    int c = pending_[a].bytes.compare(pending_[b].bytes);
    return c != 0 ? c < 0 : pending_[a].order < pending_[b].order;
  });
  added_to_id_.assign(pending_.size(), 0);
  offsets_.clear();
  offsets_.push_back(0);
  size_t total = 0;
  for (const Pending& p : pending_) {
    total += p.bytes.size();
  }
  arena_.reserve(total);
  const std::string* previous = nullptr;
  for (uint32_t index : order) {
    const Pending& p = pending_[index];
    if (previous == nullptr || *previous != p.bytes) {
      arena_ += p.bytes;
      offsets_.push_back(static_cast<uint32_t>(arena_.size()));
      labels_.push_back(p.label);
      previous = &p.bytes;
    }
    added_to_id_[index] = static_cast<uint32_t>(labels_.size() - 1);
  }
  max_length_ = 0;
  for (uint32_t id = 0; id < size(); ++id) {
    max_length_ = std::max<size_t>(max_length_, length(id));
  }
  // About 16 filter bits per literal keeps false positives near 6%.
  filter_bits_ = std::clamp<uint32_t>(std::bit_width(size() * 16), 12, 26);
  filter_.assign((size_t{1} << filter_bits_) / 64, 0);
  for (uint32_t id = 0; id < size(); ++id) {
    if (length(id) >= 4) {
      uint32_t h = Fingerprint4(literal(id).data(), filter_bits_);
      filter_[h >> 6] |= uint64_t{1} << (h & 63);
    }
  }
  pending_.clear();
  pending_.shrink_to_fit();
}

bool LiteralTable::IsProperPrefix(std::string_view candidate) const {
  // Ids are bytewise ranks: the first literal not less than `candidate` is
  // the only place a literal that extends it can start.
  uint32_t lo = 0;
  auto hi = static_cast<uint32_t>(size());
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (literal(mid) < candidate) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo < size() && literal(lo) == candidate) {
    ++lo;
  }
  return lo < size() && literal(lo).starts_with(candidate);
}

// LIMITATION(periodic-secret-hold-time): each candidate length costs a
// binary search of its own; a huge one-byte-periodic secret makes that slow.
size_t LiteralTable::LongestHeldSuffix(std::string_view window) const {
  if (max_length_ < 2) {
    return 0;
  }
  size_t longest = std::min(window.size(), max_length_ - 1);
  const char* end = window.data() + window.size();
  for (size_t len = longest; len > 0; --len) {
    const char* start = end - len;
    if (len >= 4 && !First4MayStart(start)) {
      continue;
    }
    if (IsProperPrefix({start, len})) {
      return len;
    }
  }
  return 0;
}

}  // namespace scrubber
