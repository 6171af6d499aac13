// LiteralTable: the distinct literals a Scrubber looks for (secrets and their
// variants), each with a label, stored in one arena and sorted bytewise so
// that a literal's id is its rank. The sorted order answers the hold-back
// question of the stream: how long is the longest suffix of what was read
// that is still a proper prefix of some literal?
#ifndef SCRUBBER_SRC_LITERAL_TABLE_H_
#define SCRUBBER_SRC_LITERAL_TABLE_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace scrubber {

// Hash of 4 bytes to `bits` bits: the fingerprint shared by the hash index
// and the prefix filter.
inline uint32_t Fingerprint4(const char* p, uint32_t bits) {
  uint32_t k = 0;
  std::memcpy(&k, p, 4);
  return (k * 0x9E3779B1U) >> (32 - bits);
}

class LiteralTable {
 public:
  // Adds a literal (non-empty) with its label. Before Finalize only.
  void Add(std::string_view bytes, uint32_t label);

  // Sorts, removes duplicates (the label added first wins) and builds the
  // prefix filter. Ids are ranks in bytewise order from here on.
  void Finalize();

  size_t size() const { return offsets_.empty() ? 0 : offsets_.size() - 1; }
  bool empty() const { return size() == 0; }
  std::string_view literal(uint32_t id) const {
    return {arena_.data() + offsets_[id], offsets_[id + 1] - offsets_[id]};
  }
  uint32_t length(uint32_t id) const { return offsets_[id + 1] - offsets_[id]; }
  uint32_t label(uint32_t id) const { return labels_[id]; }
  size_t max_length() const { return max_length_; }
  // The id given to the literal added `n`-th (0-based) before Finalize.
  uint32_t IdOfAdded(size_t n) const { return added_to_id_[n]; }

  // Length of the longest suffix of `window` that is a proper prefix of
  // some literal (0 if none). Looks at most max_length() - 1 bytes back.
  size_t LongestHeldSuffix(std::string_view window) const;

 private:
  bool IsProperPrefix(std::string_view candidate) const;
  bool First4MayStart(const char* p) const {
    uint32_t h = Fingerprint4(p, filter_bits_);
    return (filter_[h >> 6] >> (h & 63)) & 1U;
  }

  struct Pending {
    std::string bytes;
    uint32_t label;
    uint32_t order;
  };
  std::vector<Pending> pending_;

  std::string arena_;
  std::vector<uint32_t> offsets_;  // size()+1 entries
  std::vector<uint32_t> labels_;
  std::vector<uint32_t> added_to_id_;
  size_t max_length_ = 0;
  uint32_t filter_bits_ = 12;
  std::vector<uint64_t> filter_;  // first 4 bytes of literals of length >= 4
};

}  // namespace scrubber

#endif  // SCRUBBER_SRC_LITERAL_TABLE_H_
