#include "actors/cache_key.hpp"

#include "adapters/providers/bounded_json.hpp"
#include "store/digest.hpp"

namespace llmopt {

cache_refusal cache_refusal_of(const chat_request& request, bool no_store, bool sampled_allowed) {
  if (no_store) return cache_refusal::opted_out;
  const auto& body = request.body;
  if (auto n = body.find("n"); n != body.end() && n->is_number_integer() && n->get<long long>() > 1)
    return cache_refusal::many_choices;
  auto temperature = body.find("temperature");
  const bool greedy =
      temperature != body.end() && temperature->is_number() && temperature->get<double>() == 0;
  if (!greedy && !sampled_allowed) return cache_refusal::sampled;
  return cache_refusal::none;
}

nlohmann::json normalized_request(const nlohmann::json& body) {
  nlohmann::json out = body;
  for (const char* delivery_only :
       {"stream", "stream_options", "user", "metadata", "store", "service_tier"})
    out.erase(delivery_only);
  return out;
}

std::string cache_key_of(const nlohmann::json& body) {
  return sha256_hex(dump_json(normalized_request(body)));
}

}  // namespace llmopt
