// HashLiteralMatcher: the portable literal engine (no Hyperscan).
//
// The idea: if every literal is at least L bytes long, any occurrence of
// one covers S = L - 3 consecutive positions at which a 4-byte window lies
// wholly inside it. So the scan needs to look only at every S-th position
// of the text, provided each literal is indexed by the fingerprints of its
// 4-byte windows at offsets 0 .. S-1. A probe is a load, a multiply and a
// bit test; a hit (a few percent of probes) yields candidate starts
// (position minus offset) that memcmp confirms. With secrets of 20 bytes or
// more, S is 16 and the scan touches one position in sixteen.
//
// Literals under 4 bytes (only with --min-secret-length below 4) go through
// a first-byte table at every position. Building is linear in the literals,
// so this engine also serves sets too large to compile quickly with
// Hyperscan and the ::add-mask:: values added mid-stream.
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

  // Appends every occurrence of a literal that starts in `window` and ends
  // within it; offsets are `base` + position.
  void FindAll(std::string_view window, uint64_t base, std::vector<LiteralMatch>* out) const;

  // Positions between probes (S above); 0 when no literal has 4 bytes.
  uint32_t stride() const { return stride_; }

 private:
  static constexpr uint32_t kOffsetBits = 5;  // offsets within a literal < 32
  struct Entry {
    uint32_t key;            // the 4 bytes of the window
    uint32_t id_and_offset;  // literal id << kOffsetBits | window offset
  };
  void CheckBucket(std::string_view window,
                   size_t p,
                   uint32_t h,
                   uint64_t base,
                   std::vector<LiteralMatch>* out) const;
  void CheckShort(const char* p,
                  size_t avail,
                  uint64_t offset,
                  std::vector<LiteralMatch>* out) const;

  const LiteralTable* table_;
  uint32_t stride_ = 0;
  uint32_t bits_ = 12;
  uint32_t bucket_shift_ = 3;
  std::vector<uint64_t> filter_;        // bit set where some window's fingerprint lands
  std::vector<uint32_t> bucket_start_;  // CSR over buckets h >> bucket_shift_
  std::vector<Entry> entries_;
  std::array<uint32_t, 257> short_start_{};  // CSR over the first byte
  std::vector<uint32_t> short_ids_;
};

}  // namespace scrubber

#endif  // SCRUBBER_SRC_HASH_LITERAL_MATCHER_H_
