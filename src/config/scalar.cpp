#include "config/scalar.hpp"

#include <charconv>
#include <regex>

namespace mailsync::yaml {

namespace {

bool is_null_text(std::string_view v) {
    return v.empty() || v == "~" || v == "null" || v == "Null" || v == "NULL";
}

bool is_true_text(std::string_view v) {
    return v == "true" || v == "True" || v == "TRUE";
}
bool is_false_text(std::string_view v) {
    return v == "false" || v == "False" || v == "FALSE";
}

std::optional<std::int64_t> parse_int(std::string_view v) {
    std::int64_t out = 0;
    int base = 10;
    std::string_view digits = v;
    if (!digits.empty() && digits.front() == '+')
        digits.remove_prefix(1);
    if (digits.starts_with("0x")) {
        base = 16;
        digits.remove_prefix(2);
    } else if (digits.starts_with("0o")) {
        base = 8;
        digits.remove_prefix(2);
    }
    if (digits.empty())
        return std::nullopt;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), out, base);
    if (error != std::errc() || end != digits.data() + digits.size())
        return std::nullopt;
    return out;
}

bool is_float_text(std::string_view v) {
    static const std::regex pattern(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
    static const std::regex special(R"([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))");
    std::string text(v);
    return std::regex_match(text, pattern) || std::regex_match(text, special);
}

} // namespace

ScalarType scalar_type(const Node& node) {
    if (node.is_null())
        return ScalarType::null;
    if (node.quoted)
        return ScalarType::string;
    std::string_view v = node.value;
    if (is_null_text(v))
        return ScalarType::null;
    if (is_true_text(v) || is_false_text(v))
        return ScalarType::boolean;
    if (v.size() < 24 && (std::isdigit(static_cast<unsigned char>(v.front())) || v.front() == '-' ||
                          v.front() == '+' || v.front() == '.')) {
        if (parse_int(v))
            return ScalarType::integer;
        if (is_float_text(v))
            return ScalarType::number;
    }
    return ScalarType::string;
}

std::optional<bool> as_bool(const Node& node) {
    if (scalar_type(node) != ScalarType::boolean)
        return std::nullopt;
    return is_true_text(node.value);
}

std::optional<std::int64_t> as_int(const Node& node) {
    if (scalar_type(node) != ScalarType::integer)
        return std::nullopt;
    return parse_int(node.value);
}

} // namespace mailsync::yaml

namespace mailsync {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    std::size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])))
        ++digits;
    if (digits == 0 || digits > 9)
        return std::nullopt;
    std::int64_t amount = 0;
    std::from_chars(text.data(), text.data() + digits, amount);
    std::string_view unit = text.substr(digits);
    if (unit == "ms")
        return std::chrono::milliseconds(amount);
    if (unit == "s")
        return std::chrono::seconds(amount);
    if (unit == "m")
        return std::chrono::minutes(amount);
    if (unit == "h")
        return std::chrono::hours(amount);
    return std::nullopt;
}

} // namespace mailsync
