// RedactionWriter: interval union with deferred writing (see header).
#include "redaction_writer.h"

#include <algorithm>

namespace scrubber {

std::string MaskSpeller::Begin(uint32_t label) const {
  if (options_->preserve_length) {
    return {};
  }
  if (options_->label) {
    return "[REDACTED:" + (*labels_)[label] + "]";
  }
  return options_->mask;
}

void RedactionWriter::Add(std::vector<Redaction>* redactions) {
  if (redactions->empty()) {
    return;
  }
  for (Redaction& r : *redactions) {
    r.start = std::max(r.start, emitted_);
  }
  std::erase_if(*redactions, [](const Redaction& r) { return r.end <= r.start; });
  std::sort(redactions->begin(), redactions->end(), LabelsFirst);
  merged_.clear();
  merged_.reserve(pending_.size() + redactions->size());
  std::merge(pending_.begin(), pending_.end(), redactions->begin(), redactions->end(),
             std::back_inserter(merged_), LabelsFirst);
  pending_.clear();
  for (const Redaction& r : merged_) {
    // Sorted by start: each joins the last interval or begins a new one. The
    // first of a group gives the label, as LabelsFirst orders them.
    if (!pending_.empty() && r.start <= pending_.back().end) {
      pending_.back().end = std::max(pending_.back().end, r.end);
    } else {
      pending_.push_back(r);
    }
  }
}

Status RedactionWriter::EmitUpTo(
    uint64_t upto, std::string_view window, uint64_t base, ByteSink* sink, ScrubStats* stats) {
  auto write = [&](std::string_view bytes) {
    stats->bytes_out += bytes.size();
    return bytes.empty() ? Status::Ok() : sink->Write(bytes);
  };
  size_t done = 0;
  Status status;
  for (; done < pending_.size() && status.ok(); ++done) {
    Redaction& r = pending_[done];
    if (r.start >= upto) {
      break;
    }
    status = write(window.substr(emitted_ - base, r.start - emitted_));
    if (!status.ok()) {
      break;
    }
    if (r.start != last_mask_end_) {
      ++stats->redactions;
      ++stats->by_id[speller_.label_name(r.label)];
      status = write(speller_.Begin(r.label));
    }
    uint64_t stop = std::min(r.end, upto);
    if (status.ok() && speller_.per_byte()) {
      stars_.assign(stop - r.start, '*');
      status = write(stars_);
    }
    emitted_ = stop;
    last_mask_end_ = stop;
    if (r.end > upto) {
      r.start = upto;  // still open: continues without a new mask
      break;
    }
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(done));
  if (status.ok() && emitted_ < upto) {
    status = write(window.substr(emitted_ - base, upto - emitted_));
    emitted_ = upto;
  }
  return status;
}

}  // namespace scrubber
