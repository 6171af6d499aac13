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

struct DatabaseDeleter {
  void operator()(hs_database_t* db) const { hs_free_database(db); }
};

class HyperscanScanner final : public LiteralScanner {
 public:
  HyperscanScanner(const LiteralTable* table, hs_stream_t* stream, hs_scratch_t* scratch)
      : table_(table), stream_(stream), scratch_(scratch) {}
  ~HyperscanScanner() override {
    // No end-of-data matches exist for plain literals: no callback needed.
    Hyperscan().close_stream(stream_, nullptr, nullptr, nullptr);
    hs_free_scratch(scratch_);
  }
  HyperscanScanner(const HyperscanScanner&) = delete;
  HyperscanScanner& operator=(const HyperscanScanner&) = delete;

  Status Scan(std::string_view window,
              uint64_t base,
              uint64_t fresh,
              std::vector<LiteralMatch>* out) override {
    std::string_view data = window.substr(fresh - base);
    if (data.empty()) {
      return Status::Ok();
    }
    if (!started_) {
      // Hyperscan counts offsets from the first byte it sees.
      started_ = true;
      origin_ = fresh;
    }
    Context ctx{table_, out, origin_};
    hs_error_t err = Hyperscan().scan_stream(
        stream_, data.data(), static_cast<unsigned>(data.size()), 0, scratch_, &OnMatch, &ctx);
    if (err != HS_SUCCESS) {
      return Internal("hyperscan: stream scan failed (error " + std::to_string(err) + ")");
    }
    return Status::Ok();
  }

 private:
  struct Context {
    const LiteralTable* table;
    std::vector<LiteralMatch>* out;
    uint64_t origin;
  };
  static int OnMatch(unsigned int id,
                     unsigned long long /*from*/,  // NOLINT(google-runtime-int)
                     unsigned long long to,
                     unsigned int /*flags*/,  // NOLINT(google-runtime-int)
                     void* context) {
    auto* ctx = static_cast<Context*>(context);
    uint64_t end = ctx->origin + to;
    ctx->out->push_back({end - ctx->table->length(id), end, id});
    return 0;
  }

  const LiteralTable* table_;
  hs_stream_t* stream_;
  hs_scratch_t* scratch_;
  bool started_ = false;
  uint64_t origin_ = 0;
};

class HyperscanLiteralMatcher final : public LiteralMatcher {
 public:
  HyperscanLiteralMatcher(const LiteralTable* table, hs_database_t* db) : table_(table), db_(db) {}

  Result<std::unique_ptr<LiteralScanner>> NewScanner() const override {
    hs_scratch_t* scratch = nullptr;
    if (hs_alloc_scratch(db_.get(), &scratch) != HS_SUCCESS) {
      return Internal("hyperscan: cannot allocate scratch space");
    }
    hs_stream_t* stream = nullptr;
    if (Hyperscan().open_stream(db_.get(), 0, &stream) != HS_SUCCESS) {
      hs_free_scratch(scratch);
      return Internal("hyperscan: cannot open a stream");
    }
    return std::unique_ptr<LiteralScanner>(new HyperscanScanner(table_, stream, scratch));
  }

 private:
  const LiteralTable* table_;
  std::unique_ptr<hs_database_t, DatabaseDeleter> db_;
};

}  // namespace

bool HyperscanUsable() {
  return Hyperscan().usable;
}

Result<std::unique_ptr<LiteralMatcher>> CompileHyperscanLiterals(const LiteralTable* table) {
  size_t n = table->size();
  std::vector<const char*> expressions(n);
  std::vector<size_t> lengths(n);
  std::vector<unsigned> ids(n);
  std::vector<unsigned> flags(n, 0);
  for (uint32_t id = 0; id < n; ++id) {
    expressions[id] = table->literal(id).data();
    lengths[id] = table->length(id);
    ids[id] = id;
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  hs_error_t err = hs_compile_lit_multi(expressions.data(), flags.data(), ids.data(),
                                        lengths.data(), static_cast<unsigned>(n), HS_MODE_STREAM,
                                        &Hyperscan().platform, &db, &error);
  if (err != HS_SUCCESS) {
    // The message names the problem; the literal is only referred to by index.
    std::string message = "hyperscan: cannot compile the literal set";
    if (error != nullptr) {
      message += ": ";
      message += error->message;
      hs_free_compile_error(error);
    }
    return Internal(message);
  }
  return std::unique_ptr<LiteralMatcher>(new HyperscanLiteralMatcher(table, db));
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
