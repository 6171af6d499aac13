// The control-plane client: one libcurl easy handle reused across calls (so a
// keep-alive connection is too), a retry loop shared by every call, request
// bodies built with nlohmann::json and replies read with simdjson. Uploads are
// compressed to an unlinked temporary file first, because the SHA-256 of the
// compressed body goes in a header that precedes it.
#include "agent/control_plane.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <simdjson.h>
#include <zstd.h>

#include <nlohmann/json.hpp>

namespace scrubber::agent {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr size_t kMaxReplyBytes = size_t{16} << 20;  // a job document is far smaller
constexpr int kZstdLevel = 3;

Status CurlInitStatus() {
  static std::once_flag once;
  static CURLcode code = CURLE_OK;
  std::call_once(once, [] { code = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (code != CURLE_OK) {
    return Internal(std::string("libcurl initialisation failed: ") + curl_easy_strerror(code));
  }
  return Status::Ok();
}

bool IsDigits(std::string_view s) {
  return !s.empty() && s.size() <= 3 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string FormatUtc(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string Hex(const unsigned char* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 15];
  }
  return out;
}

// Serializes with invalid UTF-8 replaced (log_tail is arbitrary scrubbed bytes).
std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

size_t AppendReply(char* data, size_t size, size_t count, void* user) {
  auto* out = static_cast<std::string*>(user);
  size_t n = size * count;
  if (out->size() + n > kMaxReplyBytes) {
    return 0;  // makes curl fail with CURLE_WRITE_ERROR
  }
  out->append(data, n);
  return n;
}

size_t ReadUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* file = static_cast<std::FILE*>(user);
  size_t n = std::fread(buffer, 1, size * count, file);
  if (n == 0 && std::ferror(file)) {
    return CURL_READFUNC_ABORT;
  }
  return n;
}

// Compresses `in` into `out` as one zstd frame and returns the hex SHA-256 of
// what was written, or an error naming `what`.
Result<std::string> CompressAndHash(std::FILE* in, std::FILE* out, std::string_view what) {
  std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> cctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!cctx || !md || EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr) != 1) {
    return Internal(std::string(what) + ": cannot set up zstd or SHA-256");
  }
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, kZstdLevel);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1);
  std::vector<char> in_buf(ZSTD_CStreamInSize());
  std::vector<char> out_buf(ZSTD_CStreamOutSize());
  bool last = false;
  while (!last) {
    size_t got = std::fread(in_buf.data(), 1, in_buf.size(), in);
    if (std::ferror(in)) {
      return IoError(std::string(what) + ": reading the file failed");
    }
    last = got < in_buf.size();
    ZSTD_EndDirective mode = last ? ZSTD_e_end : ZSTD_e_continue;
    ZSTD_inBuffer input{in_buf.data(), got, 0};
    bool done = false;
    while (!done) {
      ZSTD_outBuffer output{out_buf.data(), out_buf.size(), 0};
      size_t remaining = ZSTD_compressStream2(cctx.get(), &output, &input, mode);
      if (ZSTD_isError(remaining)) {
        return Internal(std::string(what) + ": zstd: " + ZSTD_getErrorName(remaining));
      }
      if (std::fwrite(out_buf.data(), 1, output.pos, out) != output.pos ||
          EVP_DigestUpdate(md.get(), out_buf.data(), output.pos) != 1) {
        return IoError(std::string(what) + ": writing the compressed copy failed");
      }
      done = last ? remaining == 0 : input.pos == input.size;
    }
  }
  if (std::fflush(out) != 0) {
    return IoError(std::string(what) + ": writing the compressed copy failed");
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (EVP_DigestFinal_ex(md.get(), digest, &digest_len) != 1) {
    return Internal(std::string(what) + ": SHA-256 failed");
  }
  return Hex(digest, digest_len);
}

}  // namespace

std::string EscapePathSegment(std::string_view segment) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  if (segment == "." || segment == "..") {
    return segment.size() == 1 ? "%2E" : "%2E%2E";  // else a dot segment, removed by curl
  }
  std::string out;
  for (unsigned char c : segment) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kDigits[c >> 4];
      out += kDigits[c & 15];
    }
  }
  return out;
}

bool IsLoopbackHost(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "::1" || host == "0:0:0:0:0:0:0:1") {
    return true;
  }
  std::string lower(host);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "localhost" || lower == "localhost.") {
    return true;
  }
  // Dotted quad 127.a.b.c, each part 0..255.
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t dot = host.find('.', start);
    parts.push_back(host.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) {
      break;
    }
    start = dot + 1;
  }
  if (parts.size() != 4 || parts[0] != "127") {
    return false;
  }
  return std::all_of(parts.begin(), parts.end(), [](std::string_view p) {
    return IsDigits(p) && std::stoi(std::string(p)) <= 255;
  });
}

