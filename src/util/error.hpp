// Error values that the core returns through std::expected instead of throwing.
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace mailsync {

// A failure with a message that is fit to show to the user as it is.
struct Error {
    std::string message;
};

template <typename T> using Result = std::expected<T, Error>;

// Shorthand for returning a failure: `return fail("cannot open {}", path);`.
inline std::unexpected<Error> fail(std::string message) {
    return std::unexpected<Error>(Error{std::move(message)});
}

} // namespace mailsync
