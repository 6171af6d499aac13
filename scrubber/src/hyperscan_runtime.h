// HyperscanRuntime: the Hyperscan entry points this process scans with,
// chosen once by a self-test. Debian 12 ships Vectorscan 5.4.9, whose
// AVX-512 scanners lose matches (two literals sharing a first byte, found
// past offset 64, are never reported; fixed upstream in 5.4.13). On a CPU
// with AVX-512 the library dispatches to those scanners by itself, so the
// self-test scans a few inputs that trip that bug; when it fails, databases
// are compiled for AVX2 and scanned through the library's AVX2 entry points
// (exported by its multi-CPU build), which the self-test must then pass. If
// nothing passes, Hyperscan is not used at all: a missed match is a leak.
// LIMITATION(vectorscan-avx512): a defect the self-test does not trip would
// still lose matches.
#ifndef SCRUBBER_SRC_HYPERSCAN_RUNTIME_H_
#define SCRUBBER_SRC_HYPERSCAN_RUNTIME_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scrubber/status.h"

#include "scrubber_config.h"

#if SCRUBBER_HAVE_HYPERSCAN
#include <hs/hs.h>
#endif

namespace scrubber {

#if SCRUBBER_HAVE_HYPERSCAN
struct HyperscanRuntime {
  bool usable = false;
  hs_platform_info_t platform{};  // what databases are compiled for
  decltype(&hs_open_stream) open_stream = nullptr;
  decltype(&hs_scan_stream) scan_stream = nullptr;
  decltype(&hs_close_stream) close_stream = nullptr;
  std::string note;  // which scanners are used and why; empty for the default
};

// The runtime, self-tested on first use. Thread-safe.
const HyperscanRuntime& Hyperscan();

struct HyperscanDatabaseDeleter {
  void operator()(hs_database_t* db) const { hs_free_database(db); }
};
using HyperscanDatabase = std::unique_ptr<hs_database_t, HyperscanDatabaseDeleter>;

// Compiles literals (ids are their indices; flags 0 or HS_FLAG_CASELESS)
// into a streaming database for the runtime's platform. Errors name `what`
// and what Hyperscan said, never a literal.
Result<HyperscanDatabase> CompileLiteralDatabase(const std::vector<std::string_view>& literals,
                                                 const std::vector<unsigned>& flags,
                                                 std::string_view what);

// One stream over a database, with its scratch space. Not thread-safe.
class HyperscanStream {
 public:
  static Result<std::unique_ptr<HyperscanStream>> Open(const hs_database_t* db);
  ~HyperscanStream();
  HyperscanStream(const HyperscanStream&) = delete;
  HyperscanStream& operator=(const HyperscanStream&) = delete;

  // Scans the bytes of `window` (stream offsets [base, ...)) from `fresh`
  // on, which follow what earlier calls scanned; calls on_match(id, end)
  // with the stream offset where each match ends. The first call may
  // start midway through a stream: offsets count from its `fresh`.
  template <typename F>
  Status Scan(std::string_view window, uint64_t base, uint64_t fresh, F&& on_match) {
    std::string_view data = window.substr(fresh - base);
    if (data.empty()) {
      return Status::Ok();
    }
    if (!started_) {
      started_ = true;
      origin_ = fresh;
    }
    struct Context {
      F* on_match;
      uint64_t origin;
    } context{&on_match, origin_};
    auto trampoline = [](unsigned int id, unsigned long long /*from*/,   // NOLINT
                         unsigned long long to, unsigned int /*flags*/,  // NOLINT
                         void* c) -> int {
      auto* ctx = static_cast<Context*>(c);
      (*ctx->on_match)(id, ctx->origin + to);
      return 0;
    };
    hs_error_t err =
        Hyperscan().scan_stream(stream_, data.data(), static_cast<unsigned>(data.size()), 0,
                                scratch_, trampoline, &context);
    if (err != HS_SUCCESS) {
      return Internal("hyperscan: stream scan failed (error " + std::to_string(err) + ")");
    }
    return Status::Ok();
  }

 private:
  HyperscanStream(hs_stream_t* stream, hs_scratch_t* scratch)
      : stream_(stream), scratch_(scratch) {}
  hs_stream_t* stream_;
  hs_scratch_t* scratch_;
  bool started_ = false;
  uint64_t origin_ = 0;
};
#endif

}  // namespace scrubber

#endif  // SCRUBBER_SRC_HYPERSCAN_RUNTIME_H_
