// RAII wrappers of libcurl's easy and multi handles; the only code that calls libcurl's C API.
#pragma once

#include <curl/curl.h>

#include <array>
#include <chrono>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mailsync::curl {

// One transfer or connection. Moves, never copies.
class Easy {
public:
    Easy();
    ~Easy();
    Easy(const Easy&) = delete;
    Easy& operator=(const Easy&) = delete;

    // curl_easy_setopt; a failure here is a programming error and is ignored like curl does.
    void set(CURLoption option, long value);
    void set(CURLoption option, const std::string& value);
    void set(CURLoption option, void* value);
    void set_callback(CURLoption option, curl_debug_callback callback);
    void set_callback(CURLoption option, curl_write_callback callback);
    void set_headers(curl_slist* headers); // takes ownership

    // Runs the transfer (curl_easy_perform).
    CURLcode perform();
    // libcurl sends a request again by itself, at once, when a reused connection turns out
    // closed before any answer came; the server may have done the work. Once this is called,
    // such a second send stops the transfer instead (CURLE_ABORTED_BY_CALLBACK), so that the
    // caller counts it and retries with its own backoff.
    void stop_resends();
    // Whether the last perform() stopped a re-send.
    bool resend_stopped() const { return m_sends > 1; }

    // Raw I/O on a CONNECT_ONLY connection; CURLE_AGAIN when the socket is not ready.
    CURLcode send(std::string_view data, std::size_t& sent);
    CURLcode recv(char* buffer, std::size_t size, std::size_t& received);

    long response_code() const;
    curl_socket_t active_socket() const;
    // The text libcurl left in the error buffer for the last failure, or curl_easy_strerror.
    std::string error_text(CURLcode code) const;

    CURL* handle() const { return m_handle; }
    static Easy* from(CURL* handle); // the wrapper of a handle made here

private:
    static int on_send(void* self, char*, char*, int, int);

    CURL* m_handle;
    curl_slist* m_headers = nullptr;
    char m_error[CURL_ERROR_SIZE] = {};
    int m_sends = 0; // times the request went out during the current perform()
};

// A multi handle that drives many Easy handles at once on one thread.
class Multi {
public:
    Multi();
    ~Multi();
    Multi(const Multi&) = delete;
    Multi& operator=(const Multi&) = delete;

    void add(Easy& easy);
    void remove(Easy& easy);
    // Runs what is ready; the number of transfers still running.
    int perform();
    // Waits up to `timeout` for libcurl's sockets or the extra ones.
    void poll(std::span<curl_waitfd> extra, std::chrono::milliseconds timeout);
    // The next finished transfer, if any.
    struct Done {
        Easy* easy;
        CURLcode result;
    };
    std::optional<Done> next_done();

private:
    CURLM* m_handle;
};

// A share handle: the DNS cache and TLS sessions shared by Easy handles that run on different
// threads, each kind of data behind its own lock.
class Share {
public:
    Share();
    ~Share();
    Share(const Share&) = delete;
    Share& operator=(const Share&) = delete;

    CURLSH* handle() const { return m_handle; }

private:
    static void lock(CURL*, curl_lock_data data, curl_lock_access, void* self);
    static void unlock(CURL*, curl_lock_data data, void* self);

    CURLSH* m_handle;
    std::array<std::mutex, CURL_LOCK_DATA_LAST> m_locks;
};

// A URL's parts as libcurl reads them when it sends a request, so that what is checked is what
// is reached. `port` is as written (maybe empty); `port_number` is it or the scheme's default.
struct UrlParts {
    std::string scheme, user, password, host, port, path, query, fragment;
    int port_number = 0;
};
// nullopt when libcurl does not take the text as a URL.
std::optional<UrlParts> split_url(const std::string& text);

// URL-encodes a form value (application/x-www-form-urlencoded).
std::string form_escape(std::string_view value);

} // namespace mailsync::curl
