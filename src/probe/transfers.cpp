#include "probe/transfers.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace mailsync {

namespace {

constexpr std::size_t max_token_body = 64 * 1024;

std::string revealed(const std::optional<Secret>& secret) {
    return secret && secret->value ? secret->value->reveal() : std::string();
}

int mail_debug(CURL*, curl_infotype type, char* data, size_t size, void* user) {
    static_cast<ProtocolTrace*>(user)->on_curl(type, std::string_view(data, size));
    return 0;
}

int http_debug(CURL*, curl_infotype type, char* data, size_t size, void* user) {
    auto* trace = static_cast<HttpTrace*>(user);
    std::string_view text(data, size);
    std::string_view prefix = type == CURLINFO_TEXT         ? "* "
                              : type == CURLINFO_HEADER_OUT ? "> "
                              : type == CURLINFO_HEADER_IN  ? "< "
                              : type == CURLINFO_DATA_OUT   ? "> "
                              : type == CURLINFO_DATA_IN    ? "< "
                                                            : "";
    if (prefix.empty() || trace->lines.size() > 200)
        return 0;
    std::string shown = trace->redactor->apply(redact_http(text));
    std::size_t at = 0;
    while (at < shown.size()) {
        std::size_t end = shown.find('\n', at);
        std::string line = shown.substr(at, end == std::string::npos ? end : end - at);
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (!line.empty())
            trace->lines.push_back(std::string(prefix) + line);
        if (end == std::string::npos)
            break;
        at = end + 1;
    }
    return 0;
}

size_t collect_body(char* data, size_t size, size_t count, void* user) {
    auto* body = static_cast<std::string*>(user);
    std::size_t bytes = size * count;
    if (body->size() < max_token_body)
        body->append(data, std::min(bytes, max_token_body - body->size()));
    return bytes;
}

void apply_tls(curl::Easy& easy, const TlsSettings& tls) {
    easy.set(CURLOPT_SSL_VERIFYPEER, tls.verify ? 1L : 0L);
    easy.set(CURLOPT_SSL_VERIFYHOST, tls.verify ? 2L : 0L);
    if (!tls.ca_file.empty()) {
        // The resource's CA file replaces the system store rather than adding to it.
        easy.set(CURLOPT_CAINFO, tls.ca_file);
        easy.set(CURLOPT_CAPATH, static_cast<void*>(nullptr));
    }
}

void set_password_login(curl::Easy& easy, const Connection& c) {
    if (c.auth->password) {
        easy.set(CURLOPT_USERNAME, c.username);
        easy.set(CURLOPT_PASSWORD, revealed(c.auth->password));
    } else if (c.auth->admin) {
        const AdminAuth& admin = *c.auth->admin;
        easy.set(CURLOPT_PASSWORD, revealed(admin.password));
        if (admin.user.empty()) {
            easy.set(CURLOPT_USERNAME, c.username); // the shared "magic password"
        } else if (admin.login == AdminLogin::master) {
            easy.set(CURLOPT_USERNAME, c.username + admin.separator + admin.user);
        } else {
            easy.set(CURLOPT_USERNAME, admin.user);
            easy.set(CURLOPT_SASL_AUTHZID, c.username);
            easy.set(CURLOPT_LOGIN_OPTIONS, std::string("AUTH=PLAIN"));
        }
    }
}

} // namespace

std::unique_ptr<curl::Easy> token_transfer(const TokenRequest& request,
                                           std::chrono::milliseconds timeout, std::string& body,
                                           HttpTrace* trace) {
    auto easy = std::make_unique<curl::Easy>();
    easy->set(CURLOPT_URL, request.url);
    easy->set(CURLOPT_POSTFIELDS, request.body);
    easy->set(CURLOPT_PROTOCOLS_STR, std::string("https,http"));
    easy->set_headers(curl_slist_append(nullptr, "Accept: application/json"));
    easy->set(CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    easy->set(CURLOPT_USERAGENT, std::string("mailsync"));
    apply_tls(*easy, request.tls);
    easy->set_callback(CURLOPT_WRITEFUNCTION, collect_body);
    easy->set(CURLOPT_WRITEDATA, static_cast<void*>(&body));
    if (trace != nullptr) {
        easy->set(CURLOPT_VERBOSE, 1L);
        easy->set_callback(CURLOPT_DEBUGFUNCTION, http_debug);
        easy->set(CURLOPT_DEBUGDATA, static_cast<void*>(trace));
    }
    return easy;
}

std::unique_ptr<curl::Easy> mail_transfer(const Connection& c, std::chrono::milliseconds budget,
                                          ProtocolTrace& trace, bool password_login) {
    auto easy = std::make_unique<curl::Easy>();
    std::string scheme(protocol_name(c.protocol));
    if (c.encryption == Encryption::ssl)
        scheme += 's';
    std::string host = c.host.find(':') != std::string::npos ? "[" + c.host + "]" : c.host;
    easy->set(CURLOPT_URL, fmt::format("{}://{}:{}/", scheme, host, c.port));
    easy->set(CURLOPT_CONNECT_ONLY, 1L);
    easy->set(CURLOPT_USE_SSL,
              c.encryption == Encryption::starttls ? long{CURLUSESSL_ALL} : long{CURLUSESSL_NONE});
    apply_tls(*easy, c.tls);
    easy->set(CURLOPT_TIMEOUT_MS, static_cast<long>(budget.count()));
    easy->set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(budget.count()));
    easy->set(CURLOPT_VERBOSE, 1L);
    easy->set_callback(CURLOPT_DEBUGFUNCTION, mail_debug);
    easy->set(CURLOPT_DEBUGDATA, static_cast<void*>(&trace));
    if (password_login && c.auth)
        set_password_login(*easy, c);
    return easy;
}

} // namespace mailsync
