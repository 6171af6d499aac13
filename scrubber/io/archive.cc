// ScrubArchive. Two paths share one budget (the bomb limits):
//  - a plain .zst: libzstd decompresses into a StreamScrubber whose sink
//    compresses again, frame after frame, in constant memory;
//  - a container: libarchive reads entry by entry; each regular member is
//    streamed through a length-preserving StreamScrubber straight into the
//    writer (its header size holds), except members that are archives
//    themselves, which are read into memory, scrubbed recursively by the
//    same code and written with their new size.
#include "scrubber/io/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>

#include <zstd.h>

namespace scrubber::io {
namespace {

constexpr size_t kBlock = 128 * 1024;
constexpr uint64_t kRatioGrace = 1 << 20;

// libarchive's messages may end in a newline or hold several lines; ours
// are one line.
std::string OneLine(const char* message) {
  std::string s = message == nullptr ? "unknown error" : message;
  std::replace(s.begin(), s.end(), '\n', ' ');
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) {
    s.pop_back();
  }
  return s;
}

// A tar or zip container, told by its first bytes.
std::optional<ArchiveKind> ContainerKindOf(std::string_view head) {
  if (head.starts_with("PK\x03\x04") || head.starts_with("PK\x05\x06")) {
    return ArchiveKind::kZip;
  }
  if (head.size() >= 262 && head.substr(257, 5) == "ustar") {
    return ArchiveKind::kTar;
  }
  return std::nullopt;
}

// The name of a compression or archive format we cannot rewrite, told by
// its magic bytes; null for anything else.
const char* OpaqueCompressionOf(std::string_view head) {
  struct Magic {
    std::string_view bytes;
    const char* name;
  };
  static constexpr std::array<Magic, 6> kMagic = {{
      {"\x1f\x8b", "gzip"},
      {"\x28\xb5\x2f\xfd", "zstd"},
      {"BZh", "bzip2"},
      {"\xfd"
       "7zXZ",
       "xz"},
      {"7z\xbc\xaf\x27\x1c", "7-Zip"},
      {"Rar!", "RAR"},
  }};
  for (const Magic& m : kMagic) {
    if (head.starts_with(m.bytes)) {
      return m.name;
    }
  }
  return nullptr;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Where bytes come from: a file descriptor or memory.
class Source {
 public:
  virtual ~Source() = default;
  // Bytes read, 0 at the end; negative on error.
  virtual ssize_t Read(char* buffer, size_t size) = 0;
};

class FdSource final : public Source {
 public:
  explicit FdSource(int fd) : fd_(fd) {}
  ssize_t Read(char* buffer, size_t size) override {
    ssize_t n = 0;
    do {
      n = ::read(fd_, buffer, size);
    } while (n < 0 && errno == EINTR);
    return n;
  }

 private:
  int fd_;
};

class MemorySource final : public Source {
 public:
  explicit MemorySource(std::string_view data) : data_(data) {}
  ssize_t Read(char* buffer, size_t size) override {
    size_t n = std::min(size, data_.size());
    std::memcpy(buffer, data_.data(), n);
    data_.remove_prefix(n);
    return static_cast<ssize_t>(n);
  }

 private:
  std::string_view data_;
};

// The bomb limits, shared by every level of nesting.
class Budget {
 public:
  explicit Budget(const ArchiveLimits& limits) : limits_(limits) {}

  // `produced` more decompressed bytes, against `consumed` compressed bytes
  // of the outermost input so far.
  Status Produce(uint64_t produced, uint64_t consumed) {
    out_ += produced;
    consumed_ = std::max(consumed_, consumed);
    if (out_ > limits_.max_output_bytes) {
      return InvalidInput("expands past " + std::to_string(limits_.max_output_bytes) +
                          " bytes (--max-output-bytes)");
    }
    if (out_ > kRatioGrace &&
        static_cast<double>(out_) > limits_.max_ratio * static_cast<double>(consumed_ + 1)) {
      std::array<char, 32> ratio{};
      std::snprintf(ratio.data(), ratio.size(), "%g", limits_.max_ratio);
      return InvalidInput(std::string("expands more than ") + ratio.data() +
                          " times its compressed size (--max-ratio)");
    }
    return Status::Ok();
  }
  Status AddMember() {
    if (++members_ > limits_.max_members) {
      return InvalidInput("more than " + std::to_string(limits_.max_members) +
                          " members (--max-members)");
    }
    return Status::Ok();
  }
  const ArchiveLimits& limits() const { return limits_; }

 private:
  const ArchiveLimits& limits_;
  uint64_t out_ = 0;
  uint64_t consumed_ = 0;
  uint64_t members_ = 0;
};

// Compresses what it is given into zstd frames for `out`.
class ZstdSink final : public ByteSink {
 public:
  explicit ZstdSink(ByteSink* out) : out_(out), ctx_(ZSTD_createCCtx()) {
    ZSTD_CCtx_setParameter(ctx_, ZSTD_c_compressionLevel, 3);
  }
  ~ZstdSink() override { ZSTD_freeCCtx(ctx_); }
  ZstdSink(const ZstdSink&) = delete;
  ZstdSink& operator=(const ZstdSink&) = delete;

  Status Write(std::string_view bytes) override { return Pump(bytes, ZSTD_e_continue); }
  Status End() { return Pump({}, ZSTD_e_end); }

 private:
  Status Pump(std::string_view bytes, ZSTD_EndDirective mode) {
    ZSTD_inBuffer in{bytes.data(), bytes.size(), 0};
    while (true) {
      ZSTD_outBuffer out{buffer_.data(), buffer_.size(), 0};
      size_t left = ZSTD_compressStream2(ctx_, &out, &in, mode);
      if (ZSTD_isError(left) != 0U) {
        return Internal(std::string("zstd compression failed: ") + ZSTD_getErrorName(left));
      }
      if (out.pos > 0) {
        Status s = out_->Write({buffer_.data(), out.pos});
        if (!s.ok()) {
          return s;
        }
      }
      bool done = mode == ZSTD_e_end ? left == 0 : in.pos == in.size;
      if (done) {
        return Status::Ok();
      }
    }
  }

  ByteSink* out_;
  ZSTD_CCtx* ctx_;
  std::array<char, ZSTD_BLOCKSIZE_MAX> buffer_{};
};

class FdByteSink final : public ByteSink {
 public:
  explicit FdByteSink(int fd) : fd_(fd) {}
  Status Write(std::string_view bytes) override {
    while (!bytes.empty()) {
      ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n < 0) {
        return IoError(std::string("write failed: ") + std::strerror(errno));
      }
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return Status::Ok();
  }

 private:
  int fd_;
};

void AddMasks(const std::vector<std::string>& masks, StreamScrubber* stream) {
  for (const std::string& value : masks) {
    (void)stream->AddMask(value);  // fails only on a failed stream, which Write reports
  }
}

// A plain zstd stream: decompress, scrub, compress.
Status ScrubZstd(Source* in,
                 const std::function<uint64_t()>& consumed,
                 ByteSink* out,
                 const std::shared_ptr<const Scrubber>& scrubber,
                 const std::vector<std::string>& masks,
                 Budget* budget,
                 ScrubStats* stats) {
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> guard(dctx, ZSTD_freeDCtx);
  ZstdSink compressed(out);
  StreamScrubber stream(scrubber, &compressed);
  AddMasks(masks, &stream);
  std::vector<char> in_buffer(ZSTD_DStreamInSize());
  std::vector<char> out_buffer(ZSTD_DStreamOutSize());
  size_t last = 1;  // 0 once a frame is complete
  bool any = false;
  // LIMITATION(zst-payload-archives): such payloads fail closed.
  // The payload's first bytes, held until they tell what it is: compressed
  // data or an archive would pass its secrets through a byte stream
  // scrubber (a logs.tar.gz.zst, a zip compressed again), so it fails
  // closed, as such a member of a container does.
  constexpr size_t kHeadBytes = 262;  // through a ustar magic
  std::string head;
  bool told = false;
  auto tell = [&]() -> Status {
    told = true;
    if (const char* format = OpaqueCompressionOf(head)) {
      return InvalidInput(std::string(format) +
                          " data inside a zstd stream; not copied unscrubbed");
    }
    if (ContainerKindOf(head)) {
      return InvalidInput(
          "a tar or zip archive inside a plain zstd stream (a .tar.zst is scrubbed by "
          "name); not copied unscrubbed");
    }
    return stream.Write(head);
  };
  while (true) {
    ssize_t n = in->Read(in_buffer.data(), in_buffer.size());
    if (n < 0) {
      return IoError(std::string("read failed: ") + std::strerror(errno));
    }
    if (n == 0) {
      break;
    }
    any = true;
    ZSTD_inBuffer zin{in_buffer.data(), static_cast<size_t>(n), 0};
    while (zin.pos < zin.size) {
      ZSTD_outBuffer zout{out_buffer.data(), out_buffer.size(), 0};
      last = ZSTD_decompressStream(dctx, &zout, &zin);
      if (ZSTD_isError(last) != 0U) {
        return InvalidInput(std::string("not a valid zstd stream (") + ZSTD_getErrorName(last) +
                            ")");
      }
      Status s = budget->Produce(zout.pos, consumed());
      if (s.ok() && told) {
        s = stream.Write({out_buffer.data(), zout.pos});
      } else if (s.ok()) {
        head.append(out_buffer.data(), zout.pos);
        s = head.size() >= kHeadBytes ? tell() : Status::Ok();
      }
      if (!s.ok()) {
        return s;
      }
    }
  }
  if (!any) {
    return InvalidInput("empty file, not a zstd stream");
  }
  if (last != 0) {
    return InvalidInput("truncated zstd stream");
  }
  Status s = told ? Status::Ok() : tell();
  if (s.ok()) {
    s = stream.Finish();
  }
  if (s.ok()) {
    s = compressed.End();
  }
  *stats = stream.stats();
  return s;
}

struct ReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct WriteDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
using ReadArchive = std::unique_ptr<archive, ReadDeleter>;
using WriteArchive = std::unique_ptr<archive, WriteDeleter>;

// Writes what a StreamScrubber gives into the current archive entry.
class EntrySink final : public ByteSink {
 public:
  explicit EntrySink(archive* w) : w_(w) {}
  Status Write(std::string_view bytes) override {
    la_ssize_t n = archive_write_data(w_, bytes.data(), bytes.size());
    if (n < 0) {
      return IoError(std::string("cannot write member data: ") + archive_error_string(w_));
    }
    return Status::Ok();
  }

 private:
  archive* w_;
};

la_ssize_t AppendToString(archive* /*a*/, void* client, const void* buffer, size_t length) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buffer), length);
  return static_cast<la_ssize_t>(length);
}

