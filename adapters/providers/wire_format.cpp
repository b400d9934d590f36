#include "adapters/providers/wire_format.hpp"

#include "adapters/providers/anthropic_wire.hpp"
#include "adapters/providers/gemini_wire.hpp"
#include "adapters/providers/ollama_wire.hpp"
#include "adapters/providers/openai_wire.hpp"

namespace llmopt::wire {

std::string_view to_string(format f) {
  switch (f) {
    case format::openai:
      return "openai";
    case format::anthropic:
      return "anthropic";
    case format::gemini:
      return "gemini";
    case format::ollama:
      return "ollama";
  }
  return "openai";
}

std::optional<format> format_named(std::string_view name) {
  for (auto f : {format::openai, format::anthropic, format::gemini, format::ollama})
    if (to_string(f) == name) return f;
  return std::nullopt;
}

result<upstream_request> translate_request(format f, const chat_request& request,
                                           const std::string& model) {
  switch (f) {
    case format::openai:
      return openai_request(request, model);
    case format::anthropic:
      return anthropic_request(request, model);
    case format::gemini:
      return gemini_request(request, model);
    case format::ollama:
      return ollama_request(request, model);
  }
  return error{"unsupported", "unknown wire format"};
}

result<chat_completion> translate_reply(format f, std::string_view body, const reply_context& ctx) {
  switch (f) {
    case format::openai:
      return openai_reply(body, ctx);
    case format::anthropic:
      return anthropic_reply(body, ctx);
    case format::gemini:
      return gemini_reply(body, ctx);
    case format::ollama:
      return ollama_reply(body, ctx);
  }
  return error{"bad_reply", "unknown wire format"};
}

std::unique_ptr<stream_decoder> make_stream_decoder(format f, const reply_context& ctx) {
  switch (f) {
    case format::openai:
      return openai_stream_decoder(ctx);
    case format::anthropic:
      return anthropic_stream_decoder(ctx);
    case format::gemini:
      return gemini_stream_decoder(ctx);
    case format::ollama:
      return ollama_stream_decoder(ctx);
  }
  return openai_stream_decoder(ctx);
}

std::string upstream_error_message(std::string_view body) {
  auto parsed = parse_reply_json(body);
  if (!parsed) return {};
  const auto& j = *parsed;
  if (!j.is_object()) return {};
  auto err = j.find("error");
  if (err == j.end()) {
    auto message = j.find("message");  // some servers answer {"message": ...}
    return message != j.end() && message->is_string() ? excerpt(message->get<std::string>(), 500)
                                                      : std::string{};
  }
  if (err->is_string()) return excerpt(err->get<std::string>(), 500);
  if (err->is_object()) {
    auto message = err->find("message");
    if (message != err->end() && message->is_string())
      return excerpt(message->get<std::string>(), 500);
  }
  return {};
}

result<nlohmann::json> parse_reply_json(std::string_view text) {
  return parse_bounded_json(text, reply_bounds);
}

nlohmann::json openai_usage(const token_usage& usage) {
  nlohmann::json u = {{"prompt_tokens", usage.input_tokens},
                      {"completion_tokens", usage.output_tokens},
                      {"total_tokens", usage.input_tokens + usage.output_tokens}};
  if (usage.cached_input_tokens > 0)
    u["prompt_tokens_details"] = {{"cached_tokens", usage.cached_input_tokens}};
  if (usage.billed_usd) u["cost"] = *usage.billed_usd;
  return u;
}

nlohmann::json chunk(const reply_context& ctx, nlohmann::json choices) {
  return {{"id", ctx.fallback_id},
          {"object", "chat.completion.chunk"},
          {"created", ctx.created},
          {"model", ctx.model},
          {"choices", std::move(choices)}};
}

std::string excerpt(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  std::size_t end = max;
  // Back up over UTF-8 continuation bytes so the cut keeps whole characters.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
    --end;
  return std::string(text.substr(0, end)) + "...";
}

}  // namespace llmopt::wire
