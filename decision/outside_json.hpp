#pragma once

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

#include "decision/result.hpp"

namespace llmopt {

// JSON that another process wrote to a topic (decisions, instance
// reports), parsed within bounds: at most `max_bytes` of text, nested at
// most `max_depth` deep, and no number a long long cannot hold (fields are
// read into integers too, and a float past their range does not convert).
// Errors: too_large, too_deep, out_of_range, invalid_json.
result<nlohmann::json> parse_outside_json(std::string_view text, std::size_t max_bytes,
                                          int max_depth);

}  // namespace llmopt
