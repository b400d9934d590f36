// libFuzzer target for the records instances that share decisions read
// from each other: a decision of the decisions topic (read_decision_message),
// an instance report of the cluster topic (read_report_message) and a
// checkpoint record of the checkpoints topic (read_checkpoint_message), as
// another instance, or anything else that can write to those topics,
// published them. Each input is read as all three.
//
// Invariants: each read is total (a value or an error with a code); a
// decision read has an id above 0, a route and weights in [0, 1]; a report
// names its instance and has no count below 0; a checkpoint record names
// its store and has no offset or partition below 0; what is written of a
// value read reads back as the same message (a decision: the same
// explanation).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "decision/decision_record.hpp"
#include "decision/peer_view.hpp"
#include "store/checkpoint_record.hpp"

namespace {

using namespace llmopt;

constexpr std::size_t max_bytes = 32768;

[[noreturn]] void broken(const char* what) {
  std::fprintf(stderr, "shared topics invariant broken: %s\n", what);
  std::abort();
}

void check_decision(std::string_view text) {
  auto read = read_decision_message(text, max_bytes);
  if (!read) {
    if (read.err().code.empty()) broken("a decision error without a code");
    return;
  }
  const decision& d = *read;
  if (d.id <= 0) broken("an id not above 0");
  if (d.route.empty()) broken("an empty route");
  for (const auto& c : d.candidates)
    if (!(c.weight >= 0 && c.weight <= 1)) broken("a weight outside [0, 1]");
  const std::string written = decision_message(d);
  auto again = read_decision_message(written, written.size());
  if (!again) broken("a decision written does not read back");
  if (decision_message(*again) != written) broken("the round trip changed the decision");
  if (explain(*again) != explain(d)) broken("the round trip changed the explanation");
}

void check_report(std::string_view text) {
  auto read = read_report_message(text, max_bytes);
  if (!read) {
    if (read.err().code.empty()) broken("a report error without a code");
    return;
  }
  if (read->instance.empty()) broken("a report of no instance");
  for (const auto& m : read->models)
    if (m.calls < 0 || m.errors < 0 || m.latency_samples < 0 || m.failure_streak < 0 ||
        m.quality.alpha < 0 || m.quality.beta < 0)
      broken("a count below 0");
  const std::string written = report_message(*read);
  auto again = read_report_message(written, written.size() * 2 + 64);
  if (!again) broken("a report written does not read back");
  if (report_message(*again) != written) broken("the round trip changed the report");
}

void check_checkpoint_record(std::string_view text) {
  auto read = read_checkpoint_message(text, max_bytes);
  if (!read) {
    if (read.err().code.empty()) broken("a checkpoint record error without a code");
    return;
  }
  if (read->store.empty()) broken("a checkpoint record of no store");
  if (read->checkpoint < 0) broken("a checkpoint id below 0");
  group_positions group;
  group.add(*read);
  for (const auto& p : read->positions) {
    if (p.partition < 0 || p.offset < 0) broken("a position below 0");
    const auto at = group.at(p.topic, p.partition);
    if (!at || *at < p.offset) broken("the group's position is behind a record's");
  }
  const std::string written = checkpoint_message(*read);
  auto again = read_checkpoint_message(written, written.size() + 64);
  if (!again) broken("a checkpoint record written does not read back");
  if (checkpoint_message(*again) != written) broken("the round trip changed the record");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_decision(text);
  check_report(text);
  check_checkpoint_record(text);
  return 0;
}