class ControlPlane::Session {
 public:
  Session() = default;
  ~Session() {
    if (curl_ != nullptr) {
      curl_easy_cleanup(curl_);
    }
    OPENSSL_cleanse(auth_header_.data(), auth_header_.size());
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  CURL* curl_ = nullptr;
  std::string auth_header_;  // "Authorization: Bearer TOKEN"
};

struct ControlPlane::Request {
  const char* method = "GET";  // GET, POST or PUT
  std::string path;            // appended to the api URL
  std::string body;            // POST body
  std::string content_type = "application/json";
  std::FILE* upload = nullptr;  // PUT body, read from the start on every attempt
  curl_off_t upload_size = 0;
  std::vector<std::string> headers;  // extra headers
};

struct ControlPlane::Reply {
  long status = 0;
  std::string body;
};

Result<std::unique_ptr<ControlPlane>> ControlPlane::Create(ClientOptions options) {
  if (Status s = CurlInitStatus(); !s.ok()) {
    return s;
  }
  if (options.job.empty() || options.token.empty()) {
    return InvalidArgument("control plane: job id and token must be non-empty");
  }
  if (options.max_attempts < 1) {
    return InvalidArgument("control plane: max_attempts must be at least 1");
  }
  while (!options.api.empty() && options.api.back() == '/') {
    options.api.pop_back();
  }
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> url(curl_url(), curl_url_cleanup);
  char* scheme = nullptr;
  char* host = nullptr;
  bool parsed = url &&
                curl_url_set(url.get(), CURLUPART_URL, options.api.c_str(), 0) == CURLUE_OK &&
                curl_url_get(url.get(), CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
                curl_url_get(url.get(), CURLUPART_HOST, &host, 0) == CURLUE_OK;
  std::string scheme_str = scheme != nullptr ? scheme : "";
  std::string host_str = host != nullptr ? host : "";
  curl_free(scheme);
  curl_free(host);
  if (!parsed || (scheme_str != "https" && scheme_str != "http")) {
    return InvalidArgument("control plane: api is not an http(s) URL");
  }
  if (scheme_str == "http" && !IsLoopbackHost(host_str)) {
    return InvalidArgument("api URL must be https (plain http only to loopback)");
  }
  auto session = std::make_unique<Session>();
  session->curl_ = curl_easy_init();
  if (session->curl_ == nullptr) {
    return Internal("control plane: cannot create a libcurl handle");
  }
  session->auth_header_ = "Authorization: Bearer " + options.token;
  return std::unique_ptr<ControlPlane>(new ControlPlane(std::move(options), std::move(session)));
}

ControlPlane::ControlPlane(ClientOptions options, std::unique_ptr<Session> session)
    : options_(std::move(options)), session_(std::move(session)), jitter_(std::random_device{}()) {}

ControlPlane::~ControlPlane() {
  OPENSSL_cleanse(options_.token.data(), options_.token.size());
}

std::string ControlPlane::JobPath() const {
  return "/v1/jobs/" + EscapePathSegment(options_.job);
}

Status ControlPlane::ExpiredError(std::string_view what) const {
  return IoError(std::string(what) + ": agent token expired at " + FormatUtc(options_.expires_at));
}

Result<ControlPlane::Reply> ControlPlane::Call(std::string_view what, const Request& request) {
  CURL* curl = session_->curl_;
  const std::string url = options_.api + request.path;
  const Clock::time_point started = Clock::now();
  const bool budgeted = options_.retry_budget.count() > 0;
  const Clock::time_point deadline = started + options_.retry_budget;
  milliseconds delay = options_.initial_backoff;
  std::string last_error;
  int attempt = 0;
  while (true) {
    if (std::chrono::system_clock::now() >= options_.expires_at) {
      return ExpiredError(what);
    }
    ++attempt;
    milliseconds timeout = options_.request_timeout;
    if (budgeted) {
      auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      timeout = std::clamp(left, milliseconds(1), timeout);
    }
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, session_->auth_header_.c_str());
    headers = curl_slist_append(headers, "X-Scrub-Api-Version: 1");
    headers = curl_slist_append(headers, "Accept: application/json");
    headers = curl_slist_append(headers, ("Content-Type: " + request.content_type).c_str());
    headers = curl_slist_append(headers, "Expect:");
    for (const std::string& h : request.headers) {
      headers = curl_slist_append(headers, h.c_str());
    }
    Reply reply;
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "scrub-agent");
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendReply);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
    if (std::strcmp(request.method, "POST") == 0) {
      curl_easy_setopt(curl, CURLOPT_POST, 1L);
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    } else if (std::strcmp(request.method, "PUT") == 0) {
      std::rewind(request.upload);
      curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadUpload);
      curl_easy_setopt(curl, CURLOPT_READDATA, request.upload);
      curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, request.upload_size);
    }
    CURLcode code = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    bool retry = true;
    if (code == CURLE_OK) {
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
      if (reply.status >= 200 && reply.status < 300) {
        return reply;
      }
      last_error = "HTTP " + std::to_string(reply.status);
      retry = reply.status >= 500;
    } else {
      last_error = curl_easy_strerror(code);
      // Our own refusals are not the network's fault.
      retry = code != CURLE_READ_ERROR && code != CURLE_WRITE_ERROR &&
              code != CURLE_ABORTED_BY_CALLBACK && code != CURLE_UNSUPPORTED_PROTOCOL &&
              code != CURLE_URL_MALFORMAT;
    }
    if (!retry) {
      return IoError(std::string(what) + ": " + last_error + " (not retried)");
    }
    if (attempt >= options_.max_attempts) {
      return IoError(std::string(what) + ": gave up after " + std::to_string(attempt) +
                     " attempts, last: " + last_error);
    }
    std::uniform_int_distribution<int64_t> pick(delay.count() / 2, delay.count());
    milliseconds sleep(pick(jitter_));
    if (budgeted && Clock::now() + sleep >= deadline) {
      return IoError(std::string(what) + ": gave up after " + std::to_string(attempt) +
                     " attempts in " + std::to_string(options_.retry_budget.count() / 1000) +
                     " s, last: " + last_error);
    }
    std::this_thread::sleep_for(sleep);
    delay = std::min(delay * 2, options_.max_backoff);
  }
}

