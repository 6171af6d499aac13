// HashLiteralMatcher: see the header for the idea. The scan loop is the hot
// path of the portable engine: one unaligned load, a multiply and a bit
// test per byte; everything else happens only on a fingerprint hit.
#include "hash_literal_matcher.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace scrubber {
namespace {

class HashScanner final : public LiteralScanner {
 public:
  explicit HashScanner(const HashLiteralMatcher* matcher) : matcher_(matcher) {}
  Status Scan(std::string_view window,
              uint64_t base,
              uint64_t fresh,
              std::vector<LiteralMatch>* out) override {
    (void)fresh;  // stateless: the window always starts where a match may start
    matcher_->FindAll(window, 0, base, out);
    return Status::Ok();
  }

 private:
  const HashLiteralMatcher* matcher_;
};

}  // namespace

HashLiteralMatcher::HashLiteralMatcher(const LiteralTable* table) : table_(table) {
  size_t n = table->size();
  // About 32 one-byte slots per literal (3% of slots set) and 4 buckets
  // per literal; at most 4 MiB of slots.
  bits_ = std::clamp<uint32_t>(std::bit_width(n * 32), 12, 22);
  slots_.assign(size_t{1} << bits_, 0);
  size_t buckets = size_t{1} << (bits_ - 3);
  bucket_start_.assign(buckets + 1, 0);
  std::vector<uint32_t> short_count(256, 0);
  for (uint32_t id = 0; id < n; ++id) {
    std::string_view lit = table->literal(id);
    if (lit.size() >= 4) {
      uint32_t h = Fingerprint4(lit.data(), bits_);
      slots_[h] = 1;
      ++bucket_start_[(h >> 3) + 1];
    } else {
      ++short_count[static_cast<unsigned char>(lit[0])];
    }
  }
  for (size_t b = 0; b < buckets; ++b) {
    bucket_start_[b + 1] += bucket_start_[b];
  }
  entries_.resize(bucket_start_[buckets]);
  std::vector<uint32_t> fill(bucket_start_.begin(), bucket_start_.end() - 1);
  for (size_t c = 0; c < 256; ++c) {
    short_start_[c + 1] = short_start_[c] + short_count[c];
  }
  short_ids_.resize(short_start_[256]);
  std::array<uint32_t, 256> short_fill{};
  std::copy(short_start_.begin(), short_start_.end() - 1, short_fill.begin());
  for (uint32_t id = 0; id < n; ++id) {
    std::string_view lit = table->literal(id);
    if (lit.size() >= 4) {
      uint32_t h = Fingerprint4(lit.data(), bits_);
      uint32_t key = 0;
      std::memcpy(&key, lit.data(), 4);
      entries_[fill[h >> 3]++] = {key, id};
    } else {
      short_ids_[short_fill[static_cast<unsigned char>(lit[0])]++] = id;
    }
  }
}

Result<std::unique_ptr<LiteralScanner>> HashLiteralMatcher::NewScanner() const {
  return std::unique_ptr<LiteralScanner>(new HashScanner(this));
}

size_t HashLiteralMatcher::MemoryBytes() const {
  return slots_.capacity() + bucket_start_.capacity() * 4 + entries_.capacity() * 8 +
         short_ids_.capacity() * 4;
}

void HashLiteralMatcher::CheckBucket(const char* p,
                                     size_t avail,
                                     uint32_t h,
                                     uint64_t offset,
                                     std::vector<LiteralMatch>* out) const {
  uint32_t key = 0;
  std::memcpy(&key, p, 4);
  uint32_t bucket = h >> 3;
  for (uint32_t e = bucket_start_[bucket]; e < bucket_start_[bucket + 1]; ++e) {
    if (entries_[e].key != key) {
      continue;
    }
    uint32_t id = entries_[e].id;
    uint32_t len = table_->length(id);
    if (len <= avail && std::memcmp(p + 4, table_->literal(id).data() + 4, len - 4) == 0) {
      out->push_back({offset, offset + len, id});
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
                                 size_t from,
                                 uint64_t base,
                                 std::vector<LiteralMatch>* out) const {
  const char* data = window.data();
  size_t n = window.size();
  const uint8_t* map = slots_.data();
  const uint32_t bits = bits_;
  size_t p = from;
  if (short_ids_.empty()) {
    // LIMITATION(hash-engine-throughput): every position is probed; sampling
    // every k-th position with k fingerprints per literal would skip most.
    // Hot loop: one load, multiply and byte test per position; a hit (a few
    // percent of positions) goes to the bucket.
    for (; p + 4 <= n; ++p) {
      uint32_t h = Fingerprint4(data + p, bits);
      if (map[h] != 0) [[unlikely]] {
        CheckBucket(data + p, n - p, h, base + p, out);
      }
    }
    return;
  }
  for (; p < n; ++p) {
    if (p + 4 <= n) {
      uint32_t h = Fingerprint4(data + p, bits);
      if (map[h] != 0) {
        CheckBucket(data + p, n - p, h, base + p, out);
      }
    }
    CheckShort(data + p, n - p, base + p, out);
  }
}

}  // namespace scrubber
