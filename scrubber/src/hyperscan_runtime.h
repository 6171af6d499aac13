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

#include <string>

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
#endif

}  // namespace scrubber

#endif  // SCRUBBER_SRC_HYPERSCAN_RUNTIME_H_
