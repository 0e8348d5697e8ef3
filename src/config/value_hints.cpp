#include "config/value_hints.hpp"

#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace mailsync {

namespace {

// Lower case letters and digits only: "SSL/TLS" → "ssltls", "Start TLS" → "starttls".
std::string folded(std::string_view text) {
    std::string out;
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) != 0 && u < 0x80)
            out += static_cast<char>(std::tolower(u));
    }
    return out;
}

// The unit a spelled-out word names, in the schema's form, or nothing.
std::string_view unit_of(std::string_view word) {
    for (std::string_view seconds : {"s", "sec", "secs", "second", "seconds"}) {
        if (word == seconds)
            return "s";
    }
    for (std::string_view ms : {"ms", "msec", "msecs", "millisecond", "milliseconds"}) {
        if (word == ms)
            return "ms";
    }
    for (std::string_view minutes : {"m", "min", "mins", "minute", "minutes"}) {
        if (word == minutes)
            return "m";
    }
    for (std::string_view hours : {"h", "hr", "hrs", "hour", "hours"}) {
        if (word == hours)
            return "h";
    }
    return {};
}

} // namespace

std::string_view encryption_meaning(std::string_view encryption) {
    if (encryption == "ssl")
        return "TLS from the first byte, as on ports 993, 995 and 465";
    if (encryption == "starttls")
        return "a plain connection upgraded to TLS, as on ports 143, 110 and 587";
    return "no encryption";
}

std::string encryption_hint(std::string_view said) {
    std::string word = folded(said);
    if (word == "ssl" || word == "tls" || word == "ssltls" || word == "tlsssl")
        return fmt::format("; did you mean 'ssl' ({}) or 'starttls' ({})?",
                           encryption_meaning("ssl"), encryption_meaning("starttls"));
    if (word == "starttls")
        return fmt::format("; did you mean 'starttls' ({})?", encryption_meaning("starttls"));
    return {};
}

BareTimeout read_bare_timeout(std::uint64_t number) {
    constexpr std::uint64_t max_seconds = max_timeout_seconds;
    BareTimeout out;
    if (number == 0) {
        out.problem = "is no time to wait";
    } else if (number <= max_seconds) {
        out.duration = fmt::format("{}s", number);
    } else if (number < 1000) {
        out.problem = fmt::format("is neither seconds (at most {}, 10 minutes) nor milliseconds "
                                  "(from 1000): write its unit, such as {}s or {}ms",
                                  max_seconds, number, number);
    } else if (number > max_seconds * 1000) {
        out.problem = fmt::format("is more than 10 minutes even as milliseconds: write its unit "
                                  "if that is meant, such as {}ms",
                                  number);
    } else {
        out.milliseconds = true;
        out.duration =
            number % 1000 == 0 ? fmt::format("{}s", number / 1000) : fmt::format("{}ms", number);
    }
    return out;
}

std::string duration_hint(std::string_view said) {
    std::size_t digits = 0;
    while (digits < said.size() && std::isdigit(static_cast<unsigned char>(said[digits])) != 0)
        ++digits;
    if (digits == 0 || digits > 9)
        return {};
    std::uint64_t number = 0;
    std::from_chars(said.data(), said.data() + digits, number);
    std::string rest = folded(said.substr(digits));
    if (said.substr(digits).find_first_not_of(" \t") == std::string_view::npos) {
        BareTimeout reading = read_bare_timeout(number);
        if (number == 0)
            return {};
        if (!reading.milliseconds && reading.duration.empty() && number < 1000)
            return fmt::format("; did you mean {}s or {}ms?", number, number);
        if (reading.milliseconds && reading.duration.ends_with("s") &&
            !reading.duration.ends_with("ms"))
            return fmt::format("; did you mean {}ms ({})?", number, reading.duration);
        if (number >= 1000)
            return fmt::format("; did you mean {}ms?", number);
        return fmt::format("; did you mean {}?", reading.duration);
    }
    std::string_view unit = unit_of(rest);
    if (unit.empty())
        return {};
    return fmt::format("; did you mean {}{}?", number, unit);
}

} // namespace mailsync
