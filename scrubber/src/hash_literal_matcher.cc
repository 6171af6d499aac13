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
  Status Scan(std::string_view window, uint64_t base, uint64_t fresh,
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
  // 16 bitmap bits and 2 buckets per literal.
  bits_ = std::clamp<uint32_t>(std::bit_width(n * 16), 12, 26);
  bitmap_.assign((size_t{1} << bits_) / 64, 0);
  size_t buckets = size_t{1} << (bits_ - 3);
  bucket_start_.assign(buckets + 1, 0);
  std::vector<uint32_t> short_count(256, 0);
  for (uint32_t id = 0; id < n; ++id) {
    std::string_view lit = table->literal(id);
    if (lit.size() >= 4) {
      uint32_t h = Fingerprint4(lit.data(), bits_);
      bitmap_[h >> 6] |= uint64_t{1} << (h & 63);
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
  return bitmap_.capacity() * 8 + bucket_start_.capacity() * 4 + entries_.capacity() * 8 +
         short_ids_.capacity() * 4;
}

void HashLiteralMatcher::CheckBucket(const char* p, size_t avail, uint32_t h, uint64_t offset,
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

void HashLiteralMatcher::CheckShort(const char* p, size_t avail, uint64_t offset,
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

void HashLiteralMatcher::FindAll(std::string_view window, size_t from, uint64_t base,
                                 std::vector<LiteralMatch>* out) const {
  const char* data = window.data();
  size_t n = window.size();
  bool have_short = !short_ids_.empty();
  size_t p = from;
  if (!have_short && n >= 4) {
    // Hot loop: four positions per iteration, fingerprints only.
    for (; p + 7 <= n; p += 4) {
      uint32_t h0 = Fingerprint4(data + p, bits_);
      uint32_t h1 = Fingerprint4(data + p + 1, bits_);
      uint32_t h2 = Fingerprint4(data + p + 2, bits_);
      uint32_t h3 = Fingerprint4(data + p + 3, bits_);
      if (!(MayStart(h0) | MayStart(h1) | MayStart(h2) | MayStart(h3))) {
        continue;
      }
      for (uint32_t k = 0; k < 4; ++k) {
        uint32_t h = Fingerprint4(data + p + k, bits_);
        if (MayStart(h)) {
          CheckBucket(data + p + k, n - p - k, h, base + p + k, out);
        }
      }
    }
  }
  for (; p < n; ++p) {
    if (p + 4 <= n) {
      uint32_t h = Fingerprint4(data + p, bits_);
      if (MayStart(h)) {
        CheckBucket(data + p, n - p, h, base + p, out);
      }
    }
    if (have_short) {
      CheckShort(data + p, n - p, base + p, out);
    }
  }
}

}  // namespace scrubber
