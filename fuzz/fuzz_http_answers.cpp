// What the Cloud admin API answers the HTTP target: any bytes as a listing page, an object, an
// error body and header lines (Retry-After among them).
#include "harnesses.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "target/http_answers.hpp"

using namespace mailsync;

int mailsync::fuzz::http_answers(const std::uint8_t* data, std::size_t size) {
    std::string_view body(reinterpret_cast<const char*>(data), size);
    (void)read_listing_page(body);
    (void)error_message(body);
    (void)error_code(body);
    nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
    (void)object_from_json(parsed, body.substr(0, 16));

    std::map<std::string, std::string> headers;
    std::string_view rest = body;
    while (!rest.empty()) {
        std::size_t end = rest.find('\n');
        read_header_line(rest.substr(0, end == std::string_view::npos ? rest.size() : end + 1),
                         headers);
        if (end == std::string_view::npos)
            break;
        rest.remove_prefix(end + 1);
    }
    if (auto retry = headers.find("retry-after"); retry != headers.end()) {
        std::optional<std::chrono::milliseconds> wait =
            read_retry_after(retry->second, 1'790'000'000);
        if (wait && (wait->count() < 0 || *wait > std::chrono::hours(24)))
            __builtin_trap(); // a wait the retry loop cannot take
    }
    return 0;
}
