#include "store/digest.hpp"

#include <catch2/catch.hpp>

namespace llmopt {
namespace {

TEST_CASE("sha256_hex is libcrypto's SHA-256 (FIPS 180-4 vectors)") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("same_digest tells equal digests from digests that differ in one byte") {
  auto a = sha256_of("llmopt-a");
  auto b = a;
  CHECK(same_digest(a, b));
  b.back() ^= 1;
  CHECK_FALSE(same_digest(a, b));
  CHECK_FALSE(same_digest(a, sha256_of("llmopt-b")));
}

TEST_CASE("digest_from_hex reads back sha256_hex and refuses anything else") {
  auto digest = digest_from_hex(sha256_hex("abc"));
  REQUIRE(digest);
  CHECK(same_digest(*digest, sha256_of("abc")));
  CHECK_FALSE(digest_from_hex(""));
  CHECK_FALSE(digest_from_hex(sha256_hex("abc").substr(1)));
  CHECK_FALSE(digest_from_hex(std::string(64, 'g')));
}

}  // namespace
}  // namespace llmopt