class ContainerScrubber {
 public:
  ContainerScrubber(const ArchiveJob& job, Budget* budget, ArchiveReport* report)
      : job_(job), budget_(budget), report_(report) {}

  // Reads `r` (opened) and writes `w` (format not yet set); `open_output`
  // opens `w` once its format is known. `depth` counts nesting.
  Status Run(archive* r,
             archive* w,
             const std::function<int(archive*)>& open_output,
             int depth,
             const std::string& prefix) {
    archive_entry* entry = nullptr;
    bool opened = false;
    std::string last = "(first member)";
    int rc = ARCHIVE_OK;
    while ((rc = archive_read_next_header(r, &entry)) == ARCHIVE_OK || rc == ARCHIVE_WARN) {
      if (!opened) {
        Status s = SetFormat(r, w);
        if (s.ok() && open_output(w) != ARCHIVE_OK) {
          s = IoError(std::string("cannot open output: ") + archive_error_string(w));
        }
        if (!s.ok()) {
          return s;
        }
        opened = true;
      }
      Status s = budget_->AddMember();
      if (!s.ok()) {
        return s;
      }
      const char* raw_name = archive_entry_pathname(entry);
      ScrubStats name_stats;
      std::string name = Clean(raw_name == nullptr ? "" : raw_name, &name_stats);
      archive_entry_copy_pathname(entry, name.c_str());
      last = prefix + name;
      s = Member(r, w, entry, depth, last, name_stats);
      if (!s.ok()) {
        return Named(last, s);
      }
    }
    if (rc != ARCHIVE_EOF) {
      return Named("after " + last, InvalidInput(ErrorOf(r)));
    }
    if (!opened) {
      return InvalidInput("no members, or not an archive");
    }
    if (archive_write_close(w) != ARCHIVE_OK) {
      return IoError(std::string("cannot finish the output: ") + archive_error_string(w));
    }
    return Status::Ok();
  }

