// Property: archive input never leaks and never leaves a half-written OUT.
// The input is written to a file IN, named by its first byte, and given to
// io::ScrubArchive with two fixed secrets and small bomb limits. Then:
//   - on error, OUT is as it was (absent, or the old OUT left there), and
//     the message holds no secret;
//   - on success, OUT exists and reads back whole, with libarchive and
//     libzstd, down through every nested archive the scrubber promises to
//     scrub (named .zst, .tar, .tar.gz, .tgz, .tar.zst or .zip, or a member
//     starting with a zip or ustar header);
//   - no secret's raw bytes occur in any regular member's content or name,
//     in a zstd payload, or in a member name of the report;
//   - no member that is not such an archive holds compressed data (gzip,
//     zstd, bzip2, xz, 7-Zip, RAR), and no zstd payload holds compressed
//     data or a zip or tar: their secrets would pass through, so they must
//     fail closed;
//   - the report lists as many members as the output holds;
//   - either way no temporary file is left beside OUT.
// Link targets and owner names pass unchanged by design
// (KNOWN_LIMITS.md, archive-symlink-targets) and are not checked.
//
// Input layout:
//   byte  bits 0-2 the name of IN (modulo 5): in.tar, in.tar.gz,
//         in.tar.zst, in.zip, in.zst; bit 7 an old OUT exists beforehand
//   the rest: IN's bytes.
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <clocale>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <zstd.h>

#include "scrubber/io/archive.h"

#include "fuzz_case.h"

namespace scrubber::fuzz {
namespace {

// Made-up values: neither contains '*', the mask inside containers.
constexpr std::array<std::string_view, 2> kSecrets = {
    "ghp_FuzzT0ken9Qk2Lm7Xw4Rt8",
    "hunter2-Db-Pa55word!",
};
constexpr std::array<std::string_view, 5> kNames = {"in.tar", "in.tar.gz", "in.tar.zst", "in.zip",
                                                    "in.zst"};
constexpr std::string_view kOldOut = "an older OUT, to be kept on error\n";

constexpr uint64_t kMaxOutputBytes = uint64_t{2} << 20;
constexpr uint64_t kMaxMembers = 256;
constexpr int kMaxDepth = 3;
// What the check may decompress in all: the output cannot hold much more
// than the input was allowed to expand to.
constexpr uint64_t kCheckBudget = 4 * kMaxOutputBytes + (uint64_t{1} << 20);

struct Setup {
  std::string dir;
  std::shared_ptr<const Scrubber> stream_scrubber;
  std::shared_ptr<const Scrubber> member_scrubber;
  bool verbose = false;  // ARCHIVE_FUZZ_VERBOSE set: print each run's outcome
};

std::string TempBase() {
  if (const char* env = std::getenv("FUZZ_TMPDIR"); env != nullptr && *env != '\0') {
    return env;
  }
  // tmpfs when there is one: ScrubArchive fsyncs OUT on every success.
  if (::access("/dev/shm", W_OK) == 0) {
    return "/dev/shm";
  }
  const char* tmp = std::getenv("TMPDIR");
  return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

const Setup& GetSetup() {
  static const Setup* setup = [] {
    // As `scrub archive` does: libarchive converts member names through
    // the locale's character set.
    if (std::setlocale(LC_CTYPE, "C.UTF-8") == nullptr) {
      (void)std::setlocale(LC_CTYPE, "");
    }
    auto* s = new Setup;
    std::string pattern = TempBase() + "/archive_input_fuzzer-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::perror("archive_input_fuzzer: mkdtemp");
      std::abort();
    }
    s->dir = pattern;
    s->verbose = std::getenv("ARCHIVE_FUZZ_VERBOSE") != nullptr;
    SecretSet secrets;
    for (size_t i = 0; i < kSecrets.size(); ++i) {
      secrets.Add(std::string(kSecrets[i]), "s" + std::to_string(i), "fuzz");
    }
    ScrubOptions options;  // as `scrub archive` builds its two scrubbers
    options.add_mask_commands = false;
    options.background_compile = false;
    auto stream = Scrubber::Compile(secrets, options);
    FUZZ_CHECK(stream.ok(), "Scrubber::Compile failed: " + stream.status().message());
    s->stream_scrubber = stream.value();
    options.preserve_length = true;
    auto member = Scrubber::Compile(secrets, options);
    FUZZ_CHECK(member.ok(), "Scrubber::Compile failed: " + member.status().message());
    s->member_scrubber = member.value();
    static std::string dir_at_exit = s->dir;
    std::atexit([] {
      for (const std::string_view name : kNames) {
        ::unlink((dir_at_exit + "/" + std::string(name)).c_str());
      }
      ::unlink((dir_at_exit + "/out").c_str());
      ::rmdir(dir_at_exit.c_str());
    });
    return s;
  }();
  return *setup;
}

void CheckNoSecret(std::string_view bytes, std::string_view where) {
  for (const std::string_view secret : kSecrets) {
    FUZZ_CHECK(bytes.find(secret) == std::string_view::npos,
               "a secret's raw bytes survive in " + std::string(where));
  }
}

bool WriteWhole(const std::string& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return false;
  }
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n <= 0) {
      ::close(fd);
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return ::close(fd) == 0;
}

std::optional<std::string> ReadWhole(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return std::nullopt;
  }
  std::string bytes;
  std::array<char, 65536> buffer{};
  ssize_t n = 0;
  while ((n = ::read(fd, buffer.data(), buffer.size())) > 0) {
    bytes.append(buffer.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  if (n < 0) {
    return std::nullopt;
  }
  return bytes;
}

std::set<std::string> ListDir(const std::string& dir) {
  std::set<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  FUZZ_CHECK(d != nullptr, "cannot list the temporary directory");
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name = e->d_name;
    if (name != "." && name != "..") {
      names.emplace(name);
    }
  }
  ::closedir(d);
  return names;
}

// What the scrubber tells by a member's first bytes: a zip or ustar header.
bool LooksLikeContainer(std::string_view head) {
  return head.starts_with("PK\x03\x04") || head.starts_with("PK\x05\x06") ||
         (head.size() >= 262 && head.substr(257, 5) == "ustar");
}

// Compressed data that ScrubArchive must refuse rather than copy.
bool LooksCompressed(std::string_view head) {
  static constexpr std::array<std::string_view, 6> kMagic = {
      "\x1f\x8b", "\x28\xb5\x2f\xfd", "BZh", "\xfd\x37zXZ", "7z\xbc\xaf\x27\x1c", "Rar!"};
  for (const std::string_view magic : kMagic) {
    if (head.starts_with(magic)) {
      return true;
    }
  }
  return false;
}

// Reads OUT back, independently of ScrubArchive's reader.
class OutputCheck {
 public:
  // Members seen, as ScrubArchive's report counts them.
  size_t members() const { return members_; }

