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

struct DatabaseDeleter {
  void operator()(hs_database_t* db) const { hs_free_database(db); }
};

class HyperscanKeywordScanner final : public KeywordScanner {
 public:
  HyperscanKeywordScanner(const std::vector<Keyword>* keywords,
                          hs_stream_t* stream,
                          hs_scratch_t* scratch)
      : keywords_(keywords), stream_(stream), scratch_(scratch) {}
  ~HyperscanKeywordScanner() override {
    Hyperscan().close_stream(stream_, nullptr, nullptr, nullptr);
    hs_free_scratch(scratch_);
  }
  HyperscanKeywordScanner(const HyperscanKeywordScanner&) = delete;
  HyperscanKeywordScanner& operator=(const HyperscanKeywordScanner&) = delete;

  Status Scan(std::string_view window,
              uint64_t base,
              uint64_t fresh,
              std::vector<KeywordHit>* out) override {
    std::string_view data = window.substr(fresh - base);
    if (data.empty()) {
      return Status::Ok();
    }
    if (!started_) {
      started_ = true;
      origin_ = fresh;
    }
    Context ctx{keywords_, out, origin_};
    hs_error_t err = Hyperscan().scan_stream(
        stream_, data.data(), static_cast<unsigned>(data.size()), 0, scratch_, &OnMatch, &ctx);
    if (err != HS_SUCCESS) {
      return Internal("hyperscan: keyword scan failed (error " + std::to_string(err) + ")");
    }
    return Status::Ok();
  }

 private:
  struct Context {
    const std::vector<Keyword>* keywords;
    std::vector<KeywordHit>* out;
    uint64_t origin;
  };
  static int OnMatch(unsigned int id,
                     unsigned long long /*from*/,  // NOLINT(google-runtime-int)
                     unsigned long long to,        // NOLINT(google-runtime-int)
                     unsigned int /*flags*/,
                     void* context) {
    auto* ctx = static_cast<Context*>(context);
    uint64_t end = ctx->origin + to;
    ctx->out->push_back({end - (*ctx->keywords)[id].text.size(), id});
    return 0;
  }

  const std::vector<Keyword>* keywords_;
  hs_stream_t* stream_;
  hs_scratch_t* scratch_;
  bool started_ = false;
  uint64_t origin_ = 0;
};

class HyperscanKeywordMatcher final : public KeywordMatcher {
 public:
  HyperscanKeywordMatcher(const std::vector<Keyword>* keywords, hs_database_t* db)
      : keywords_(keywords), db_(db) {}

  Result<std::unique_ptr<KeywordScanner>> NewScanner() const override {
    hs_scratch_t* scratch = nullptr;
    if (hs_alloc_scratch(db_.get(), &scratch) != HS_SUCCESS) {
      return Internal("hyperscan: cannot allocate scratch space");
    }
    hs_stream_t* stream = nullptr;
    if (Hyperscan().open_stream(db_.get(), 0, &stream) != HS_SUCCESS) {
      hs_free_scratch(scratch);
      return Internal("hyperscan: cannot open a stream");
    }
    return std::unique_ptr<KeywordScanner>(new HyperscanKeywordScanner(keywords_, stream, scratch));
  }

 private:
  const std::vector<Keyword>* keywords_;
  std::unique_ptr<hs_database_t, DatabaseDeleter> db_;
};

}  // namespace

Result<std::unique_ptr<KeywordMatcher>> CompileHyperscanKeywords(
    const std::vector<Keyword>* keywords) {
  if (!Hyperscan().usable) {
    return InvalidArgument(Hyperscan().note);
  }
  size_t n = keywords->size();
  std::vector<const char*> expressions(n);
  std::vector<size_t> lengths(n);
  std::vector<unsigned> ids(n);
  std::vector<unsigned> flags(n, 0);
  for (uint32_t id = 0; id < n; ++id) {
    const Keyword& k = (*keywords)[id];
    if (k.text.front() == '\0') {
      return Internal("hyperscan: a keyword starts with a NUL byte");
    }
    expressions[id] = k.text.data();
    lengths[id] = k.text.size();
    ids[id] = id;
    flags[id] = k.caseless ? HS_FLAG_CASELESS : 0;
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  hs_error_t err = hs_compile_lit_multi(expressions.data(), flags.data(), ids.data(),
                                        lengths.data(), static_cast<unsigned>(n), HS_MODE_STREAM,
                                        &Hyperscan().platform, &db, &error);
  if (err != HS_SUCCESS) {
    std::string message = "hyperscan: cannot compile the rule keywords";
    if (error != nullptr) {
      message += ": ";
      message += error->message;
      hs_free_compile_error(error);
    }
    return Internal(message);
  }
  return std::unique_ptr<KeywordMatcher>(new HyperscanKeywordMatcher(keywords, db));
}

#else

Result<std::unique_ptr<KeywordMatcher>> CompileHyperscanKeywords(
    const std::vector<Keyword>* /*keywords*/) {
  return InvalidArgument("this build of scrub has no Hyperscan engine; use --engine re2");
}

#endif

}  // namespace scrubber