 private:
  // The same format and filters as the input.
  static Status SetFormat(archive* r, archive* w) {
    int format = archive_format(r);
    int ok = ARCHIVE_FATAL;
    if ((format & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP) {
      ok = archive_write_set_format_zip(w);
    } else if ((format & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_TAR) {
      // The format told is that of the first header only: a PAX archive
      // whose first member needs no extended header (bsdtar's and Python's
      // default) reads as ustar, where a later long or non-ASCII name does
      // not fit. Restricted PAX writes ustar headers where they do, and
      // extended ones where needed; GNU archives keep their long names.
      ok = format == ARCHIVE_FORMAT_TAR_GNUTAR ? archive_write_set_format(w, format)
                                               : archive_write_set_format_pax_restricted(w);
    }
    if (ok != ARCHIVE_OK) {
      return InvalidInput(std::string("unsupported archive format ") + archive_format_name(r));
    }
    for (int i = archive_filter_count(r) - 2; i >= 0; --i) {
      int code = archive_filter_code(r, i);
      if (code != ARCHIVE_FILTER_NONE && archive_write_add_filter(w, code) != ARCHIVE_OK) {
        return InvalidInput(std::string("unsupported compression ") + archive_filter_name(r, i));
      }
    }
    return Status::Ok();
  }

  // `name_stats`: the redactions made in the member's name, counted with
  // its content's.
  Status Member(archive* r,
                archive* w,
                archive_entry* entry,
                int depth,
                const std::string& name,
                const ScrubStats& name_stats) {
    MemberReport member{name, {}};
    // LIMITATION(archive-symlink-targets): link targets pass unchanged.
    bool regular = archive_entry_filetype(entry) == AE_IFREG;
    std::string head;  // the member's first block, to tell what it holds
    Status s = regular ? ReadHead(r, &head) : Status::Ok();
    if (!s.ok()) {
      return s;
    }
    std::optional<ArchiveKind> nested = ArchiveKindOf(name);
    if (regular && !nested) {
      nested = ContainerKindOf(head);
    }
    if (regular && !nested) {
      if (const char* format = OpaqueCompressionOf(head)) {
        // Compressed bytes hide secrets from the scrubber, and masking
        // inside them corrupts them: fail closed rather than copy it.
        return InvalidInput(std::string(format) +
                            " data that is not a supported archive (.zst, .tar, .tar.gz, "
                            ".tar.zst, .zip by name); not copied unscrubbed");
      }
    }
    if (regular && nested && depth >= budget_->limits().max_depth) {
      return InvalidInput("an archive nested deeper than --max-depth " +
                          std::to_string(budget_->limits().max_depth));
    }
    if (regular && nested) {
      s = NestedMember(r, w, entry, *nested, depth, name, std::move(head), &member.stats);
    } else {
      if (archive_write_header(w, entry) != ARCHIVE_OK) {
        return IoError(std::string("cannot write header: ") + ErrorOf(w));
      }
      if (regular) {
        s = StreamMember(r, w, head, &member.stats);
      }
      // The header written declares the input's size: a reader that gives
      // fewer bytes (a stored zip member whose sizes disagree) would leave
      // an output that does not read back.
      if (s.ok() && regular && archive_entry_size_is_set(entry) &&
          member.stats.bytes_in != static_cast<uint64_t>(archive_entry_size(entry))) {
        s = InvalidInput("member data is " + std::to_string(member.stats.bytes_in) +
                         " bytes, its header says " + std::to_string(archive_entry_size(entry)));
      }
    }
    if (s.ok()) {
      ScrubStats in_name;  // the name's redactions, not its bytes
      in_name.redactions = name_stats.redactions;
      in_name.by_id = name_stats.by_id;
      member.stats.Merge(in_name);
      // A nested archive's members went into the total one by one: only its
      // name's redactions are new.
      report_->total.Merge(regular && nested ? in_name : member.stats);
      report_->members.push_back(std::move(member));
    }
    return s;
  }

  // Hands the current member's data to `take` block by block, within the
  // budget.
  template <typename Take>
  Status ReadData(archive* r, Take&& take) {
    std::array<char, kBlock> buffer{};
    while (true) {
      la_ssize_t n = archive_read_data(r, buffer.data(), buffer.size());
      if (n < 0) {
        return InvalidInput(ErrorOf(r));
      }
      if (n == 0) {
        return Status::Ok();
      }
      Status s = budget_->Produce(static_cast<uint64_t>(n), Consumed(r));
      if (s.ok()) {
        s = take(std::string_view(buffer.data(), static_cast<size_t>(n)));
      }
      if (!s.ok()) {
        return s;
      }
      Progress(r);
    }
  }

  // Reads the member's first block (or less) into `head`, within the budget.
  Status ReadHead(archive* r, std::string* head) {
    head->resize(kBlock);
    la_ssize_t n = archive_read_data(r, head->data(), head->size());
    if (n < 0) {
      return InvalidInput(ErrorOf(r));
    }
    head->resize(static_cast<size_t>(n));
    return budget_->Produce(static_cast<uint64_t>(n), Consumed(r));
  }

  Status StreamMember(archive* r, archive* w, std::string_view head, ScrubStats* stats) {
    EntrySink sink(w);
    StreamScrubber stream(job_.member_scrubber, &sink);
    AddMasks(job_.masks, &stream);
    Status s = stream.Write(head);
    if (s.ok()) {
      s = ReadData(r, [&stream](std::string_view block) { return stream.Write(block); });
    }
    if (s.ok()) {
      s = stream.Finish();
    }
    *stats = stream.stats();
    return s;
  }

  // A member that is an archive itself: read whole (within the budget),
  // scrub with the same code one level down, write with its new size.
  Status NestedMember(archive* r,
                      archive* w,
                      archive_entry* entry,
                      ArchiveKind kind,
                      int depth,
                      const std::string& name,
                      std::string data,
                      ScrubStats* stats) {
    Status s = ReadData(r, [&data](std::string_view block) {
      data.append(block);
      return Status::Ok();
    });
    if (!s.ok()) {
      return s;
    }
    std::string scrubbed;
    s = ScrubNested(data, kind, depth + 1, name + "/", &scrubbed, stats);
    if (!s.ok()) {
      return s;
    }
    archive_entry_set_size(entry, static_cast<la_int64_t>(scrubbed.size()));
    if (archive_write_header(w, entry) != ARCHIVE_OK) {
      return IoError(std::string("cannot write header: ") + ErrorOf(w));
    }
    EntrySink sink(w);
    return sink.Write(scrubbed);
  }

  Status ScrubNested(std::string_view data,
                     ArchiveKind kind,
                     int depth,
                     const std::string& prefix,
                     std::string* out,
                     ScrubStats* stats) {
    if (kind == ArchiveKind::kZstd) {
      MemorySource source(data);
      StringSink sink;
      uint64_t size = data.size();
      Status s = ScrubZstd(
          &source, [size] { return size; }, &sink, job_.member_scrubber, job_.masks, budget_,
          stats);
      *out = std::move(sink.out);
      return s;
    }
    ReadArchive r(archive_read_new());
    archive_read_support_filter_all(r.get());
    archive_read_support_format_tar(r.get());
    archive_read_support_format_zip(r.get());
    if (archive_read_open_memory(r.get(), data.data(), data.size()) != ARCHIVE_OK) {
      return InvalidInput(ErrorOf(r.get()));
    }
    WriteArchive w(archive_write_new());
    size_t before = report_->members.size();
    Status s = Run(
        r.get(), w.get(),
        [out](archive* a) {
          archive_write_set_bytes_in_last_block(a, 1);
          return archive_write_open2(a, out, nullptr, AppendToString, nullptr, nullptr);
        },
        depth, prefix);
    for (size_t i = before; i < report_->members.size(); ++i) {
      stats->Merge(report_->members[i].stats);
    }
    return s;
  }

  // Scrubs a name (or an error text, which may quote one) the way contents
  // are scrubbed.
  std::string Clean(std::string_view text, ScrubStats* stats = nullptr) const {
    StringSink sink;
    StreamScrubber stream(job_.member_scrubber, &sink);
    AddMasks(job_.masks, &stream);
    Status s = stream.Write(text);
    if (s.ok()) {
      s = stream.Finish();
    }
    if (stats != nullptr) {
      *stats = stream.stats();
    }
    return s.ok() ? std::move(sink.out) : std::string(text.size(), '*');
  }
  std::string ErrorOf(archive* a) const { return Clean(OneLine(archive_error_string(a))); }
  static uint64_t Consumed(archive* r) {
    return static_cast<uint64_t>(std::max<la_int64_t>(archive_filter_bytes(r, -1), 0));
  }
  void Progress(archive* r) const {
    if (job_.progress) {
      job_.progress(Consumed(r), 0);
    }
  }
  // A nested archive's error names its member's whole path already.
  static Status Named(const std::string& member, const Status& s) {
    const std::string& m = s.message();
    if (m.starts_with(member + "/") || m.starts_with("after " + member + "/")) {
      return s;
    }
    return {s.code(), member + ": " + m};
  }

  const ArchiveJob& job_;
  Budget* budget_;
  ArchiveReport* report_;
};

// The output file: a temporary beside OUT, renamed into place on Commit.
class TempOutput {
 public:
  Status Open(const std::string& out_path) {
    path_ = out_path + ".scrub-XXXXXX";
    fd_ = ::mkstemp(path_.data());
    if (fd_ < 0) {
      return IoError(out_path +
                     ": cannot create a temporary file beside it: " + std::strerror(errno));
    }
    out_path_ = out_path;
    return Status::Ok();
  }
  int fd() const { return fd_; }
  Status Commit() {
    ::fchmod(fd_, 0644);
    if (::fsync(fd_) != 0 || ::close(fd_) != 0) {
      fd_ = -1;
      return IoError(out_path_ + ": " + std::strerror(errno));
    }
    fd_ = -1;
    if (::rename(path_.c_str(), out_path_.c_str()) != 0) {
      return IoError(out_path_ + ": " + std::strerror(errno));
    }
    committed_ = true;
    return Status::Ok();
  }
  ~TempOutput() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    if (!committed_ && !path_.empty() && !out_path_.empty()) {
      ::unlink(path_.c_str());
    }
  }
  TempOutput() = default;
  TempOutput(const TempOutput&) = delete;
  TempOutput& operator=(const TempOutput&) = delete;

 private:
  std::string path_;
  std::string out_path_;
  int fd_ = -1;
  bool committed_ = false;
};

// A tar reader stops at the end-of-archive blocks, and libarchive does not
// check gzip's trailer anyway: inflate a gzip input once more with zlib,
// which checks every member's CRC and length, so that corrupt data that
// still inflates is an error rather than a fresh, valid-looking output.
Status VerifyGzip(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return IoError(std::strerror(errno));
  }
  std::array<unsigned char, kBlock> in{};
  std::array<unsigned char, kBlock> out{};
  ssize_t n = ::read(fd, in.data(), in.size());
  if (n < 2 || in[0] != 0x1f || in[1] != 0x8b) {
    ::close(fd);
    return Status::Ok();  // not gzip
  }
  z_stream z{};
  inflateInit2(&z, 15 + 16);
  int rc = Z_OK;
  while (n > 0 && rc != Z_DATA_ERROR && rc != Z_MEM_ERROR) {
    z.next_in = in.data();
    z.avail_in = static_cast<uInt>(n);
    while (z.avail_in > 0) {
      z.next_out = out.data();
      z.avail_out = static_cast<uInt>(out.size());
      rc = inflate(&z, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        inflateReset(&z);  // a next member may follow
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        break;
      }
    }
    n = rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR ? ::read(fd, in.data(), in.size())
                                                              : 0;
  }
  inflateEnd(&z);
  ::close(fd);
  if (rc == Z_STREAM_END || (rc == Z_BUF_ERROR && z.total_in == 0)) {
    return Status::Ok();
  }
  return InvalidInput(rc == Z_OK || rc == Z_BUF_ERROR ? "truncated gzip stream"
                                                      : "gzip stream fails its checksum");
}

