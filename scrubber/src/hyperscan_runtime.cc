// The Hyperscan self-test and the choice of scanners (hyperscan_runtime.h).
#include "hyperscan_runtime.h"

#if SCRUBBER_HAVE_HYPERSCAN

#include <dlfcn.h>

#include <array>
#include <string_view>

namespace scrubber {
namespace {

int CountMatch(unsigned /*id*/,
               unsigned long long /*from*/,  // NOLINT(google-runtime-int)
               unsigned long long /*to*/,    // NOLINT(google-runtime-int)
               unsigned /*flags*/,
               void* context) {
  ++*static_cast<int*>(context);
  return 0;
}

// Literal sets that Vectorscan 5.4.9's AVX-512 scanners get wrong, each
// found at every offset from 60 to 130 in streaming mode.
bool PassesSelfTest(const HyperscanRuntime& rt) {
  constexpr std::array<std::array<std::string_view, 2>, 3> kSets = {{
      {"oab", "obc"},
      {"password", "pwd"},
      {"pa", "pb"},
  }};
  for (const auto& set : kSets) {
    std::array<const char*, 2> expressions = {set[0].data(), set[1].data()};
    std::array<size_t, 2> lengths = {set[0].size(), set[1].size()};
    std::array<unsigned, 2> ids = {0, 1};
    std::array<unsigned, 2> flags = {0, 0};
    hs_database_t* db = nullptr;
    hs_compile_error_t* error = nullptr;
    if (hs_compile_lit_multi(expressions.data(), flags.data(), ids.data(), lengths.data(), 2,
                             HS_MODE_STREAM, &rt.platform, &db, &error) != HS_SUCCESS) {
      hs_free_compile_error(error);
      return false;
    }
    hs_scratch_t* scratch = nullptr;
    bool ok = hs_alloc_scratch(db, &scratch) == HS_SUCCESS;
    for (size_t pad = 60; ok && pad <= 130; ++pad) {
      for (std::string_view literal : set) {
        std::string text(pad, 'x');
        text.append(literal);
        text.append("=z");
        int matches = 0;
        hs_stream_t* stream = nullptr;
        ok = rt.open_stream(db, 0, &stream) == HS_SUCCESS &&
             rt.scan_stream(stream, text.data(), static_cast<unsigned>(text.size()), 0, scratch,
                            &CountMatch, &matches) == HS_SUCCESS &&
             rt.close_stream(stream, scratch, &CountMatch, &matches) == HS_SUCCESS && matches == 1;
        if (!ok) {
          break;
        }
      }
    }
    hs_free_scratch(scratch);
    hs_free_database(db);
    if (!ok) {
      return false;
    }
  }
  return true;
}

template <typename F>
F Symbol(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_DEFAULT, name));
}

// "5.4.9" of hs_version()'s "5.4.9 2023-...".
std::string Version() {
  std::string v = hs_version();
  return v.substr(0, v.find(' '));
}

HyperscanRuntime Choose() {
  HyperscanRuntime rt;
  if (hs_valid_platform() != HS_SUCCESS || hs_populate_platform(&rt.platform) != HS_SUCCESS) {
    rt.note = "Hyperscan cannot run on this CPU";
    return rt;
  }
  rt.open_stream = &hs_open_stream;
  rt.scan_stream = &hs_scan_stream;
  rt.close_stream = &hs_close_stream;
  if (PassesSelfTest(rt)) {
    rt.usable = true;
    return rt;
  }
  HyperscanRuntime avx2 = rt;
  avx2.platform.cpu_features = HS_CPU_FEATURES_AVX2;
  avx2.open_stream = Symbol<decltype(&hs_open_stream)>("avx2_hs_open_stream");
  avx2.scan_stream = Symbol<decltype(&hs_scan_stream)>("avx2_hs_scan_stream");
  avx2.close_stream = Symbol<decltype(&hs_close_stream)>("avx2_hs_close_stream");
  if (avx2.open_stream != nullptr && avx2.scan_stream != nullptr && avx2.close_stream != nullptr &&
      PassesSelfTest(avx2)) {
    avx2.usable = true;
    avx2.note = "Hyperscan " + Version() +
                " loses matches in its AVX-512 scanners on this CPU; its AVX2 scanners are used";
    return avx2;
  }
  rt.note = "Hyperscan " + Version() + " fails its self-test on this CPU and is not used";
  return rt;
}

}  // namespace

Result<HyperscanDatabase> CompileLiteralDatabase(const std::vector<std::string_view>& literals,
                                                 const std::vector<unsigned>& flags,
                                                 std::string_view what) {
  size_t n = literals.size();
  std::vector<const char*> expressions(n);
  std::vector<size_t> lengths(n);
  std::vector<unsigned> ids(n);
  for (size_t i = 0; i < n; ++i) {
    expressions[i] = literals[i].data();
    lengths[i] = literals[i].size();
    ids[i] = static_cast<unsigned>(i);
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  hs_error_t err = hs_compile_lit_multi(expressions.data(), flags.data(), ids.data(),
                                        lengths.data(), static_cast<unsigned>(n), HS_MODE_STREAM,
                                        &Hyperscan().platform, &db, &error);
  if (err != HS_SUCCESS) {
    std::string message = "hyperscan: cannot compile " + std::string(what);
    if (error != nullptr) {
      message += ": ";
      message += error->message;
      hs_free_compile_error(error);
    }
    return Internal(message);
  }
  return HyperscanDatabase(db);
}

Result<std::unique_ptr<HyperscanStream>> HyperscanStream::Open(const hs_database_t* db) {
  hs_scratch_t* scratch = nullptr;
  if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) {
    return Internal("hyperscan: cannot allocate scratch space");
  }
  hs_stream_t* stream = nullptr;
  if (Hyperscan().open_stream(db, 0, &stream) != HS_SUCCESS) {
    hs_free_scratch(scratch);
    return Internal("hyperscan: cannot open a stream");
  }
  return std::unique_ptr<HyperscanStream>(new HyperscanStream(stream, scratch));
}

HyperscanStream::~HyperscanStream() {
  // No end-of-data matches exist for plain literals: no callback needed.
  Hyperscan().close_stream(stream_, nullptr, nullptr, nullptr);
  hs_free_scratch(scratch_);
}

const HyperscanRuntime& Hyperscan() {
  static const HyperscanRuntime runtime = Choose();
  return runtime;
}

}  // namespace scrubber

#endif
