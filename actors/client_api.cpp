#include "actors/client_api.hpp"

#include "adapters/providers/bounded_json.hpp"

namespace llmopt {
namespace {

nlohmann::json openai_error(const api_error& e) {
  nlohmann::json error = {{"message", e.message},
                          {"type", e.type},
                          {"param", e.param.empty() ? nlohmann::json() : nlohmann::json(e.param)},
                          {"code", e.code.empty() ? nlohmann::json() : nlohmann::json(e.code)}};
  return {{"error", std::move(error)}};
}

bool is_usage_chunk(const nlohmann::json& chunk) {
  auto choices = chunk.find("choices");
  return chunk.contains("usage") && choices != chunk.end() && choices->is_array() &&
         choices->empty();
}

}  // namespace

http::response error_answer(client_api api, const api_error& e) {
  http::response r;
  r.status = e.status;
  r.body = dump_json(api == client_api::anthropic ? wire::anthropic_error_body(e.status, e.message)
                                                  : openai_error(e));
  return r;
}

std::string completion_answer(client_api api, const nlohmann::json& completion) {
  return dump_json(api == client_api::anthropic ? wire::chat_completion_to_message(completion)
                                                : completion);
}

std::string client_stream_encoder::chunk(const nlohmann::json& chunk) {
  if (api_ == client_api::anthropic) return anthropic_.encode(chunk);
  if (!include_usage_ && is_usage_chunk(chunk)) return {};
  return "data: " + dump_json(chunk) + "\n\n";
}

std::string client_stream_encoder::done() {
  if (api_ == client_api::anthropic) return anthropic_.end();
  return "data: [DONE]\n\n";
}

std::string client_stream_encoder::failed(const api_error& e) {
  if (api_ == client_api::anthropic)
    return wire::message_stream_encoder::error_event(e.status, e.message);
  // OpenAI sends an error object as a data event when a stream fails; its
  // SDK raises it. No [DONE] follows.
  return "data: " + dump_json(openai_error(e)) + "\n\n";
}

}  // namespace llmopt
