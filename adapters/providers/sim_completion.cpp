#include "adapters/providers/sim_completion.hpp"

#include <algorithm>
#include <cmath>

#include "decision/world_model.hpp"

namespace llmopt {
namespace {

// A stream of uniform draws of its own, apart from draw_request's streams
// (which are keyed by the model id's hash).
constexpr std::uint64_t completion_stream = 0x636f6d706c657465ULL;  // "complete"

std::size_t text_chars(const nlohmann::json& content) {
  if (content.is_string()) return content.get_ref<const std::string&>().size();
  std::size_t n = 0;
  if (content.is_array())
    for (const auto& part : content)
      if (part.is_object())
        if (auto text = part.find("text"); text != part.end() && text->is_string())
          n += text->get_ref<const std::string&>().size();
  return n;
}

}  // namespace

long long estimate_prompt_tokens(const nlohmann::json& messages) {
  std::size_t chars = 0;
  if (messages.is_array())
    for (const auto& m : messages)
      if (m.is_object())
        if (auto content = m.find("content"); content != m.end()) chars += text_chars(*content);
  return std::max<long long>(1, static_cast<long long>(chars / 4));
}

long long draw_completion_tokens(std::uint64_t seed, std::uint64_t request_index, double mean,
                                 std::optional<long long> max_tokens) {
  const double u = uniform_draw(seed, request_index, completion_stream);
  double tokens = std::ceil(-mean * std::log1p(-u));  // u < 1, so finite
  if (!std::isfinite(tokens) || tokens < 1) tokens = 1;
  auto n = tokens > 1e12 ? static_cast<long long>(1e12) : static_cast<long long>(tokens);
  if (max_tokens) n = std::min(n, std::max<long long>(1, *max_tokens));
  return n;
}

std::optional<long long> requested_max_tokens(const nlohmann::json& request) {
  for (const char* key : {"max_tokens", "max_completion_tokens"}) {
    auto it = request.find(key);
    if (it != request.end() && it->is_number_integer() && it->get<long long>() > 0)
      return it->get<long long>();
  }
  return std::nullopt;
}

nlohmann::json make_completion(const sim_completion& c) {
  const std::string content = "Simulated answer " + std::to_string(c.request_index) + " from " +
                              c.model + " (" + std::to_string(c.completion_tokens) + " tokens).";
  return {{"id", "chatcmpl-sim-" + std::to_string(c.request_index)},
          {"object", "chat.completion"},
          {"created", c.created_s},
          {"model", c.model},
          {"choices",
           nlohmann::json::array({{{"index", 0},
                                   {"message", {{"role", "assistant"}, {"content", content}}},
                                   {"finish_reason", "stop"}}})},
          {"usage",
           {{"prompt_tokens", c.prompt_tokens},
            {"completion_tokens", c.completion_tokens},
            {"total_tokens", c.prompt_tokens + c.completion_tokens}}}};
}

}  // namespace llmopt
