#include "target/http_answers.hpp"

#include <algorithm>
#include <charconv>
#include <set>

#include <curl/curl.h>
#include <fmt/format.h>

namespace mailsync {

using nlohmann::json;

namespace {

std::string text_of(const json& value) {
    if (value.is_string())
        return value.get<std::string>();
    if (value.is_number_integer())
        return std::to_string(value.get<long long>());
    return {};
}

// Strips the quotes (and a weak marker) of an ETag: W/"3" → 3.
std::string etag_version(std::string_view etag) {
    if (etag.starts_with("W/"))
        etag.remove_prefix(2);
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"')
        etag = etag.substr(1, etag.size() - 2);
    return std::string(etag);
}

// The contract's reserved keys; every other key is one of the object's fields.
const std::set<std::string, std::less<>> reserved_keys = {"id", "version", "secretFieldsSet",
                                                          "createdAt", "updatedAt"};

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

std::string_view trimmed(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == '\r' || text.back() == '\n' || text.back() == ' ' ||
                             text.back() == '\t'))
        text.remove_suffix(1);
    return text;
}

} // namespace

void read_header_line(std::string_view line, std::map<std::string, std::string>& headers) {
    if (line.starts_with("HTTP/")) { // a new response (after a 100 or a redirect)
        headers.clear();
        return;
    }
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0)
        return;
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    headers[name] = std::string(trimmed(line.substr(colon + 1)));
}

std::optional<std::chrono::milliseconds> read_retry_after(std::string_view value, std::time_t now) {
    constexpr long long day = 24 * 60 * 60;
    value = trimmed(value);
    if (value.empty())
        return std::nullopt;
    if (std::all_of(value.begin(), value.end(), is_digit)) {
        long long seconds = 0;
        auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
        if (error == std::errc::result_out_of_range || seconds > day)
            seconds = day;
        return std::chrono::seconds(seconds);
    }
    std::string date(value);
    std::time_t when = curl_getdate(date.c_str(), nullptr);
    if (when < 0)
        return std::nullopt;
    long long wait = when > now ? static_cast<long long>(when) - static_cast<long long>(now) : 0;
    return std::chrono::seconds(std::min(wait, day));
}

std::string error_message(std::string_view body) {
    json parsed = json::parse(body, nullptr, false);
    if (parsed.is_object()) {
        auto message = parsed.find("message");
        if (message != parsed.end() && message->is_string())
            return message->get<std::string>();
    }
    std::string text(body.substr(0, 200));
    std::replace(text.begin(), text.end(), '\n', ' ');
    std::replace(text.begin(), text.end(), '\r', ' ');
    return text.empty() ? "(no message)" : text;
}

std::string error_code(std::string_view body) {
    json parsed = json::parse(body, nullptr, false);
    if (parsed.is_object()) {
        auto code = parsed.find("code");
        if (code != parsed.end() && code->is_string())
            return code->get<std::string>();
    }
    return {};
}

std::optional<TargetObject> object_from_json(const json& body, std::string_view etag) {
    if (!body.is_object())
        return std::nullopt;
    TargetObject object;
    object.id = text_of(body.value("id", json()));
    object.version = text_of(body.value("version", json()));
    if (object.version.empty())
        object.version = etag_version(etag);
    if (object.id.empty() || object.version.empty())
        return std::nullopt;
    for (const auto& [key, value] : body.items()) {
        if (!reserved_keys.contains(key))
            object.fields[key] = value;
    }
    auto secrets = body.find("secretFieldsSet");
    if (secrets != body.end() && secrets->is_array()) {
        for (const json& key : *secrets) {
            if (key.is_string())
                object.secrets_set.push_back(key.get<std::string>());
        }
    }
    return object;
}

Result<ListingPage> read_listing_page(std::string_view body) {
    json parsed = json::parse(body, nullptr, false);
    if (!parsed.is_object())
        return fail("the answer is not a JSON object");
    auto items = parsed.find("items");
    if (items == parsed.end() || !items->is_array())
        return fail("the answer has no `items` list");
    ListingPage page;
    for (const json& item : *items) {
        std::optional<TargetObject> object = object_from_json(item);
        if (!object)
            return fail(fmt::format(
                "an item has no id or no version: {}",
                item.dump(-1, ' ', false, json::error_handler_t::replace).substr(0, 120)));
        page.items.push_back(std::move(*object));
    }
    auto next = parsed.find("nextPageToken");
    if (next != parsed.end() && next->is_string())
        page.next_token = next->get<std::string>();
    return page;
}

bool is_collection_name(std::string_view name) {
    return !name.empty() &&
           name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string::npos;
}

} // namespace mailsync
