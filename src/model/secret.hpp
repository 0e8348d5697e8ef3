// Secrets as the YAML refers to them, and their values, which nothing prints.
#pragma once

#include <optional>
#include <string>

#include "util/diagnostics.hpp"

namespace mailsync {

// A secret's value. It has no formatter and no stream operator on purpose: the only way to the
// text is reveal(), called where the value is sent to a server or fingerprinted.
class SecretValue {
public:
    explicit SecretValue(std::string value) : m_value(std::move(value)) {}
    const std::string& reveal() const { return m_value; }

private:
    std::string m_value;
};

// A secret field: `${env:NAME}`, `${file:PATH}`, or (with a warning) a literal.
struct Secret {
    enum class Source { env, file, literal };
    Source source = Source::literal;
    std::string reference; // the variable name or the path as written; empty for a literal
    std::string field;     // where it sits, as "spec.auth.password"
    Location where;
    std::optional<SecretValue> value; // set once resolved
    std::string resolved_path;        // a file's real path, once read

    // What the secret is, for binding it to the endpoints it may go to: `env:NAME`, or
    // `file:REAL-PATH` once read (`file:PATH` as written before); empty for a literal.
    std::string identity() const;

    // `${env:NAME}`, `${file:PATH}` or `(literal)`: safe to print.
    std::string describe() const;
};

// The text that every output shows in place of a secret value.
inline constexpr const char* masked_secret = "(sensitive)";

} // namespace mailsync
