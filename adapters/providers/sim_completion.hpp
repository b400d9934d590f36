#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace llmopt {

// The pieces of a simulated chat completion. Pure functions: the simulator's
// answers depend only on the request, the seed and the request index.

// About one token per 4 characters of the messages' text content (string
// contents and the "text" of content parts); at least 1.
long long estimate_prompt_tokens(const nlohmann::json& messages);

// Exponential with mean `mean`, rounded up; at least 1 and at most
// `max_tokens` when given. Depends only on (seed, request_index).
long long draw_completion_tokens(std::uint64_t seed, std::uint64_t request_index, double mean,
                                 std::optional<long long> max_tokens);

// The request's max_tokens (or max_completion_tokens) when a positive integer.
std::optional<long long> requested_max_tokens(const nlohmann::json& request);

struct sim_completion {
  std::string model;  // echoed as the request named it
  std::uint64_t request_index = 0;
  long long prompt_tokens = 1;
  long long completion_tokens = 1;
  long long created_s = 0;  // Unix seconds
};

// A chat.completion object: id, object, created, model, one choice with an
// assistant message and finish_reason "stop", usage.
nlohmann::json make_completion(const sim_completion& c);

}  // namespace llmopt
