// Status: the error type of the scrubber core. The core never throws; every
// fallible call returns a Status (or a Result<T>, a value or a Status).
// Messages name the input and the problem, never a secret's bytes.
#ifndef SCRUBBER_STATUS_H_
#define SCRUBBER_STATUS_H_

#include <string>
#include <utility>
#include <variant>

namespace scrubber {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad usage: an option or value the caller got wrong
  kInvalidInput,     // malformed configuration or document (secrets file, ...)
  kIoError,          // reading or writing failed while running
  kInternal,         // an engine failed; the affected bytes were withheld
};

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string message) {
  return {StatusCode::kInvalidArgument, std::move(message)};
}
inline Status InvalidInput(std::string message) {
  return {StatusCode::kInvalidInput, std::move(message)};
}
inline Status IoError(std::string message) {
  return {StatusCode::kIoError, std::move(message)};
}
inline Status Internal(std::string message) {
  return {StatusCode::kInternal, std::move(message)};
}

// Result<T> holds either a T or a non-ok Status.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(v_); }
  // REQUIRES: !ok()
  const Status& status() const { return std::get<Status>(v_); }
  // REQUIRES: ok()
  T& value() { return std::get<T>(v_); }
  const T& value() const { return std::get<T>(v_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace scrubber

#endif  // SCRUBBER_STATUS_H_
