#include "util/curl.hpp"

#include <cctype>
#include <cstdlib>
#include <memory>
#include <mutex>

namespace mailsync::curl {

namespace {

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

} // namespace

Easy::Easy() {
    global_init();
    m_handle = curl_easy_init();
    curl_easy_setopt(m_handle, CURLOPT_PRIVATE, this);
    curl_easy_setopt(m_handle, CURLOPT_ERRORBUFFER, m_error);
    curl_easy_setopt(m_handle, CURLOPT_NOSIGNAL, 1L);
}

Easy::~Easy() {
    curl_easy_cleanup(m_handle);
    curl_slist_free_all(m_headers);
}

void Easy::set(CURLoption option, long value) {
    curl_easy_setopt(m_handle, option, value);
}

void Easy::set(CURLoption option, const std::string& value) {
    curl_easy_setopt(m_handle, option, value.c_str()); // libcurl copies strings
}

void Easy::set(CURLoption option, void* value) {
    curl_easy_setopt(m_handle, option, value);
}

void Easy::set_callback(CURLoption option, curl_debug_callback callback) {
    curl_easy_setopt(m_handle, option, callback);
}

void Easy::set_callback(CURLoption option, curl_write_callback callback) {
    curl_easy_setopt(m_handle, option, callback);
}

void Easy::set_headers(curl_slist* headers) {
    curl_slist_free_all(m_headers);
    m_headers = headers;
    curl_easy_setopt(m_handle, CURLOPT_HTTPHEADER, m_headers);
}

CURLcode Easy::perform() {
    m_sends = 0;
    return curl_easy_perform(m_handle);
}

void Easy::stop_resends() {
    curl_easy_setopt(m_handle, CURLOPT_PREREQFUNCTION, &Easy::on_send);
    curl_easy_setopt(m_handle, CURLOPT_PREREQDATA, this);
}

// Called once the connection is there, before each time the request goes out.
int Easy::on_send(void* self, char*, char*, int, int) {
    int sends = ++static_cast<Easy*>(self)->m_sends;
    return sends > 1 ? CURL_PREREQFUNC_ABORT : CURL_PREREQFUNC_OK;
}

CURLcode Easy::send(std::string_view data, std::size_t& sent) {
    return curl_easy_send(m_handle, data.data(), data.size(), &sent);
}

CURLcode Easy::recv(char* buffer, std::size_t size, std::size_t& received) {
    return curl_easy_recv(m_handle, buffer, size, &received);
}

long Easy::response_code() const {
    long code = 0;
    curl_easy_getinfo(m_handle, CURLINFO_RESPONSE_CODE, &code);
    return code;
}

curl_socket_t Easy::active_socket() const {
    curl_socket_t socket = CURL_SOCKET_BAD;
    curl_easy_getinfo(m_handle, CURLINFO_ACTIVESOCKET, &socket);
    return socket;
}

std::string Easy::error_text(CURLcode code) const {
    std::string text = m_error[0] != '\0' ? std::string(m_error) : curl_easy_strerror(code);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
    return text;
}

Easy* Easy::from(CURL* handle) {
    char* pointer = nullptr;
    curl_easy_getinfo(handle, CURLINFO_PRIVATE, &pointer);
    return reinterpret_cast<Easy*>(pointer);
}

Multi::Multi() {
    global_init();
    m_handle = curl_multi_init();
}

Multi::~Multi() {
    curl_multi_cleanup(m_handle);
}

void Multi::add(Easy& easy) {
    curl_multi_add_handle(m_handle, easy.handle());
}

void Multi::remove(Easy& easy) {
    curl_multi_remove_handle(m_handle, easy.handle());
}

int Multi::perform() {
    int running = 0;
    curl_multi_perform(m_handle, &running);
    return running;
}

void Multi::poll(std::span<curl_waitfd> extra, std::chrono::milliseconds timeout) {
    curl_multi_poll(m_handle, extra.data(), static_cast<unsigned>(extra.size()),
                    static_cast<int>(timeout.count()), nullptr);
}

std::optional<Multi::Done> Multi::next_done() {
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(m_handle, &queued)) {
        if (message->msg == CURLMSG_DONE)
            return Done{Easy::from(message->easy_handle), message->data.result};
    }
    return std::nullopt;
}

Share::Share() {
    global_init();
    m_handle = curl_share_init();
    curl_share_setopt(m_handle, CURLSHOPT_LOCKFUNC, &Share::lock);
    curl_share_setopt(m_handle, CURLSHOPT_UNLOCKFUNC, &Share::unlock);
    curl_share_setopt(m_handle, CURLSHOPT_USERDATA, this);
    curl_share_setopt(m_handle, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(m_handle, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    // Not the connection pool: each Easy keeps its own connections, and a shared pool costs a
    // lock round trip per transfer (it doubled the client's CPU time in `scripts/bench
    // http-apply`). Pooled Easy handles reuse their connections all the same.
}

Share::~Share() {
    curl_share_cleanup(m_handle);
}

void Share::lock(CURL*, curl_lock_data data, curl_lock_access, void* self) {
    static_cast<Share*>(self)->m_locks[static_cast<std::size_t>(data)].lock();
}

void Share::unlock(CURL*, curl_lock_data data, void* self) {
    static_cast<Share*>(self)->m_locks[static_cast<std::size_t>(data)].unlock();
}

std::optional<UrlParts> split_url(const std::string& text) {
    std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> url(curl_url(), &curl_url_cleanup);
    if (!url ||
        curl_url_set(url.get(), CURLUPART_URL, text.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
        return std::nullopt;
    auto part = [&](CURLUPart which, unsigned flags = 0) {
        char* value = nullptr;
        std::string out;
        if (curl_url_get(url.get(), which, &value, flags) == CURLUE_OK && value != nullptr)
            out = value;
        curl_free(value);
        return out;
    };
    UrlParts out{part(CURLUPART_SCHEME), part(CURLUPART_USER),    part(CURLUPART_PASSWORD),
                 part(CURLUPART_HOST),   part(CURLUPART_PORT),    part(CURLUPART_PATH),
                 part(CURLUPART_QUERY),  part(CURLUPART_FRAGMENT)};
    std::string port = part(CURLUPART_PORT, CURLU_DEFAULT_PORT);
    out.port_number = std::atoi(port.c_str());
    return out;
}

std::string form_escape(std::string_view value) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(value.size());
    for (unsigned char c : value) {
        if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

} // namespace mailsync::curl
