// HashLiteralMatcher: the portable literal engine (no Hyperscan). Every
// literal of 4 bytes or more is keyed by a fingerprint of its first 4 bytes;
// the scan probes a byte map of fingerprints at each position and verifies
// the few candidates that pass with memcmp. Literals under 4 bytes (only
// with --min-secret-length below 4) go through a first-byte table. Building
// it is linear in the literals, so it also serves sets too large to compile
// quickly with Hyperscan and the ::add-mask:: values added mid-stream.
#ifndef SCRUBBER_SRC_HASH_LITERAL_MATCHER_H_
#define SCRUBBER_SRC_HASH_LITERAL_MATCHER_H_

#include <array>
#include <cstdint>
#include <vector>

#include "literal_matcher.h"
#include "literal_table.h"

namespace scrubber {

class HashLiteralMatcher final : public LiteralMatcher {
 public:
  // `table` must be finalized and outlive the matcher and its scanners.
  explicit HashLiteralMatcher(const LiteralTable* table);

  Result<std::unique_ptr<LiteralScanner>> NewScanner() const override;
  size_t MemoryBytes() const override;

  // Appends every occurrence of a literal that starts in `window` at or
  // after `from` and ends within it; offsets are `base` + position.
  void FindAll(std::string_view window,
               size_t from,
               uint64_t base,
               std::vector<LiteralMatch>* out) const;

 private:
  struct Entry {
    uint32_t key;  // the literal's first 4 bytes
    uint32_t id;
  };
  void CheckBucket(const char* p,
                   size_t avail,
                   uint32_t h,
                   uint64_t offset,
                   std::vector<LiteralMatch>* out) const;
  void CheckShort(const char* p,
                  size_t avail,
                  uint64_t offset,
                  std::vector<LiteralMatch>* out) const;

  const LiteralTable* table_;
  uint32_t bits_ = 12;
  std::vector<uint8_t> slots_;          // nonzero where some literal's fingerprint lands
  std::vector<uint32_t> bucket_start_;  // CSR over buckets h >> 3
  std::vector<Entry> entries_;
  std::array<uint32_t, 257> short_start_{};  // CSR over the first byte
  std::vector<uint32_t> short_ids_;
};

}  // namespace scrubber

#endif  // SCRUBBER_SRC_HASH_LITERAL_MATCHER_H_
