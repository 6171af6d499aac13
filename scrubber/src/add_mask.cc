// AddMaskFilter: a three-state machine (line start, ordinary line, command
// line) driven by memchr for the line ends, so ordinary text costs a scan
// for '\n' and nothing more.
#include "add_mask.h"

#include <cctype>
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
      while (j < data.size() && Extend(data[j])) {
        ++j;
      }
      if (prefix_len_ == kAddMaskPrefix.size()) {
        ResetLineStart();
        line_start_ = false;
        in_command_ = true;
        i = j;
        continue;
      }
      if (j == data.size()) {
        return Status::Ok();  // still a possible command: hold it
      }
      line_start_ = false;
      Status s = held_.empty() ? Status::Ok() : out->Pass(held_);
      ResetLineStart();
      if (!s.ok()) {
        return s;
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
      if (stop == data.size() || MayStartCommand(data[stop])) {
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
  if (held_.empty()) {
    return Status::Ok();
  }
  std::string held = std::move(held_);
  ResetLineStart();
  line_start_ = false;
  return out->Pass(held);
}

bool AddMaskFilter::Extend(char c) {
  if (prefix_len_ == 0 && (c == ' ' || c == '\t') && held_.size() < kMaxAddMaskIndent) {
    held_ += c;
    return true;
  }
  if (prefix_len_ == kAddMaskPrefix.size()) {
    return false;
  }
  char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool modern = modern_ && lower == kAddMaskPrefix[prefix_len_];
  bool legacy = legacy_ && lower == kLegacyAddMaskPrefix[prefix_len_];
  if (!modern && !legacy) {
    return false;
  }
  modern_ = modern;
  legacy_ = legacy;
  held_ += c;
  ++prefix_len_;
  return true;
}

void AddMaskFilter::ResetLineStart() {
  held_.clear();
  prefix_len_ = 0;
  modern_ = true;
  legacy_ = true;
}

bool MayStartCommand(char c) {
  return c == kAddMaskPrefix[0] || c == kLegacyAddMaskPrefix[0] || c == ' ' || c == '\t';
}

size_t CommandPrefixLength(std::string_view line) {
  size_t indent = 0;
  while (indent < line.size() && indent < kMaxAddMaskIndent &&
         (line[indent] == ' ' || line[indent] == '\t')) {
    ++indent;
  }
  std::string_view rest = line.substr(indent);
  if (rest.size() < kAddMaskPrefix.size()) {
    return 0;
  }
  std::string head(rest.substr(0, kAddMaskPrefix.size()));
  for (char& c : head) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return head == kAddMaskPrefix || head == kLegacyAddMaskPrefix ? indent + head.size() : 0;
}

Status AddMaskFilter::Finish(Output* out) {
  if (in_command_) {
    return EndCommand(out);
  }
  return Flush(out);
}

}  // namespace scrubber
