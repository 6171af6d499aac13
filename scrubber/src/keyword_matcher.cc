// The two keyword engines. The portable one keeps a 64 Kibit table of the
// (case-folded) byte pairs that begin some keyword and, per pair, the
// keywords that begin with it; a scan folds each pair of bytes, tests one
// bit, and compares only the few keywords that share the pair. The Hyperscan
// one compiles the keywords as literals (caseless where the rule is) in
// streaming mode, so it carries a keyword cut by a Write across by itself.
#include "keyword_matcher.h"

#include <algorithm>
#include <cstring>

#include "hyperscan_runtime.h"
#include "scrubber_config.h"

namespace scrubber {

bool KeywordAt(const Keyword& keyword, std::string_view text) {
  if (text.size() < keyword.text.size()) {
    return false;
  }
  if (!keyword.caseless) {
    return text.compare(0, keyword.text.size(), keyword.text) == 0;
  }
  for (size_t i = 0; i < keyword.text.size(); ++i) {
    if (FoldByte(static_cast<unsigned char>(text[i])) !=
        static_cast<unsigned char>(keyword.text[i])) {
      return false;
    }
  }
  return true;
}

namespace {

class PortableMatcher;

class PortableScanner final : public KeywordScanner {
 public:
  explicit PortableScanner(const PortableMatcher* m) : m_(m) {}
  Status Scan(std::string_view window,
              uint64_t base,
              uint64_t fresh,
              std::vector<KeywordHit>* out) override;

 private:
  const PortableMatcher* m_;
};

// Keywords by a hash of their first three folded bytes (two-byte keywords
// by their pair): a bit per hash value says whether any keyword starts so,
// and a bucket lists them. Most text positions cost one hash and one bit.
class PortableMatcher final : public KeywordMatcher {
 public:
  explicit PortableMatcher(const std::vector<Keyword>* keywords) : keywords_(keywords) {
    for (int c = 0; c < 256; ++c) {
      fold_[c] = FoldByte(static_cast<unsigned char>(c));
    }
    std::vector<std::pair<uint32_t, uint32_t>> by_pair;
    std::vector<std::pair<uint32_t, uint32_t>> by_triple;
    for (uint32_t i = 0; i < keywords->size(); ++i) {
      const auto* t = reinterpret_cast<const unsigned char*>((*keywords)[i].text.data());
      size_t n = (*keywords)[i].text.size();
      longest_ = std::max(longest_, n);
      if (n == 2) {
        by_pair.emplace_back(Pair(t), i);
      } else {
        by_triple.emplace_back(Triple(t), i);
      }
    }
    Build(by_pair, &pairs_);
    Build(by_triple, &triples_);
  }

  Result<std::unique_ptr<KeywordScanner>> NewScanner() const override {
    return std::unique_ptr<KeywordScanner>(new PortableScanner(this));
  }

  void Scan(std::string_view window,
            uint64_t base,
            uint64_t fresh,
            std::vector<KeywordHit>* out) const {
    if (window.size() < 2 || longest_ == 0) {
      return;
    }
    uint64_t from = fresh >= base + longest_ - 1 ? fresh - longest_ + 1 : base;
    const auto* data = reinterpret_cast<const unsigned char*>(window.data());
    const size_t size = window.size();
    const bool any_pairs = !pairs_.ids.empty();
    size_t i = from - base;
    // Eight bytes at a time, case-folded in a register, give six triples;
    // the scalar loop below takes the rest.
    for (; i + 8 <= size; i += 6) {
      uint64_t w = 0;
      std::memcpy(&w, data + i, 8);
      w = FoldAscii(w);
      for (int j = 0; j < 6; ++j) {
        const auto bytes = static_cast<uint32_t>(w >> (8 * j));
        uint32_t h = Mix(bytes & 0xFFFFFFu);
        if (triples_.Has(h)) [[unlikely]] {
          Check(triples_, h, window, base, i + j, fresh, out);
        }
        if (any_pairs) {
          uint32_t pair = (bytes & 0xFF) << 8 | (bytes >> 8 & 0xFF);
          if (pairs_.Has(pair)) [[unlikely]] {
            Check(pairs_, pair, window, base, i + j, fresh, out);
          }
        }
      }
    }
    for (; i + 1 < size; ++i) {
      if (i + 2 < size) {
        uint32_t h = Triple(data + i);
        if (triples_.Has(h)) {
          Check(triples_, h, window, base, i, fresh, out);
        }
      }
      if (any_pairs) {
        uint32_t h = Pair(data + i);
        if (pairs_.Has(h)) {
          Check(pairs_, h, window, base, i, fresh, out);
        }
      }
    }
  }

 private:
  static constexpr int kHashBits = 16;

  struct Table {
    std::vector<uint64_t> bits;
    std::vector<uint32_t> offsets;  // by hash, into ids
    std::vector<uint32_t> ids;
    bool Has(uint32_t h) const { return (bits[h >> 6] >> (h & 63) & 1) != 0; }
  };

  uint32_t Pair(const unsigned char* p) const { return uint32_t{fold_[p[0]]} << 8 | fold_[p[1]]; }
  uint32_t Triple(const unsigned char* p) const {
    return Mix(uint32_t{fold_[p[0]]} | uint32_t{fold_[p[1]]} << 8 | uint32_t{fold_[p[2]]} << 16);
  }
  static uint32_t Mix(uint32_t v) { return (v * 0x9E3779B1u) >> (32 - kHashBits); }

