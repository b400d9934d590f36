#include "decision/quality_change.hpp"

#include <array>

#include "decision/enum_names.hpp"

namespace llmopt {
namespace {

constexpr std::array<std::string_view, 3> quality_change_cause_names{"none", "feedback", "drift"};

}  // namespace

std::string_view to_string(quality_change_cause c) {
  return name_of(quality_change_cause_names, c);
}

std::optional<quality_change_cause> parse_quality_change_cause(std::string_view s) {
  return parse_name<quality_change_cause>(quality_change_cause_names, s);
}

}  // namespace llmopt
