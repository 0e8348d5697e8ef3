// Hashing and randomness through OpenSSL: digests of configuration, keyed secret fingerprints.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mailsync {

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

// The 32 bytes of SHA-256 of `data`.
std::string sha256_bytes(std::string_view data);

// Lower-case hex HMAC-SHA256 of `data` under `key`.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// `count` bytes from OpenSSL's CSPRNG; throws if it cannot deliver.
std::string random_bytes(std::size_t count);

// Standard base64 (RFC 4648, with padding) of `bytes`.
std::string base64_encode(std::string_view bytes);

// base64url without padding (RFC 4648 §5), the alphabet of PKCE and JWTs.
std::string base64url_encode(std::string_view bytes);

// The bytes of base64url text (padding not allowed); nullopt for anything else.
std::optional<std::string> base64url_decode(std::string_view text);

// Lower-case hex of `bytes`.
std::string to_hex(std::string_view bytes);

// An incremental SHA-256.
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    void update(std::string_view data);
    std::string hex(); // finishes the digest

private:
    void* m_context;
};

} // namespace mailsync