Result<int> ControlPlane::Register(const RegisterInfo& info) {
  constexpr std::string_view kWhat = "register";
  Request request;
  request.method = "POST";
  request.path = JobPath() + "/register";
  request.body = Dump({{"agent_version", info.agent_version},
                       {"host", info.host},
                       {"os", info.os},
                       {"cpus", info.cpus}});
  Result<Reply> reply = Call(kWhat, request);
  if (!reply.ok()) {
    return reply.status();
  }
  return ParseRegisterReply(reply->body);
}

Result<int> ParseRegisterReply(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::element doc;
  int64_t heartbeat = 0;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS ||
      doc["heartbeat_s"].get_int64().get(heartbeat) != simdjson::SUCCESS || heartbeat <= 0 ||
      heartbeat > 86400) {
    return InvalidInput("register: reply has no heartbeat_s between 1 and 86400");
  }
  return static_cast<int>(heartbeat);
}

Result<std::string> ControlPlane::FetchJob() {
  Request request;
  request.path = JobPath();
  Result<Reply> reply = Call("fetch job", request);
  if (!reply.ok()) {
    return reply.status();
  }
  Status s = CheckJobReply(reply->body);
  if (!s.ok()) {
    return s;
  }
  return std::move(reply->body);
}

Status CheckJobReply(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::element doc;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
    return InvalidInput("fetch job: reply is not a JSON object");
  }
  return Status::Ok();
}

Result<bool> ControlPlane::SendEvent(const Event& event) {
  nlohmann::json body = {
      {"seq", event.seq},     {"state", event.state},           {"step", event.step},
      {"exit_code", nullptr}, {"redactions", event.redactions}, {"log_tail", event.log_tail}};
  if (event.exit_code.has_value()) {
    body["exit_code"] = *event.exit_code;
  }
  Request request;
  request.method = "POST";
  request.path = JobPath() + "/events";
  request.body = Dump(body);
  Result<Reply> reply = Call("event", request);
  if (!reply.ok()) {
    return reply.status();
  }
  return ParseEventReply(reply->body);
}

Result<bool> ParseEventReply(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::object doc;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS) {
    return InvalidInput("event: reply is not a JSON object");
  }
  simdjson::dom::element cancel;
  if (doc["cancel"].get(cancel) != simdjson::SUCCESS) {
    return false;
  }
  bool value = false;
  if (cancel.get_bool().get(value) != simdjson::SUCCESS) {
    return InvalidInput("event: reply's cancel is not a boolean");
  }
  return value;
}

Status ControlPlane::UploadArtifact(const std::string& name, const std::string& path) {
  const std::string what = "upload artifact " + name;
  if (std::chrono::system_clock::now() >= options_.expires_at) {
    return ExpiredError(what);
  }
  using FilePtr = std::unique_ptr<std::FILE, decltype(&std::fclose)>;
  FilePtr in(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!in) {
    return IoError(what + ": cannot open " + path + ": " + std::strerror(errno));
  }
  FilePtr compressed(std::tmpfile(), std::fclose);
  if (!compressed) {
    return IoError(what + ": cannot create a temporary file: " + std::strerror(errno));
  }
  Result<std::string> sha256 = CompressAndHash(in.get(), compressed.get(), what);
  if (!sha256.ok()) {
    return sha256.status();
  }
  Request request;
  request.method = "PUT";
  request.path = JobPath() + "/artifacts/" + EscapePathSegment(name);
  request.content_type = "application/zstd";
  request.upload = compressed.get();
  request.upload_size = static_cast<curl_off_t>(std::ftell(compressed.get()));
  request.headers.push_back("X-Content-SHA256: " + *sha256);
  Result<Reply> reply = Call(what, request);
  return reply.ok() ? Status::Ok() : reply.status();
}

Status ControlPlane::Revoke() {
  Request request;
  request.method = "POST";
  request.path = JobPath() + "/revoke";
  request.body = "{}";
  Result<Reply> reply = Call("revoke", request);
  return reply.ok() ? Status::Ok() : reply.status();
}

}  // namespace scrubber::agent
