// FdSink and PumpFd: blocking reads and writes on descriptors, with poll()
// only to notice quiet input while a partial match is held.
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "scrubber/io/fd_io.h"

namespace scrubber::io {
namespace {

constexpr size_t kSinkBuffer = 64 * 1024;

std::string ErrnoText(int err) {
  return std::strerror(err);
}

}  // namespace

FdSink::~FdSink() {
  (void)Flush();
}

Status FdSink::WriteAll(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == EPIPE) {
        broken_pipe_ = true;
      }
      return IoError(name_ + ": write failed: " + ErrnoText(errno));
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status FdSink::Write(std::string_view bytes) {
  if (broken_pipe_) {
    return IoError(name_ + ": write failed: " + ErrnoText(EPIPE));
  }
  if (buffer_.size() + bytes.size() <= kSinkBuffer) {
    buffer_.append(bytes);
    return Status::Ok();
  }
  Status s = Flush();
  if (!s.ok()) {
    return s;
  }
  if (bytes.size() >= kSinkBuffer) {
    return WriteAll(bytes);
  }
  buffer_.append(bytes);
  return Status::Ok();
}

Status FdSink::Flush() {
  if (buffer_.empty() || broken_pipe_) {
    buffer_.clear();
    return broken_pipe_ ? IoError(name_ + ": write failed: " + ErrnoText(EPIPE)) : Status::Ok();
  }
  Status s = WriteAll(buffer_);
  buffer_.clear();
  return s;
}

Status PumpFd(int fd,
              std::string_view name,
              StreamScrubber* stream,
              FdSink* sink,
              const PumpOptions& options) {
  std::vector<char> buffer(options.read_size);
  while (true) {
    if (options.hold_ms > 0 && stream->held() > 0) {
      pollfd p{fd, POLLIN, 0};
      int ready = ::poll(&p, 1, options.hold_ms);
      if (ready == 0) {
        Status s = stream->Release();
        if (s.ok()) {
          s = sink->Flush();
        }
        if (!s.ok()) {
          return s;
        }
        continue;
      }
      if (ready < 0 && errno != EINTR) {
        return IoError(std::string(name) + ": poll failed: " + ErrnoText(errno));
      }
    }
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return IoError(std::string(name) + ": read failed: " + ErrnoText(errno));
    }
    if (n == 0) {
      return Status::Ok();
    }
    Status s = stream->Write({buffer.data(), static_cast<size_t>(n)});
    if (s.ok()) {
      s = sink->Flush();
    }
    if (!s.ok()) {
      return s;
    }
  }
}

}  // namespace scrubber::io