  void Zstd(std::string_view data, const std::string& where) {
    ZSTD_DCtx* dctx = ZSTD_createDCtx();
    std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> guard(dctx, ZSTD_freeDCtx);
    std::string payload;
    std::vector<char> buffer(ZSTD_DStreamOutSize());
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    size_t last = 1;
    while (in.pos < in.size) {
      ZSTD_outBuffer out{buffer.data(), buffer.size(), 0};
      last = ZSTD_decompressStream(dctx, &out, &in);
      FUZZ_CHECK(ZSTD_isError(last) == 0U, "the zstd stream written for " + where +
                                               " does not decompress: " + ZSTD_getErrorName(last));
      Spend(out.pos);
      payload.append(buffer.data(), out.pos);
    }
    FUZZ_CHECK(!data.empty() && last == 0,
               "the zstd stream written for " + where + " is empty or truncated");
    CheckNoSecret(payload, "the zstd payload of " + where);
    FUZZ_CHECK(!LooksCompressed(payload) && !LooksLikeContainer(payload),
               "the zstd payload of " + where + " holds compressed data or an archive");
  }

  void Container(std::string_view data, int depth, const std::string& prefix) {
    struct Free {
      void operator()(archive* a) const { archive_read_free(a); }
    };
    std::unique_ptr<archive, Free> r(archive_read_new());
    archive_read_support_filter_all(r.get());
    archive_read_support_format_tar(r.get());
    archive_read_support_format_zip(r.get());
    const std::string where = prefix.empty() ? std::string("OUT") : prefix;
    FUZZ_CHECK(archive_read_open_memory(r.get(), data.data(), data.size()) == ARCHIVE_OK,
               "the archive written for " + where + " does not open: " + Error(r.get()));
    archive_entry* entry = nullptr;
    int rc = ARCHIVE_OK;
    size_t entries = 0;
    while ((rc = archive_read_next_header(r.get(), &entry)) == ARCHIVE_OK || rc == ARCHIVE_WARN) {
      ++entries;
      const char* raw_name = archive_entry_pathname(entry);
      const std::string name = raw_name == nullptr ? "" : raw_name;
      CheckNoSecret(name, "a member name of " + where);
      if (archive_entry_filetype(entry) == AE_IFREG) {
        Member(r.get(), name, depth, prefix + name);
      }
      ++members_;  // after the member's own members, as the report lists them
    }
    FUZZ_CHECK(rc == ARCHIVE_EOF,
               "the archive written for " + where + " does not read back: " + Error(r.get()));
    FUZZ_CHECK(entries > 0, "the archive written for " + where + " has no member");
  }

