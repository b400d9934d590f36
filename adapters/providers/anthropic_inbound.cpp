#include "adapters/providers/anthropic_inbound.hpp"

// Placeholder until the /v1/messages translation lands.

namespace llmopt::wire {

result<nlohmann::json> messages_request_to_chat(std::string_view, const json_bounds&) {
  return error{"unsupported", "POST /v1/messages is not implemented yet", ""};
}

nlohmann::json chat_completion_to_message(const nlohmann::json&) {
  return nlohmann::json::object();
}

nlohmann::json anthropic_error_body(int, std::string_view message) {
  return {{"type", "error"}, {"error", {{"type", "api_error"}, {"message", message}}}};
}

std::string message_stream_encoder::encode(const nlohmann::json&) {
  return {};
}

std::string message_stream_encoder::end() {
  return {};
}

std::string message_stream_encoder::error_event(int, std::string_view) {
  return {};
}

}  // namespace llmopt::wire
