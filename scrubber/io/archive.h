// Archive scrubbing: zstd streams (libzstd) and tar, tar.gz, tar.zst and zip
// containers (libarchive), written back in the same format. Member contents
// and names go through the scrubber; members that are archives themselves
// are scrubbed recursively. The output is a temporary file beside OUT,
// renamed into place only when everything succeeded.
#ifndef SCRUBBER_IO_ARCHIVE_H_
#define SCRUBBER_IO_ARCHIVE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scrubber/scrubber.h"
#include "scrubber/status.h"
#include "scrubber/stream_scrubber.h"

namespace scrubber::io {

enum class ArchiveKind { kZstd, kTar, kTarGz, kTarZst, kZip };

// The kind a file name ends in (.zst, .tar, .tar.gz or .tgz, .tar.zst, .zip);
// nothing for any other name.
std::optional<ArchiveKind> ArchiveKindOf(std::string_view name);
// What a file's first bytes (262 are enough) say it is when that is
// compressed data or an archive ("gzip", "xz", "zip", "tar", ...); empty for
// anything else. For callers about to scrub bytes as a text stream, which
// would pass such content through unread.
std::string CompressedOrArchiveFormat(std::string_view head);

inline bool IsContainer(ArchiveKind kind) {
  return kind != ArchiveKind::kZstd;
}

// Guards against decompression bombs; hitting one is an error.
struct ArchiveLimits {
  uint64_t max_output_bytes = uint64_t{64} << 30;  // decompressed bytes, all members
  double max_ratio = 1000;  // decompressed / compressed, checked past the first MiB
  uint64_t max_members = 100000;
  int max_depth = 3;  // archives inside archives
};

struct MemberReport {
  std::string name;  // as written: scrubbed
  ScrubStats stats;
};

struct ArchiveReport {
  std::vector<MemberReport> members;
  ScrubStats total;
};

struct ArchiveJob {
  std::string in_path;
  std::string out_path;
  // Scrubs a plain zstd stream's content.
  std::shared_ptr<const Scrubber> stream_scrubber;
  // Scrubs member contents and names: must preserve length, so that sizes
  // in headers hold, and must not honour ::add-mask::.
  std::shared_ptr<const Scrubber> member_scrubber;
  // Values masked (with their variants) everywhere above, as
  // StreamScrubber::AddMask does: those a job registered at run time.
  std::vector<std::string> masks;
  ArchiveLimits limits;
  // Called now and then with input bytes consumed and the input's size.
  std::function<void(uint64_t done, uint64_t total)> progress;
};

// Errors name IN, the member (scrubbed) and the problem; OUT is then left
// as it was.
Status ScrubArchive(const ArchiveJob& job, ArchiveReport* report);

}  // namespace scrubber::io

#endif  // SCRUBBER_IO_ARCHIVE_H_
