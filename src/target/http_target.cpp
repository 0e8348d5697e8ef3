#include "target/http_target.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <random>
#include <set>
#include <thread>

#include <unistd.h>

#include <fmt/format.h>

#include "target/http_answers.hpp"
#include "util/crypto.hpp"
#include "util/net.hpp"

namespace mailsync {

using nlohmann::json;

namespace {

TargetError failed(std::string message) {
    return {TargetError::Code::failed, std::move(message)};
}

// The refusal of a collection that would take a request outside the base URL.
TargetError not_a_collection(const std::string& method, const std::string& collection) {
    return failed(
        fmt::format("{}: '{}' is not a collection name; nothing was sent", method, collection));
}

// The parts of a target URL that matter here.
struct TargetUrl {
    std::string scheme, host, port, path;
};

Result<TargetUrl> parse_url(const std::string& spec) {
    std::optional<curl::UrlParts> url = curl::split_url(spec);
    if (!url)
        return fail(fmt::format("target '{}' is not a URL", spec));
    if (!url->user.empty() || !url->password.empty())
        return fail("the target URL must not hold credentials; the bearer token comes from "
                    "MAILSYNC_TARGET_TOKEN");
    if (!url->query.empty() || !url->fragment.empty())
        return fail(fmt::format("target '{}': a query or fragment has no meaning here", spec));
    TargetUrl out{url->scheme, url->host, url->port, url->path};
    while (out.path.ends_with('/'))
        out.path.pop_back();
    return out;
}

std::string reason_phrase(long status) {
    switch (status) {
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 409:
        return "Conflict";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Payload Too Large";
    case 422:
        return "Unprocessable Entity";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "";
    }
}

std::string server_message(const HttpResponse& response) {
    return error_message(response.body);
}

std::string server_code(const HttpResponse& response) {
    return error_code(response.body);
}

bool retryable(CURLcode code) {
    switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}

bool retryable(long status) {
    return status == 429 || status == 502 || status == 503 || status == 504;
}

std::optional<std::chrono::milliseconds> retry_after(const HttpResponse& response) {
    auto found = response.headers.find("retry-after");
    if (found == response.headers.end())
        return std::nullopt;
    return read_retry_after(found->second, std::time(nullptr));
}

// Exponential backoff with full jitter: a random wait in [base·2ⁿ/2, base·2ⁿ], at most 10 s.
std::chrono::milliseconds backoff(std::chrono::milliseconds base, int retry) {
    thread_local std::mt19937_64 random{std::random_device{}()};
    double ceiling = std::min(10'000.0, static_cast<double>(base.count()) * std::pow(2.0, retry));
    std::uniform_real_distribution<double> pick(ceiling / 2, ceiling);
    return std::chrono::milliseconds(static_cast<long>(pick(random)));
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* out) {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* out) {
    read_header_line(std::string_view(data, size * count),
                     *static_cast<std::map<std::string, std::string>*>(out));
    return size * count;
}

std::string write_body(const WriteRequest& request) {
    json body = request.fields;
    for (const auto& [key, value] : request.secrets)
        body[key] = value.reveal();
    return body.dump();
}

} // namespace

std::uint64_t Throttle::acquire() {
    std::unique_lock lock(m_mutex);
    m_changed.wait(lock, [this] {
        return static_cast<double>(m_in_flight) < std::max(1.0, std::floor(m_limit));
    });
    ++m_in_flight;
    return m_epoch;
}

void Throttle::release(std::uint64_t epoch, bool slow_down) {
    std::lock_guard lock(m_mutex);
    --m_in_flight;
    // One cut per round: the 429s of requests sent before the last cut are its echo.
    if (slow_down && epoch == m_epoch) {
        ++m_epoch;
        // Halve from what was really in flight, not from a limit never reached.
        double before = std::min(m_limit, static_cast<double>(m_in_flight + 1));
        m_limit = std::max(1.0, before / 2);
    } else if (!slow_down) {
        m_limit = std::min(static_cast<double>(m_most), m_limit + 1.0 / std::max(1.0, m_limit));
    }
    m_lowest = std::min(m_lowest, m_limit);
    m_changed.notify_all();
}

std::size_t Throttle::lowest() const {
    std::lock_guard lock(m_mutex);
    return static_cast<std::size_t>(std::floor(std::min(m_lowest, m_limit)));
}

std::size_t Throttle::limit() const {
    std::lock_guard lock(m_mutex);
    return static_cast<std::size_t>(std::floor(m_limit));
}

Result<std::unique_ptr<HttpTarget>> HttpTarget::open(const std::string& spec,
                                                     const TargetOptions& options) {
    Result<TargetUrl> url = parse_url(spec);
    if (!url)
        return std::unexpected(url.error());
    if (url->scheme == "http") {
        if (!is_loopback_host(url->host))
            return fail(fmt::format("target {}: plain http:// is allowed only on this machine "
                                    "(localhost, 127.0.0.1, ::1); use https://",
                                    spec));
        if (options.warn)
            options.warn(fmt::format("target {} is plain HTTP: the token and secrets travel "
                                     "unencrypted (allowed because it is loopback)",
                                     spec));
    } else if (url->scheme != "https") {
        return fail(fmt::format("target '{}': the scheme must be https", spec));
    }
    if (!options.ca_file.empty() && ::access(options.ca_file.c_str(), R_OK) != 0)
        return fail(fmt::format("--target-ca-file {}: no such readable file", options.ca_file));
    if (options.page_size < 1 || options.page_size > max_page_size)
        return fail(fmt::format("a listing page of {} objects: the target API gives 1 to {}",
                                options.page_size, max_page_size));
    if (!options.token || options.token->reveal().empty())
        return fail(fmt::format("target {} needs a bearer token: set MAILSYNC_TARGET_TOKEN", spec));
    std::string origin =
        fmt::format("{}://{}{}", url->scheme, url->host, url->port.empty() ? "" : ":" + url->port);
    std::string base = origin + url->path;
    return std::unique_ptr<HttpTarget>(new HttpTarget(base, base, options));
}

HttpTarget::HttpTarget(std::string base_url, std::string description, const TargetOptions& options)
    : m_base_url(std::move(base_url)), m_description(std::move(description)), m_options(options),
      m_authorization("Authorization: Bearer " + options.token->reveal()),
      m_throttle(std::max<std::size_t>(1, options.max_concurrency)) {}

HttpTarget::~HttpTarget() {
    std::lock_guard lock(m_pool_mutex);
    m_pool.clear(); // before the share handle goes
}

std::unique_ptr<curl::Easy> HttpTarget::take_handle() {
    {
        std::lock_guard lock(m_pool_mutex);
        if (!m_pool.empty()) {
            std::unique_ptr<curl::Easy> easy = std::move(m_pool.back());
            m_pool.pop_back();
            return easy;
        }
    }
    auto easy = std::make_unique<curl::Easy>();
    easy->set(CURLOPT_SHARE, static_cast<void*>(m_share.handle()));
    easy->set(CURLOPT_HTTP_VERSION, long{CURL_HTTP_VERSION_2TLS});
    easy->set(CURLOPT_PROTOCOLS_STR, std::string("http,https"));
    easy->set(CURLOPT_SSL_VERIFYPEER, 1L);
    easy->set(CURLOPT_SSL_VERIFYHOST, 2L);
    if (!m_options.ca_file.empty()) {
        easy->set(CURLOPT_CAINFO, m_options.ca_file);
        easy->set(CURLOPT_CAPATH, static_cast<void*>(nullptr));
    }
    easy->set(CURLOPT_TCP_KEEPALIVE, 1L);
    // gzip for the listing pages; not brotli, whose encoder costs a server more than it saves
    // on answers this small.
    easy->set(CURLOPT_ACCEPT_ENCODING, std::string("gzip"));
    easy->set(CURLOPT_CONNECTTIMEOUT_MS,
              static_cast<long>(std::min<long>(10'000, m_options.timeout.count())));
    easy->set(CURLOPT_TIMEOUT_MS, static_cast<long>(m_options.timeout.count()));
    easy->set(CURLOPT_USERAGENT, std::string("mailsync/" MAILSYNC_VERSION));
    easy->set_callback(CURLOPT_WRITEFUNCTION, &on_body);
    easy->set_callback(CURLOPT_HEADERFUNCTION, &on_header);
    easy->stop_resends(); // every send counted and retried with the backoff, by send()
    return easy;
}

void HttpTarget::give_back(std::unique_ptr<curl::Easy> easy) {
    std::lock_guard lock(m_pool_mutex);
    m_pool.push_back(std::move(easy));
}

HttpTarget::Attempt HttpTarget::attempt(const HttpRequest& request) {
    Attempt out;
    std::unique_ptr<curl::Easy> easy = take_handle();
    easy->set(CURLOPT_URL, m_base_url + request.path);
    easy->set(CURLOPT_WRITEDATA, static_cast<void*>(&out.response.body));
    easy->set(CURLOPT_HEADERDATA, static_cast<void*>(&out.response.headers));
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, m_authorization.c_str());
    headers = curl_slist_append(headers, "Accept: application/json");
    headers = curl_slist_append(headers, "Expect:");
    if (request.method == "GET") {
        easy->set(CURLOPT_HTTPGET, 1L);
        easy->set(CURLOPT_CUSTOMREQUEST, static_cast<void*>(nullptr));
    } else {
        headers = curl_slist_append(headers, "Content-Type: application/json");
        easy->set(CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
        easy->set(CURLOPT_COPYPOSTFIELDS, request.body);
        if (request.method == "POST")
            easy->set(CURLOPT_CUSTOMREQUEST, static_cast<void*>(nullptr));
        else
            easy->set(CURLOPT_CUSTOMREQUEST, request.method);
    }
    if (!request.if_match.empty())
        headers =
            curl_slist_append(headers, fmt::format("If-Match: \"{}\"", request.if_match).c_str());
    if (!request.idempotency_key.empty())
        headers = curl_slist_append(
            headers, fmt::format("Idempotency-Key: {}", request.idempotency_key).c_str());
    easy->set_headers(headers);
    out.code = easy->perform();
    if (easy->resend_stopped()) {
        // A kept-alive connection closed before any answer: the server may have done the work.
        out.code = CURLE_GOT_NOTHING;
        out.error = "the connection closed before an answer came";
    } else if (out.code != CURLE_OK) {
        out.error = easy->error_text(out.code);
    } else {
        out.response.status = easy->response_code();
    }
    easy->set_headers(nullptr); // the Authorization line is not kept around
    if (out.code == CURLE_OK || retryable(out.code))
        give_back(std::move(easy));
    return out;
}

TargetResult<HttpResponse> HttpTarget::send(const HttpRequest& request) {
    std::string what = fmt::format("{} {}", request.method, request.path);
    int tries = std::max(1, m_options.max_tries);
    std::string last_problem;
    for (int attempt_number = 1;; ++attempt_number) {
        std::uint64_t epoch = m_throttle.acquire();
        ++m_counters.requests;
        Attempt result = attempt(request);
        bool slow_down = result.code == CURLE_OK && result.response.status == 429;
        m_throttle.release(epoch, slow_down);

        std::optional<std::chrono::milliseconds> wait;
        if (result.code != CURLE_OK) {
            if (!retryable(result.code))
                return std::unexpected(failed(fmt::format("{}: {}", what, result.error)));
            ++m_counters.dropped;
            last_problem = result.error;
        } else if (long status = result.response.status;
                   retryable(status) ||
                   (status == 409 && server_code(result.response) == "request_in_progress")) {
            if (status == 429)
                ++m_counters.throttled;
            else
                ++m_counters.unavailable;
            last_problem = fmt::format("{} {}: {}", status, reason_phrase(status),
                                       server_message(result.response));
            wait = retry_after(result.response);
        } else {
            return std::move(result.response);
        }
        if (attempt_number >= tries)
            return std::unexpected(
                failed(fmt::format("{}: {} (gave up after {} tries)", what, last_problem, tries)));
        ++m_counters.retries;
        // A Retry-After beyond two minutes is taken as two minutes: the run stays alive and
        // the tries, not the server, decide when to give up.
        std::this_thread::sleep_for(
            wait ? std::min<std::chrono::milliseconds>(*wait, std::chrono::minutes(2))
                 : backoff(m_options.backoff, attempt_number - 1));
    }
}

namespace {

// A response that is not a success, as a TargetError with the server's words.
TargetError response_error(const std::string& what, const HttpResponse& response) {
    std::string status = fmt::format("{} {}", response.status, reason_phrase(response.status));
    std::string message = server_message(response);
    switch (response.status) {
    case 401:
        return failed(fmt::format("{}: {}: {} (the target refused the bearer token; check "
                                  "MAILSYNC_TARGET_TOKEN)",
                                  what, status, message));
    case 403:
        return failed(fmt::format("{}: {}: {} (MAILSYNC_TARGET_TOKEN may not make this request: "
                                  "a token of the read scope can only list; apply needs one of "
                                  "the write scope)",
                                  what, status, message));
    case 404:
        return {TargetError::Code::not_found, fmt::format("{}: {}: {}", what, status, message)};
    case 409:
    case 412:
        return {TargetError::Code::conflict, fmt::format("{}: {}: {}", what, status, message)};
    default:
        return failed(fmt::format("{}: {}: {}", what, status, message));
    }
}

bool success(const HttpResponse& response) {
    return response.status >= 200 && response.status < 300;
}

TargetResult<TargetObject> object_from(const std::string& what, const HttpResponse& response) {
    json body = json::parse(response.body, nullptr, false);
    auto etag = response.headers.find("etag");
    std::optional<TargetObject> object =
        object_from_json(body, etag == response.headers.end() ? "" : etag->second);
    if (!object)
        return std::unexpected(
            failed(fmt::format("{}: the answer is not an object with an id and a version", what)));
    return *object;
}

std::string new_idempotency_key() {
    return to_hex(random_bytes(16));
}

} // namespace

TargetResult<std::vector<TargetObject>> HttpTarget::list(const std::string& collection) {
    if (!is_collection_name(collection))
        return std::unexpected(not_a_collection("GET", collection));
    std::vector<TargetObject> out;
    std::string token;
    std::set<std::string> seen_tokens;
    while (true) {
        HttpRequest request{"GET", fmt::format("/{}?pageSize={}", collection, m_options.page_size),
                            "", "", ""};
        if (!token.empty())
            request.path += "&pageToken=" + curl::form_escape(token);
        std::string what = fmt::format("GET /{}", collection);
        TargetResult<HttpResponse> response = send(request);
        if (!response)
            return std::unexpected(response.error());
        if (!success(*response))
            return std::unexpected(response_error(what, *response));
        Result<ListingPage> page = read_listing_page(response->body);
        if (!page)
            return std::unexpected(failed(fmt::format("{}: {}", what, page.error().message)));
        std::move(page->items.begin(), page->items.end(), std::back_inserter(out));
        if (page->next_token.empty())
            return out;
        token = std::move(page->next_token);
        if (!seen_tokens.insert(token).second)
            return std::unexpected(
                failed(fmt::format("{}: the server sent the page token '{}' twice", what, token)));
    }
}

TargetResult<TargetObject> HttpTarget::create(const std::string& collection,
                                              const WriteRequest& request) {
    if (!is_collection_name(collection))
        return std::unexpected(not_a_collection("POST", collection));
    HttpRequest http{"POST", "/" + collection, write_body(request), "", new_idempotency_key()};
    std::string what = "POST " + http.path;
    TargetResult<HttpResponse> response = send(http);
    if (!response)
        return std::unexpected(response.error());
    if (!success(*response))
        return std::unexpected(response_error(what, *response));
    return object_from(what, *response);
}

TargetResult<TargetObject> HttpTarget::update(const std::string& collection, const std::string& id,
                                              const std::string& version,
                                              const WriteRequest& request) {
    if (!is_collection_name(collection))
        return std::unexpected(not_a_collection("PUT", collection));
    HttpRequest http{"PUT", fmt::format("/{}/{}", collection, curl::form_escape(id)),
                     write_body(request), version, new_idempotency_key()};
    std::string what = "PUT " + http.path;
    TargetResult<HttpResponse> response = send(http);
    if (!response)
        return std::unexpected(response.error());
    if (!success(*response))
        return std::unexpected(response_error(what, *response));
    return object_from(what, *response);
}

TargetResult<void> HttpTarget::remove(const std::string& collection, const std::string& id,
                                      const std::string& version) {
    if (!is_collection_name(collection))
        return std::unexpected(not_a_collection("DELETE", collection));
    HttpRequest http{"DELETE", fmt::format("/{}/{}", collection, curl::form_escape(id)), "",
                     version, new_idempotency_key()};
    TargetResult<HttpResponse> response = send(http);
    if (!response)
        return std::unexpected(response.error());
    if (!success(*response))
        return std::unexpected(response_error("DELETE " + http.path, *response));
    return {};
}

std::vector<std::string> HttpTarget::report() const {
    long retries = m_counters.retries;
    if (retries == 0)
        return {};
    std::vector<std::string> parts;
    if (long n = m_counters.throttled; n > 0)
        parts.push_back(fmt::format("{} × 429 Too Many Requests", n));
    if (long n = m_counters.unavailable; n > 0)
        parts.push_back(fmt::format("{} × 5xx or in progress", n));
    if (long n = m_counters.dropped; n > 0)
        parts.push_back(fmt::format("{} × connection dropped or timed out", n));
    std::string joined;
    for (const std::string& part : parts)
        joined += (joined.empty() ? "" : ", ") + part;
    std::vector<std::string> out{fmt::format("{} of {} requests to the target were retried ({})",
                                             retries, static_cast<long>(m_counters.requests),
                                             joined)};
    if (m_counters.throttled > 0)
        out.push_back(fmt::format("the target asked to slow down: requests in flight went down "
                                  "to {}, and were back at {} by the end",
                                  m_throttle.lowest(), m_throttle.limit()));
    return out;
}

} // namespace mailsync
