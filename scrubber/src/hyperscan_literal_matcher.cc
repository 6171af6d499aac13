// Hyperscan streaming engine for literals. Each scanner owns a stream and
// a scratch; the database is shared read-only.
#include "hyperscan_literal_matcher.h"

#include <string>
#include <vector>

#include "hyperscan_runtime.h"
#include "scrubber_config.h"

namespace scrubber {

#if SCRUBBER_HAVE_HYPERSCAN
namespace {

class HyperscanScanner final : public LiteralScanner {
 public:
  HyperscanScanner(const LiteralTable* table, std::unique_ptr<HyperscanStream> stream)
      : table_(table), stream_(std::move(stream)) {}

  Status Scan(std::string_view window,
              uint64_t base,
              uint64_t fresh,
              std::vector<LiteralMatch>* out) override {
    return stream_->Scan(window, base, fresh, [&](unsigned id, uint64_t end) {
      out->push_back({end - table_->length(id), end, id});
    });
  }

 private:
  const LiteralTable* table_;
  std::unique_ptr<HyperscanStream> stream_;
};

class HyperscanLiteralMatcher final : public LiteralMatcher {
 public:
  HyperscanLiteralMatcher(const LiteralTable* table, HyperscanDatabase db)
      : table_(table), db_(std::move(db)) {}

  Result<std::unique_ptr<LiteralScanner>> NewScanner() const override {
    auto stream = HyperscanStream::Open(db_.get());
    if (!stream.ok()) {
      return stream.status();
    }
    return std::unique_ptr<LiteralScanner>(new HyperscanScanner(table_, std::move(*stream)));
  }

 private:
  const LiteralTable* table_;
  HyperscanDatabase db_;
};

}  // namespace

bool HyperscanUsable() {
  return Hyperscan().usable;
}

Result<std::unique_ptr<LiteralMatcher>> CompileHyperscanLiterals(const LiteralTable* table) {
  std::vector<std::string_view> literals;
  for (uint32_t id = 0; id < table->size(); ++id) {
    literals.push_back(table->literal(id));
  }
  auto db = CompileLiteralDatabase(literals, std::vector<unsigned>(literals.size(), 0),
                                   "the literal set");
  if (!db.ok()) {
    return db.status();
  }
  return std::unique_ptr<LiteralMatcher>(new HyperscanLiteralMatcher(table, std::move(*db)));
}

#else  // !SCRUBBER_HAVE_HYPERSCAN

bool HyperscanUsable() {
  return false;
}

Result<std::unique_ptr<LiteralMatcher>> CompileHyperscanLiterals(const LiteralTable* /*table*/) {
  return InvalidArgument("this build of scrub has no Hyperscan engine; use --engine re2");
}

#endif

}  // namespace scrubber
