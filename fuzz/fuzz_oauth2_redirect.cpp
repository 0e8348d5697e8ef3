// What a browser brings to `oauth2 authorize`'s loopback listener: any bytes as the head of an
// HTTP request, its query read as the authorization server's redirect and checked.
#include "harnesses.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "oauth2/authorization.hpp"
#include "oauth2/loopback.hpp"

using namespace mailsync;

int mailsync::fuzz::oauth2_redirect(const std::uint8_t* data, std::size_t size) {
    std::string_view head(reinterpret_cast<const char*>(data), size);
    std::optional<RequestLine> line = parse_request_line(head);
    if (line && (line->method.empty() || line->path.find('?') != std::string::npos))
        __builtin_trap(); // the target is cut at its first '?', after a method
    CallbackParameters callback = parse_callback_query(line ? line->query : head);
    Result<std::string> code = accept_callback(callback, "fuzz-state");
    if (code && (callback.state != "fuzz-state" || !callback.error.empty() || code->empty()))
        __builtin_trap(); // a redirect accepted without this run's state, or with an error
    (void)result_page(code.has_value(), "client", code ? std::string() : code.error().message);
    return 0;
}
