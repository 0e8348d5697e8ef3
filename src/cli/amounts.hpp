// Numbers as the migrations' output prints them: "1,234", "3 messages", "1.2 MB".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mailsync::cli {

// "12.3 KB" below a megabyte, else "4.5 MB" (powers of ten).
std::string megabytes(std::uint64_t bytes);

// "1,234,567".
std::string with_commas(std::uint64_t number);

// "1 message", "2,000 messages", "3 mailboxes".
std::string plural(std::uint64_t count, std::string_view word);

} // namespace mailsync::cli
