// File-descriptor plumbing shared by the `scrub` tool and the agent: a
// buffered ByteSink over a descriptor, and the pump that reads a descriptor
// into a StreamScrubber, releasing a held partial match after a quiet spell.
#ifndef SCRUBBER_IO_FD_IO_H_
#define SCRUBBER_IO_FD_IO_H_

#include <string>
#include <string_view>

#include "scrubber/status.h"
#include "scrubber/stream_scrubber.h"

namespace scrubber::io {

// A ByteSink that buffers and is told when to write out: what live output
// (scrub exec, the agent's steps) writes into.
class LiveSink : public ByteSink {
 public:
  // Writes out what is buffered.
  virtual Status Flush() = 0;
  // True once the reader went away (EPIPE): callers end quietly.
  virtual bool broken_pipe() const { return false; }
};

// Writes to a descriptor through a 64 KiB buffer. A reader that went away
// (EPIPE) is reported by broken_pipe(), so callers can end quietly.
class FdSink final : public LiveSink {
 public:
  FdSink(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  ~FdSink() override;
  FdSink(const FdSink&) = delete;
  FdSink& operator=(const FdSink&) = delete;

  Status Write(std::string_view bytes) override;
  Status Flush() override;
  bool broken_pipe() const override { return broken_pipe_; }

 private:
  Status WriteAll(std::string_view bytes);

  int fd_;
  std::string name_;
  std::string buffer_;
  bool broken_pipe_ = false;
};

struct PumpOptions {
  int hold_ms = 250;  // release a held partial match after this much quiet; <= 0: never
  size_t read_size = 256 * 1024;
};

// Reads `fd` (named `name` in messages) to its end through `stream` into
// `sink`, flushing the sink after every read so that output is live. Does
// not call stream->Finish(). Errors name the input or the output.
Status PumpFd(int fd,
              std::string_view name,
              StreamScrubber* stream,
              FdSink* sink,
              const PumpOptions& options);

}  // namespace scrubber::io

#endif  // SCRUBBER_IO_FD_IO_H_
