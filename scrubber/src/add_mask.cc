// AddMaskFilter: a three-state machine (line start, ordinary line, command
// line) driven by memchr for the line ends, so ordinary text costs a scan
// for '\n' and nothing more.
#include "add_mask.h"

#include <cstring>

namespace scrubber {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

bool IsTrimmed(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

}  // namespace

std::string DecodeAddMaskValue(std::string_view raw) {
  raw = raw.substr(0, kMaxAddMaskValue);
  while (!raw.empty() && IsTrimmed(raw.front())) {
    raw.remove_prefix(1);
  }
  while (!raw.empty() && IsTrimmed(raw.back())) {
    raw.remove_suffix(1);
  }
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '%' && i + 2 < raw.size()) {
      int hi = HexValue(raw[i + 1]);
      int lo = HexValue(raw[i + 2]);
      int byte = hi * 16 + lo;
      if (hi >= 0 && lo >= 0 && (byte == 0x25 || byte == 0x0d || byte == 0x0a)) {
        out.push_back(static_cast<char>(byte));
        i += 2;
        continue;
      }
    }
    out.push_back(raw[i]);
  }
  return out;
}

Status AddMaskFilter::EndCommand(Output* out) {
  in_command_ = false;
  line_start_ = true;
  std::string value = DecodeAddMaskValue(value_);
  value_.clear();
  return out->AddMask(value);
}

Status AddMaskFilter::Feed(std::string_view data, Output* out) {
  size_t i = 0;
  while (i < data.size()) {
    if (in_command_) {
      const void* nl = std::memchr(data.data() + i, '\n', data.size() - i);
      size_t stop = nl == nullptr ? data.size() : static_cast<const char*>(nl) - data.data();
      size_t room = kMaxAddMaskValue - std::min(value_.size(), kMaxAddMaskValue);
      value_.append(data.substr(i, std::min(stop - i, room)));
      if (nl == nullptr) {
        return Status::Ok();
      }
      i = stop + 1;
      Status s = EndCommand(out);
      if (!s.ok()) {
        return s;
      }
      continue;
    }
    if (line_start_) {
      size_t j = i;
      while (j < data.size() && matched_ < kAddMaskPrefix.size() &&
             data[j] == kAddMaskPrefix[matched_]) {
        ++matched_;
        ++j;
      }
      if (matched_ == kAddMaskPrefix.size()) {
        matched_ = 0;
        line_start_ = false;
        in_command_ = true;
        i = j;
        continue;
      }
      if (j == data.size()) {
        return Status::Ok();  // still a possible prefix: hold it
      }
      line_start_ = false;
      if (matched_ > 0) {
        // The held bytes equal the prefix's first `matched_` bytes.
        Status s = out->Pass(kAddMaskPrefix.substr(0, matched_));
        matched_ = 0;
        if (!s.ok()) {
          return s;
        }
      }
      i = j;
    }
    // Pass on every line up to the next one that could be a command (one
    // that starts with the prefix's first byte), in one piece: the scrubber
    // does its per-call work once per run of ordinary lines, not per line.
    size_t stop = i;
    line_start_ = false;
    while (true) {
      const void* nl = std::memchr(data.data() + stop, '\n', data.size() - stop);
      if (nl == nullptr) {
        stop = data.size();
        break;
      }
      stop = static_cast<const char*>(nl) - data.data() + 1;
      if (stop == data.size() || data[stop] == kAddMaskPrefix[0]) {
        line_start_ = true;
        break;
      }
    }
    Status s = out->Pass(data.substr(i, stop - i));
    if (!s.ok()) {
      return s;
    }
    i = stop;
  }
  return Status::Ok();
}

Status AddMaskFilter::Flush(Output* out) {
  if (matched_ == 0) {
    return Status::Ok();
  }
  size_t n = matched_;
  matched_ = 0;
  line_start_ = false;
  return out->Pass(kAddMaskPrefix.substr(0, n));
}

Status AddMaskFilter::Finish(Output* out) {
  if (in_command_) {
    return EndCommand(out);
  }
  return Flush(out);
}

}  // namespace scrubber
