#include "cli/amounts.hpp"

#include <fmt/format.h>

namespace mailsync::cli {

std::string megabytes(std::uint64_t bytes) {
    if (bytes < 1'000'000)
        return fmt::format("{:.1f} KB", static_cast<double>(bytes) / 1e3);
    return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6);
}

std::string with_commas(std::uint64_t number) {
    std::string digits = std::to_string(number);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0)
            out += ',';
        out += digits[i];
    }
    return out;
}

std::string plural(std::uint64_t count, std::string_view word) {
    return fmt::format("{} {}{}", with_commas(count), word,
                       count == 1            ? ""
                       : word.ends_with('x') ? "es"
                                             : "s");
}

} // namespace mailsync::cli
