// Reading what the Cloud admin API answers: header lines, error bodies, objects and listing pages.
// Pure functions of the bytes received, so that every one of them can be fuzzed.
#pragma once

#include <chrono>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "target/target.hpp"
#include "util/error.hpp"

namespace mailsync {

// One header line as libcurl hands it over ("Name: value\r\n"), added to `headers` with the name
// in lower case; a status line ("HTTP/1.1 200 OK") starts a new response and clears them.
void read_header_line(std::string_view line, std::map<std::string, std::string>& headers);

// `Retry-After`: delta-seconds or an HTTP date, as a wait from `now`; nullopt when it is neither.
// A wait beyond a day is taken as a day (the caller caps it further).
std::optional<std::chrono::milliseconds> read_retry_after(std::string_view value, std::time_t now);

// The server's words in an error body: its `message`, or the start of a body that is not the
// contract's; and its `code`, or "".
std::string error_message(std::string_view body);
std::string error_code(std::string_view body);

// An object of the contract (`id`, `version` or the ETag's, fields, `secretFieldsSet`).
std::optional<TargetObject> object_from_json(const nlohmann::json& body,
                                             std::string_view etag = {});

// One page of a listing: `items`, and `nextPageToken` ("" on the last page).
struct ListingPage {
    std::vector<TargetObject> items;
    std::string next_token;
};
Result<ListingPage> read_listing_page(std::string_view body);

// Whether `name` can be a collection of the contract ([a-z0-9-]+), so that a request never
// leaves the target's base URL ("../admin", "a/b", "x?y").
bool is_collection_name(std::string_view name);

} // namespace mailsync
