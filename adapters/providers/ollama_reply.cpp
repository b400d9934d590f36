#include "adapters/providers/ollama_reply.hpp"

#include <algorithm>

#include "adapters/providers/ollama_wire.hpp"

namespace llmopt::wire {
namespace ollama {
namespace {

using json = nlohmann::json;

error bad_reply(const std::string& what, const json& value) {
  return error{"bad_reply", what + ": " + excerpt(dump_json(value))};
}

const json* member(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

// A token count; 0 when absent, negative, or past 2^50 (not believed, as
// in anthropic_reply.cpp: the sums of counts must not overflow).
long long count_at(const json& object, const char* key) {
  const json* v = member(object, key);
  return v && v->is_number_integer() && v->get<long long>() >= 0 &&
                 v->get<long long>() < (1LL << 50)
             ? v->get<long long>()
             : 0;
}

// One call of message.tool_calls (openapi ToolCall: {id?, function: {index?,
// name, arguments: object}}) as OpenAI's {id, type, function: {name,
// arguments: JSON text}}.
result<json> openai_call(const json& call, std::size_t k) {
  if (!call.is_object()) return bad_reply("a tool call is not an object", call);
  const json* function = member(call, "function");
  if (!function || !function->is_object())
    return bad_reply("a tool call has no function object", call);
  const json* name = member(*function, "name");
  if (!name || !name->is_string() || name->get_ref<const std::string&>().empty())
    return bad_reply("a tool call has no function name", call);
  const json* arguments = member(*function, "arguments");
  if (arguments && !arguments->is_object())
    return bad_reply("tool call arguments are not a JSON object", call);
  const json* id = member(call, "id");
  const bool has_id = id && id->is_string() && !id->get_ref<const std::string&>().empty();
  return json{
      {"id", has_id ? *id : json("call_" + std::to_string(k))},
      {"type", "function"},
      {"function", {{"name", *name}, {"arguments", arguments ? dump_json(*arguments) : "{}"}}}};
}

}  // namespace

result<message_part> read_message(const json& response, std::size_t first_call) {
  message_part out;
  out.tool_calls = json::array();
  const json* message = member(response, "message");
  if (!message) return out;
  if (!message->is_object()) return bad_reply("message is not an object", *message);
  out.has_message = true;
  if (const json* content = member(*message, "content")) {
    if (!content->is_string()) return bad_reply("message.content is not a string", *content);
    out.content = content->get<std::string>();
  }
  const json* calls = member(*message, "tool_calls");
  if (!calls) return out;
  if (!calls->is_array()) return bad_reply("message.tool_calls is not an array", *calls);
  for (const auto& call : *calls) {
    auto openai = openai_call(call, first_call + out.tool_calls.size());
    if (!openai) return openai.err();
    out.tool_calls.push_back(std::move(*openai));
  }
  return out;
}

std::string finish_reason(const json& response, bool made_tool_calls) {
  if (made_tool_calls) return "tool_calls";
  const json* reason = member(response, "done_reason");
  return reason && reason->is_string() && reason->get_ref<const std::string&>() == "length"
             ? "length"
             : "stop";
}

token_usage usage_of(const json& response) {
  token_usage usage;
  usage.reported = member(response, "prompt_eval_count") || member(response, "eval_count");
  usage.input_tokens = count_at(response, "prompt_eval_count");
  usage.output_tokens = count_at(response, "eval_count");
  usage.cached_input_tokens =
      std::min(count_at(response, "prompt_eval_cached_count"), usage.input_tokens);
  return usage;
}

std::string model_of(const json& response, const std::string& fallback) {
  const json* model = member(response, "model");
  return model && model->is_string() && !model->get_ref<const std::string&>().empty()
             ? model->get<std::string>()
             : fallback;
}

std::string error_of(const json& response) {
  const json* err = member(response, "error");
  if (!err) return {};
  if (err->is_string() && !err->get_ref<const std::string&>().empty())
    return excerpt(err->get<std::string>(), 500);
  if (err->is_object())
    if (const json* message = member(*err, "message"); message && message->is_string())
      return excerpt(message->get<std::string>(), 500);
  return "the upstream reported an error";
}

}  // namespace ollama

// A non-streaming /api/chat response (stream: false): one object with
// done: true and the whole message.
result<chat_completion> ollama_reply(std::string_view text, const reply_context& ctx) {
  using json = nlohmann::json;
  auto parsed = parse_reply_json(text);
  if (!parsed) return parsed.err();
  const json& body = *parsed;
  if (!body.is_object()) return error{"bad_reply", "the reply is not a JSON object"};
  if (auto message = ollama::error_of(body); !message.empty())
    return error{"bad_reply", "the reply is an error: " + message};
  auto part = ollama::read_message(body, 0);
  if (!part) return part.err();
  if (!part->has_message) return error{"bad_reply", "the reply has no message: " + excerpt(text)};
  auto done = body.find("done");
  if (done == body.end() || !done->is_boolean() || !done->get<bool>())
    return error{"bad_reply", "the reply is not finished (done is not true)"};

  const bool calls = !part->tool_calls.empty();
  json message = {{"role", "assistant"}};
  // OpenAI's content is null for an answer that is only tool calls.
  message["content"] = calls && part->content.empty() ? json(nullptr) : json(part->content);
  if (calls) message["tool_calls"] = std::move(part->tool_calls);
  chat_completion out;
  out.usage = ollama::usage_of(body);
  out.body = {{"id", ctx.fallback_id},
              {"object", "chat.completion"},
              {"created", ctx.created},
              {"model", ollama::model_of(body, ctx.model)},
              {"choices", json::array({{{"index", 0},
                                        {"message", std::move(message)},
                                        {"finish_reason", ollama::finish_reason(body, calls)}}})}};
  if (out.usage.reported) out.body["usage"] = openai_usage(out.usage);
  return out;
}

}  // namespace llmopt::wire