Status ScrubContainerFile(const ArchiveJob& job,
                          int out_fd,
                          Budget* budget,
                          ArchiveReport* report) {
  ReadArchive r(archive_read_new());
  archive_read_support_filter_all(r.get());
  archive_read_support_format_tar(r.get());
  archive_read_support_format_zip(r.get());
  if (archive_read_open_filename(r.get(), job.in_path.c_str(), kBlock) != ARCHIVE_OK) {
    return InvalidInput(OneLine(archive_error_string(r.get())));
  }
  WriteArchive w(archive_write_new());
  ContainerScrubber scrubber(job, budget, report);
  Status s = scrubber.Run(
      r.get(), w.get(), [out_fd](archive* a) { return archive_write_open_fd(a, out_fd); }, 0, "");
  return s.ok() ? VerifyGzip(job.in_path) : s;
}

}  // namespace

std::optional<ArchiveKind> ArchiveKindOf(std::string_view name) {
  if (EndsWith(name, ".tar.zst")) {
    return ArchiveKind::kTarZst;
  }
  if (EndsWith(name, ".tar.gz") || EndsWith(name, ".tgz")) {
    return ArchiveKind::kTarGz;
  }
  if (EndsWith(name, ".tar")) {
    return ArchiveKind::kTar;
  }
  if (EndsWith(name, ".zip")) {
    return ArchiveKind::kZip;
  }
  if (EndsWith(name, ".zst")) {
    return ArchiveKind::kZstd;
  }
  return std::nullopt;
}

