#pragma once

// Golden fixtures of the wire formats (tests/adapters/providers/fixtures/,
// their format in fixtures/README.md): every case is run through the
// translation it names and must give exactly the recorded result; streams
// give the same chunks whether their bytes come whole, one at a time or in
// pieces of 7.

#include <cstddef>
#include <string>

namespace llmopt::test {

// Runs every fixtures/<dir>/*.json as a Catch2 SECTION; fails when there
// are fewer than `at_least` of them.
void run_wire_fixtures(const std::string& dir, std::size_t at_least);

}  // namespace llmopt::test
