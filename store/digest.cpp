#include "store/digest.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <vector>

#include "decision/assert.hpp"
#include "store/errc.hpp"

namespace llmopt {

sha256_digest sha256_of(std::string_view data) {
  sha256_digest out{};
  unsigned int size = 0;
  // EVP_Digest fails only when libcrypto cannot allocate; nothing can go on.
  const int done = EVP_Digest(data.data(), data.size(), out.data(), &size, EVP_sha256(), nullptr);
  LLMOPT_ASSERT(done == 1 && size == out.size());
  return out;
}

std::string hex_of(const unsigned char* bytes, std::size_t size) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 0xf];
  }
  return out;
}

result<std::string> random_hex(std::size_t bytes) {
  std::vector<unsigned char> buffer(bytes);
  if (RAND_bytes(buffer.data(), static_cast<int>(buffer.size())) != 1)
    return error{store_errc::general, "libcrypto's random generator failed (RAND_bytes)"};
  return hex_of(buffer.data(), buffer.size());
}

std::string sha256_hex(std::string_view data) {
  const auto digest = sha256_of(data);
  return hex_of(digest.data(), digest.size());
}

std::optional<sha256_digest> digest_from_hex(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  sha256_digest out{};
  if (hex.size() != 2 * out.size()) return std::nullopt;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int high = nibble(hex[2 * i]);
    const int low = nibble(hex[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out[i] = static_cast<unsigned char>(high * 16 + low);
  }
  return out;
}

bool same_digest(const sha256_digest& a, const sha256_digest& b) {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace llmopt