  // ASCII upper case to lower case in each byte of a little-endian word,
  // as FoldByte does; bytes 0x80 and up are left alone.
  static uint64_t FoldAscii(uint64_t w) {
    constexpr uint64_t kOnes = 0x0101010101010101ULL;
    const uint64_t low7 = w & (0x7F * kOnes);
    const uint64_t ge_a = low7 + (0x80 - 'A') * kOnes;      // high bit: >= 'A'
    const uint64_t gt_z = low7 + (0x80 - 'Z' - 1) * kOnes;  // high bit: > 'Z'
    const uint64_t upper = ge_a & ~gt_z & ~w & (0x80 * kOnes);
    return w | (upper >> 2);
  }

  static void Build(std::vector<std::pair<uint32_t, uint32_t>>& entries, Table* t) {
    std::sort(entries.begin(), entries.end());
    t->bits.assign((size_t{1} << kHashBits) / 64, 0);
    t->offsets.assign((size_t{1} << kHashBits) + 1, 0);
    for (const auto& [h, id] : entries) {
      t->bits[h >> 6] |= uint64_t{1} << (h & 63);
      ++t->offsets[h + 1];
      t->ids.push_back(id);
    }
    for (size_t i = 1; i < t->offsets.size(); ++i) {
      t->offsets[i] += t->offsets[i - 1];
    }
  }

  void Check(const Table& t,
             uint32_t h,
             std::string_view window,
             uint64_t base,
             size_t i,
             uint64_t fresh,
             std::vector<KeywordHit>* out) const {
    for (uint32_t j = t.offsets[h]; j < t.offsets[h + 1]; ++j) {
      const Keyword& k = (*keywords_)[t.ids[j]];
      if (base + i + k.text.size() > fresh && KeywordAt(k, window.substr(i))) {
        out->push_back({base + i, t.ids[j]});
      }
    }
  }

  const std::vector<Keyword>* keywords_;
  std::array<unsigned char, 256> fold_{};
  Table pairs_;
  Table triples_;
  size_t longest_ = 0;
};

Status PortableScanner::Scan(std::string_view window,
                             uint64_t base,
                             uint64_t fresh,
                             std::vector<KeywordHit>* out) {
  m_->Scan(window, base, fresh, out);
  return Status::Ok();
}

}  // namespace

std::unique_ptr<KeywordMatcher> NewPortableKeywordMatcher(const std::vector<Keyword>* keywords) {
  return std::make_unique<PortableMatcher>(keywords);
}

#if SCRUBBER_HAVE_HYPERSCAN
namespace {

class HyperscanKeywordScanner final : public KeywordScanner {
 public:
  HyperscanKeywordScanner(const std::vector<Keyword>* keywords,
                          std::unique_ptr<HyperscanStream> stream)
      : keywords_(keywords), stream_(std::move(stream)) {}

  Status Scan(std::string_view window,
              uint64_t base,
              uint64_t fresh,
              std::vector<KeywordHit>* out) override {
    return stream_->Scan(window, base, fresh, [&](unsigned id, uint64_t end) {
      out->push_back({end - (*keywords_)[id].text.size(), id});
    });
  }

 private:
  const std::vector<Keyword>* keywords_;
  std::unique_ptr<HyperscanStream> stream_;
};

class HyperscanKeywordMatcher final : public KeywordMatcher {
 public:
  HyperscanKeywordMatcher(const std::vector<Keyword>* keywords, HyperscanDatabase db)
      : keywords_(keywords), db_(std::move(db)) {}

  Result<std::unique_ptr<KeywordScanner>> NewScanner() const override {
    auto stream = HyperscanStream::Open(db_.get());
    if (!stream.ok()) {
      return stream.status();
    }
    return std::unique_ptr<KeywordScanner>(
        new HyperscanKeywordScanner(keywords_, std::move(*stream)));
  }

 private:
  const std::vector<Keyword>* keywords_;
  HyperscanDatabase db_;
};

}  // namespace

Result<std::unique_ptr<KeywordMatcher>> CompileHyperscanKeywords(
    const std::vector<Keyword>* keywords) {
  if (!Hyperscan().usable) {
    return InvalidArgument(Hyperscan().note);
  }
  std::vector<std::string_view> texts;
  std::vector<unsigned> flags;
  for (const Keyword& k : *keywords) {
    if (k.text.front() == '\0') {
      return Internal("hyperscan: a keyword starts with a NUL byte");
    }
    texts.push_back(k.text);
    flags.push_back(k.caseless ? HS_FLAG_CASELESS : 0);
  }
  auto db = CompileLiteralDatabase(texts, flags, "the rule keywords");
  if (!db.ok()) {
    return db.status();
  }
  return std::unique_ptr<KeywordMatcher>(new HyperscanKeywordMatcher(keywords, std::move(*db)));
}

#else

Result<std::unique_ptr<KeywordMatcher>> CompileHyperscanKeywords(
    const std::vector<Keyword>* /*keywords*/) {
  return InvalidArgument("this build of scrub has no Hyperscan engine; use --engine re2");
}

#endif

}  // namespace scrubber
