#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "decision/result.hpp"

namespace llmopt {

// SHA-256 from OpenSSL's libcrypto (EVP): the identity of a config
// snapshot's text and the form in which API keys and the admin token are
// stored and compared.

using sha256_digest = std::array<unsigned char, 32>;

sha256_digest sha256_of(std::string_view data);

// The digest of `data` as 64 lowercase hex digits.
std::string sha256_hex(std::string_view data);

// The digest written as 64 hex digits (either case); nullopt for anything else.
std::optional<sha256_digest> digest_from_hex(std::string_view hex);

// Lowercase hex of any bytes.
std::string hex_of(const unsigned char* bytes, std::size_t size);

// `bytes` random bytes from libcrypto's RAND_bytes, as lowercase hex; an
// error (store_errc::general) when the generator fails.
result<std::string> random_hex(std::size_t bytes);

// Compares two digests in time independent of where they differ
// (CRYPTO_memcmp), for credentials.
bool same_digest(const sha256_digest& a, const sha256_digest& b);

}  // namespace llmopt
