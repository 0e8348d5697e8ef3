#include "import/values.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>

#include <fmt/format.h>

#include "config/scalar.hpp"
#include "config/value_hints.hpp"
#include "import/records.hpp"

namespace mailsync {

namespace {

bool all_digits(std::string_view text, std::size_t at_most) {
    return !text.empty() && text.size() <= at_most &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The ports where a protocol upgrades with STARTTLS, and where it speaks TLS from the start.
struct ProtocolPorts {
    std::string_view name;
    int starttls;
    int also_starttls; // SMTP's relay port 25; 0 when none
    int implicit_tls;
};

std::optional<ProtocolPorts> ports_of(std::string_view protocol) {
    if (protocol == "imap")
        return ProtocolPorts{"IMAP", 143, 0, 993};
    if (protocol == "pop3")
        return ProtocolPorts{"POP3", 110, 0, 995};
    if (protocol == "smtp")
        return ProtocolPorts{"SMTP", 587, 25, 465};
    return std::nullopt;
}

} // namespace

ValueReading read_port(std::string_view said, std::string_view field) {
    ValueReading out;
    int number = 0;
    if (all_digits(said, 6))
        std::from_chars(said.data(), said.data() + said.size(), number);
    if (number < 1 || number > 65535)
        out.error = fmt::format("{} '{}' is not a port number (1 to 65535)", field, said);
    else
        out.value = number;
    return out;
}

ValueReading read_encryption(std::string_view encryption, std::string_view said,
                             std::string_view field, std::string_view protocol,
                             std::optional<int> port) {
    ValueReading out;
    out.value = std::string(encryption);
    std::optional<ProtocolPorts> ports = ports_of(protocol);
    if (encryption != "ssl" || !port || !ports)
        return out;
    if (*port == ports->starttls || (ports->also_starttls != 0 && *port == ports->also_starttls)) {
        out.value = "starttls";
        out.warning = fmt::format(
            "{} '{}' on port {}, where {} upgrades with STARTTLS, is written as starttls ({}); "
            "if the server speaks TLS from the first byte on that port, write ssl",
            field, said, *port, ports->name, encryption_meaning("starttls"));
    } else if (*port != ports->implicit_tls && normalize_name(said) == "tls") {
        out.warning = fmt::format("{} '{}' on port {} is written as ssl ({}); if the server "
                                  "expects STARTTLS on that port, write starttls",
                                  field, said, *port, encryption_meaning("ssl"));
    }
    return out;
}

ValueReading read_timeout(std::string_view said, std::string_view field) {
    ValueReading out;
    constexpr std::chrono::seconds longest{max_timeout_seconds};
    if (all_digits(said, 9)) {
        std::uint64_t number = 0;
        std::from_chars(said.data(), said.data() + said.size(), number);
        BareTimeout reading = read_bare_timeout(number);
        if (reading.duration.empty()) {
            out.error = fmt::format("{} '{}' {}", field, said, reading.problem);
        } else if (reading.milliseconds) {
            out.value = reading.duration;
            out.warning = fmt::format("{} '{}' is read as milliseconds: {} (a number without a "
                                      "unit is seconds up to {}, milliseconds from 1000)",
                                      field, said, reading.duration, max_timeout_seconds);
        } else {
            out.value = number;
        }
        return out;
    }
    std::optional<std::chrono::milliseconds> duration = parse_duration(said);
    if (!duration)
        out.error = fmt::format("{} '{}' is not a time such as 30 (seconds), 30s or 2m{}", field,
                                said, duration_hint(said));
    else if (*duration > longest || duration->count() == 0)
        out.error = fmt::format("{} '{}' is {}; a timeout is from 1ms to {}m", field, said,
                                duration->count() == 0 ? "no time to wait"
                                                       : "more than a mail server waits",
                                max_timeout_seconds / 60);
    else
        out.value = std::string(said);
    return out;
}

} // namespace mailsync
