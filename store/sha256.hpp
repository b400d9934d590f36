#pragma once

#include <string>
#include <string_view>

namespace llmopt {

// The SHA-256 digest (FIPS 180-4) of `data` as 64 lowercase hex digits: the
// identity of a config snapshot's text, shown by `llmopt config` commands.
//
// Written here rather than taken from OpenSSL to keep store/ on one library
// (sqlite3); it is checked against the FIPS test vectors in
// tests/store/sha256_test.cpp. Not constant-time: it hashes config text, not
// secrets.
std::string sha256_hex(std::string_view data);

}  // namespace llmopt
