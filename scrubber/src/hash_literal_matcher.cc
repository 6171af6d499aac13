// HashLiteralMatcher: see the header for the idea. The scan loop is the hot
// path of the portable engine; everything but the probe happens on a hit.
#include "hash_literal_matcher.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace scrubber {
namespace {

// Offsets 0 .. kMaxStride-1 are indexed: more would grow the table for
// little gain.
constexpr uint32_t kMaxStride = 16;

class HashScanner final : public LiteralScanner {
 public:
  explicit HashScanner(const HashLiteralMatcher* matcher) : matcher_(matcher) {}
  Status Scan(std::string_view window,
              uint64_t base,
              uint64_t /*fresh*/,
              std::vector<LiteralMatch>* out) override {
    // Stateless: the window always starts where a match may start.
    matcher_->FindAll(window, base, out);
    return Status::Ok();
  }

 private:
  const HashLiteralMatcher* matcher_;
};

}  // namespace

HashLiteralMatcher::HashLiteralMatcher(const LiteralTable* table) : table_(table) {
  size_t n = table->size();
  size_t min_long = SIZE_MAX;
  for (uint32_t id = 0; id < n; ++id) {
    if (table->length(id) >= 4) {
      min_long = std::min<size_t>(min_long, table->length(id));
    }
  }
  stride_ = min_long == SIZE_MAX ? 0 : std::min<uint32_t>(min_long - 3, kMaxStride);
  size_t windows = 0;
  for (uint32_t id = 0; id < n; ++id) {
    windows += table->length(id) >= 4 ? stride_ : 0;
  }
  // About 16 filter bits per window (6% set) and one to four windows per
  // bucket; the filter stays within 8 MiB.
  bits_ = std::clamp<uint32_t>(std::bit_width(windows * 16), 12, 26);
  filter_.assign((size_t{1} << bits_) / 64, 0);
  bucket_shift_ = bits_ - std::clamp<uint32_t>(std::bit_width(windows) - 1, 8, bits_);
  size_t buckets = size_t{1} << (bits_ - bucket_shift_);
  bucket_start_.assign(buckets + 1, 0);
  std::array<uint32_t, 256> short_count{};
  for (uint32_t id = 0; id < n; ++id) {
    std::string_view lit = table->literal(id);
    if (lit.size() < 4) {
      ++short_count[static_cast<unsigned char>(lit[0])];
      continue;
    }
    for (uint32_t j = 0; j < stride_; ++j) {
      uint32_t h = Fingerprint4(lit.data() + j, bits_);
      filter_[h >> 6] |= uint64_t{1} << (h & 63);
      ++bucket_start_[(h >> bucket_shift_) + 1];
    }
  }
  for (size_t b = 0; b < buckets; ++b) {
    bucket_start_[b + 1] += bucket_start_[b];
  }
  entries_.resize(bucket_start_[buckets]);
  for (size_t c = 0; c < 256; ++c) {
    short_start_[c + 1] = short_start_[c] + short_count[c];
  }
  short_ids_.resize(short_start_[256]);
  std::array<uint32_t, 256> short_fill{};
  std::copy(short_start_.begin(), short_start_.end() - 1, short_fill.begin());
  for (uint32_t id = 0; id < n; ++id) {
    std::string_view lit = table->literal(id);
    if (lit.size() < 4) {
      short_ids_[short_fill[static_cast<unsigned char>(lit[0])]++] = id;
      continue;
    }
    for (uint32_t j = 0; j < stride_; ++j) {
      uint32_t h = Fingerprint4(lit.data() + j, bits_);
      uint32_t key = 0;
      std::memcpy(&key, lit.data() + j, 4);
      // bucket_start_[b] serves as bucket b's cursor, ending at b+1's start.
      entries_[bucket_start_[h >> bucket_shift_]++] = {key, (id << kOffsetBits) | j};
    }
  }
  std::copy_backward(bucket_start_.begin(), bucket_start_.end() - 1, bucket_start_.end());
  bucket_start_[0] = 0;
}

Result<std::unique_ptr<LiteralScanner>> HashLiteralMatcher::NewScanner() const {
  return std::unique_ptr<LiteralScanner>(new HashScanner(this));
}

void HashLiteralMatcher::CheckBucket(std::string_view window,
                                     size_t p,
                                     uint32_t h,
                                     uint64_t base,
                                     std::vector<LiteralMatch>* out) const {
  uint32_t key = 0;
  std::memcpy(&key, window.data() + p, 4);
  uint32_t bucket = h >> bucket_shift_;
  for (uint32_t e = bucket_start_[bucket]; e < bucket_start_[bucket + 1]; ++e) {
    if (entries_[e].key != key) {
      continue;
    }
    uint32_t id = entries_[e].id_and_offset >> kOffsetBits;
    uint32_t offset = entries_[e].id_and_offset & ((1U << kOffsetBits) - 1);
    if (offset > p) {
      continue;  // would start before the window
    }
    size_t start = p - offset;
    std::string_view lit = table_->literal(id);
    if (lit.size() <= window.size() - start &&
        std::memcmp(window.data() + start, lit.data(), lit.size()) == 0) {
      out->push_back({base + start, base + start + lit.size(), id});
    }
  }
}

void HashLiteralMatcher::CheckShort(const char* p,
                                    size_t avail,
                                    uint64_t offset,
                                    std::vector<LiteralMatch>* out) const {
  auto c = static_cast<unsigned char>(*p);
  for (uint32_t i = short_start_[c]; i < short_start_[c + 1]; ++i) {
    uint32_t id = short_ids_[i];
    uint32_t len = table_->length(id);
    if (len <= avail && std::memcmp(p, table_->literal(id).data(), len) == 0) {
      out->push_back({offset, offset + len, id});
    }
  }
}

void HashLiteralMatcher::FindAll(std::string_view window,
                                 uint64_t base,
                                 std::vector<LiteralMatch>* out) const {
  const char* data = window.data();
  size_t n = window.size();
  if (stride_ > 0 && n >= 4) {
    // Every run of `stride_` window starts holds one probe: positions
    // stride-1, 2*stride-1, ... up to the last 4-byte window.
    // LIMITATION(hash-engine-throughput): short literals make the stride short.
    const uint64_t* filter = filter_.data();
    const uint32_t bits = bits_;
    for (size_t p = stride_ - 1; p + 4 <= n; p += stride_) {
      uint32_t h = Fingerprint4(data + p, bits);
      if ((filter[h >> 6] >> (h & 63)) & 1U) [[unlikely]] {
        CheckBucket(window, p, h, base, out);
      }
    }
  }
  if (!short_ids_.empty()) {
    for (size_t p = 0; p < n; ++p) {
      CheckShort(data + p, n - p, base + p, out);
    }
  }
}

}  // namespace scrubber
