// `https://HOST/BASE`: the Cloud admin REST API of schemas/target-api.yaml, over libcurl.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "target/target.hpp"
#include "util/curl.hpp"

namespace mailsync {

// One HTTP exchange as the target sees it.
struct HttpRequest {
    std::string method; // GET, POST, PUT, DELETE
    std::string path;   // below the base URL: "/mail-accounts/abc"
    std::string body;   // JSON; may hold secrets, so it is never printed
    std::string if_match;
    std::string idempotency_key;
};

struct HttpResponse {
    long status = 0;
    std::string body;
    std::map<std::string, std::string> headers; // names in lower case
};

// How many requests may be in flight: additive increase on success, halved on a 429 (AIMD), so
// that a server asking for less gets less and the pace comes back once it stops asking.
class Throttle {
public:
    explicit Throttle(std::size_t most) : m_most(most), m_limit(static_cast<double>(most)) {}
    // Waits for a free slot; returns the round it was taken in, for release().
    std::uint64_t acquire();
    // `slow_down`: the server answered 429. Halves the limit once per round.
    void release(std::uint64_t epoch, bool slow_down);

    std::size_t lowest() const;
    std::size_t limit() const;

private:
    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    std::size_t m_most;
    double m_limit;
    double m_lowest = 1e9;
    std::size_t m_in_flight = 0;
    std::uint64_t m_epoch = 0;
};

// Every request carries the bearer token; creates (and updates and deletes) carry an
// Idempotency-Key that stays the same across the request's retries, so that a create whose
// answer was lost and is sent again never makes a second object. 429, 502, 503, 504 and dropped
// connections are retried up to `max_tries` times, after `Retry-After` when the server says it,
// else after an exponential backoff with full jitter; libcurl's own immediate re-send on a
// kept-alive connection that closed is stopped, so that it is one of these retries too. 409 and
// 412 are conflicts, never retried (except 409 `request_in_progress`: the same key is still being
// worked on).
class HttpTarget : public Target {
public:
    static Result<std::unique_ptr<HttpTarget>> open(const std::string& spec,
                                                    const TargetOptions& options);
    ~HttpTarget() override;

    std::string describe() const override { return m_description; }
    TargetResult<std::vector<TargetObject>> list(const std::string& collection) override;
    TargetResult<TargetObject> create(const std::string& collection,
                                      const WriteRequest& request) override;
    TargetResult<TargetObject> update(const std::string& collection, const std::string& id,
                                      const std::string& version,
                                      const WriteRequest& request) override;
    TargetResult<void> remove(const std::string& collection, const std::string& id,
                              const std::string& version) override;
    std::vector<std::string> report() const override;

    // Sends one request with retries; exposed for tests.
    TargetResult<HttpResponse> send(const HttpRequest& request);

    struct Counters {
        std::atomic<long> requests{0}, retries{0}, throttled{0}, unavailable{0}, dropped{0};
    };
    const Counters& counters() const { return m_counters; }

private:
    HttpTarget(std::string base_url, std::string description, const TargetOptions& options);

    struct Attempt {
        CURLcode code = CURLE_OK;
        std::string error;
        HttpResponse response;
    };
    Attempt attempt(const HttpRequest& request);
    std::unique_ptr<curl::Easy> take_handle();
    void give_back(std::unique_ptr<curl::Easy> easy);

    std::string m_base_url; // without a trailing slash
    std::string m_description;
    TargetOptions m_options;
    std::string m_authorization; // "Authorization: Bearer ..."; never printed
    curl::Share m_share;         // outlives every handle in the pool
    std::mutex m_pool_mutex;
    std::vector<std::unique_ptr<curl::Easy>> m_pool;
    Throttle m_throttle;
    Counters m_counters;
};

} // namespace mailsync
