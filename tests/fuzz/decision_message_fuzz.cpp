// libFuzzer target for read_decision_message: a record of the decisions
// topic as another instance (or anything else that can write to the topic)
// published it, read by every instance that shares decisions.
//
// Invariants: the read is total (a decision or an error with a code); a
// decision read has an id above 0, a route and weights in [0, 1]; what
// decision_message() writes of it reads back as the same decision (the
// same message again, and the same explanation).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "decision/decision_record.hpp"

namespace {

using namespace llmopt;

[[noreturn]] void broken(const char* what) {
  std::fprintf(stderr, "decision message invariant broken: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto read = read_decision_message(text, 32768);
  if (!read) {
    if (read.err().code.empty()) broken("an error without a code");
    return 0;
  }
  const decision& d = *read;
  if (d.id <= 0) broken("an id not above 0");
  if (d.route.empty()) broken("an empty route");
  for (const auto& c : d.candidates)
    if (!(c.weight >= 0 && c.weight <= 1)) broken("a weight outside [0, 1]");
  const std::string written = decision_message(d);
  auto again = read_decision_message(written, written.size());
  if (!again) broken("what was written does not read back");
  if (decision_message(*again) != written) broken("the round trip changed the message");
  if (explain(*again) != explain(d)) broken("the round trip changed the explanation");
  return 0;
}
