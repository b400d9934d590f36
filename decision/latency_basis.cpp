#include "decision/latency_basis.hpp"

#include <array>

#include "decision/enum_names.hpp"

namespace llmopt {
namespace {

constexpr std::array<std::string_view, 4> latency_basis_names{"total", "ttft", "ttft_from_total",
                                                              "total_for_ttft"};

}  // namespace

std::string_view to_string(latency_basis x) {
  return name_of(latency_basis_names, x);
}

std::optional<latency_basis> parse_latency_basis(std::string_view s) {
  return parse_name<latency_basis>(latency_basis_names, s);
}

}  // namespace llmopt