 private:
  void Member(archive* r, const std::string& name, int depth, const std::string& where) {
    std::string content;
    std::array<char, 65536> buffer{};
    la_ssize_t n = 0;
    while ((n = archive_read_data(r, buffer.data(), buffer.size())) > 0) {
      Spend(static_cast<uint64_t>(n));
      content.append(buffer.data(), static_cast<size_t>(n));
    }
    FUZZ_CHECK(n == 0, "member " + where + " of the output does not read back: " + Error(r));
    CheckNoSecret(content, "the content of member " + where);
    std::optional<io::ArchiveKind> nested = io::ArchiveKindOf(name);
    if (!nested && LooksLikeContainer(content)) {
      nested = io::ArchiveKind::kTar;  // or zip: libarchive tells
    }
    if (!nested) {
      FUZZ_CHECK(!LooksCompressed(content),
                 "member " + where + " holds compressed data and was copied");
      return;
    }
    FUZZ_CHECK(depth < kMaxDepth, "member " + where + " is nested deeper than the limit");
    if (*nested == io::ArchiveKind::kZstd) {
      Zstd(content, where);
    } else {
      Container(content, depth + 1, where + "/");
    }
  }

  void Spend(uint64_t n) {
    spent_ += n;
    FUZZ_CHECK(spent_ <= kCheckBudget, "the output expands far past --max-output-bytes");
  }

  static std::string Error(archive* a) {
    const char* e = archive_error_string(a);
    return e == nullptr ? "(no message)" : e;
  }

  uint64_t spent_ = 0;
  size_t members_ = 0;
};

int Run(const uint8_t* data, size_t size) {
  const Setup& setup = GetSetup();
  ByteReader reader(data, size);
  const uint8_t selector = reader.Byte();
  const std::string_view content = reader.Rest();
  const std::string_view in_name = kNames[(selector & 7U) % kNames.size()];
  const bool old_out = (selector & 0x80U) != 0;

  io::ArchiveJob job;
  job.in_path = setup.dir + "/" + std::string(in_name);
  job.out_path = setup.dir + "/out";
  job.stream_scrubber = setup.stream_scrubber;
  job.member_scrubber = setup.member_scrubber;
  job.limits.max_output_bytes = kMaxOutputBytes;
  job.limits.max_members = kMaxMembers;
  job.limits.max_depth = kMaxDepth;
  FUZZ_CHECK(WriteWhole(job.in_path, content), "cannot write IN");
  ::unlink(job.out_path.c_str());
  if (old_out) {
    FUZZ_CHECK(WriteWhole(job.out_path, kOldOut), "cannot write the old OUT");
  }

  io::ArchiveReport report;
  const Status status = ScrubArchive(job, &report);

  if (setup.verbose) {
    std::fprintf(stderr, "archive_input_fuzzer: %s: %s, %zu member(s) reported\n",
                 std::string(in_name).c_str(), status.ok() ? "ok" : status.message().c_str(),
                 report.members.size());
  }
  std::set<std::string> want = {std::string(in_name)};
  const std::optional<std::string> out = ReadWhole(job.out_path);
  if (!status.ok()) {
    CheckNoSecret(status.message(), "the error message");
    if (old_out) {
      FUZZ_CHECK(out.has_value() && *out == kOldOut,
                 "an error did not leave the old OUT as it was");
      want.insert("out");
    } else {
      FUZZ_CHECK(!out.has_value(), "an error left an OUT");
    }
  } else {
    FUZZ_CHECK(out.has_value(), "success without an OUT");
    want.insert("out");
    for (const io::MemberReport& member : report.members) {
      CheckNoSecret(member.name, "a member name in the report");
    }
    OutputCheck check;
    if (in_name.ends_with(".zst") && !in_name.ends_with(".tar.zst")) {
      check.Zstd(*out, "OUT");
      FUZZ_CHECK(report.members.size() == 1, "a zstd stream not reported as one member");
    } else {
      check.Container(*out, 0, "");
      FUZZ_CHECK(check.members() == report.members.size(),
                 "the report does not list as many members as the output holds");
    }
  }
  FUZZ_CHECK(ListDir(setup.dir) == want, "a file other than IN and OUT is left in OUT's directory");
  ::unlink(job.in_path.c_str());
  ::unlink(job.out_path.c_str());
  return 0;
}

}  // namespace
}  // namespace scrubber::fuzz

// Sanitizer hooks (used by the libFuzzer build, inert in the replay build).
// libarchive 3.6.2 (Debian 12) leaks a write handle's output buffer (32 +
// 10240 bytes, allocated under archive_write_open2) when the handle is freed
// after a fatal error: archive_write_free skips archive_write_close in
// ARCHIVE_STATE_FATAL, and only close frees it (fixed upstream by libarchive
// pull request 2729, "Don't leak memory on fatal error"). ScrubArchive frees
// its handles, and any member header the writer refuses fatally (an empty
// name in a zip, say) shows that leak. Matching it needs the full stack, and
// libarchive has no frame pointers: hence the slow unwinder at malloc.
extern "C" const char* __lsan_default_suppressions();
extern "C" const char* __asan_default_options();
extern "C" const char* __lsan_default_suppressions() {
  return "leak:archive_write_open2\n";
}
extern "C" const char* __asan_default_options() {
  return "fast_unwind_on_malloc=0";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return scrubber::fuzz::Run(data, size);
}