Status ScrubArchive(const ArchiveJob& job, ArchiveReport* report) {
  std::optional<ArchiveKind> kind = ArchiveKindOf(job.in_path);
  auto named = [&job](const Status& s) {
    return Status(s.code(), job.in_path + ": " + s.message());
  };
  if (!kind) {
    return named(InvalidInput(
        "unknown archive format (expected .zst, .tar, .tar.gz, .tgz, .tar.zst or .zip)"));
  }
  int in_fd = ::open(job.in_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in_fd < 0) {
    return named(IoError(std::strerror(errno)));
  }
  struct stat st {};
  ::fstat(in_fd, &st);
  TempOutput out;
  Status s = out.Open(job.out_path);
  Budget budget(job.limits);
  if (s.ok() && *kind == ArchiveKind::kZstd) {
    FdSource source(in_fd);
    FdByteSink sink(out.fd());
    MemberReport member{job.in_path, {}};
    s = ScrubZstd(
        &source,
        [in_fd] { return static_cast<uint64_t>(std::max<off_t>(::lseek(in_fd, 0, SEEK_CUR), 0)); },
        &sink, job.stream_scrubber, job.masks, &budget, &member.stats);
    report->total.Merge(member.stats);
    report->members.push_back(std::move(member));
    s = s.ok() ? s : named(s);
  } else if (s.ok()) {
    s = ScrubContainerFile(job, out.fd(), &budget, report);
    s = s.ok() ? s : named(s);
  }
  ::close(in_fd);
  if (s.ok()) {
    s = out.Commit();
  }
  return s;
}

std::string CompressedOrArchiveFormat(std::string_view head) {
  if (const char* format = OpaqueCompressionOf(head)) {
    return format;
  }
  if (auto kind = ContainerKindOf(head)) {
    return *kind == ArchiveKind::kZip ? "zip" : "tar";
  }
  return {};
}

}  // namespace scrubber::io
