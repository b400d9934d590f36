#include "adapters/providers/openai_wire.hpp"

#include "adapters/providers/framed_decoder.hpp"

// OpenAI's own format, spoken by OpenAI and every OpenAI-compatible server
// (vLLM, OpenRouter, Groq, Together, Azure OpenAI, Ollama's /v1). llmopt's
// requests are already in it: the request goes as the client sent it, with
// the upstream's model name, and streams always ask for usage.

namespace llmopt::wire {
namespace {

using json = nlohmann::json;

// A token count; 0 when absent, negative, or past 2^50 (not believed, as
// in anthropic_reply.cpp: the sums of counts must not overflow).
long long count_at(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() && it->get<long long>() >= 0 &&
                 it->get<long long>() < (1LL << 50)
             ? it->get<long long>()
             : 0;
}

// usage of a chat.completion or chunk, when it holds one.
std::optional<token_usage> usage_of(const json& body) {
  auto it = body.find("usage");
  if (it == body.end() || !it->is_object()) return std::nullopt;
  token_usage u;
  u.reported = true;
  u.input_tokens = count_at(*it, "prompt_tokens");
  u.output_tokens = count_at(*it, "completion_tokens");
  if (auto details = it->find("prompt_tokens_details");
      details != it->end() && details->is_object())
    u.cached_input_tokens = std::min(count_at(*details, "cached_tokens"), u.input_tokens);
  if (auto cost = it->find("cost"); cost != it->end() && cost->is_number()) {
    const double usd = cost->get<double>();
    if (usd >= 0 && usd < 1e9) u.billed_usd = usd;
  }
  return u;
}

// The names the upstream did not give, and the object type wire_format.hpp
// promises ("chat.completion" or "chat.completion.chunk"), whatever the
// upstream called it.
void fill_names(json& body, const reply_context& ctx, const char* object) {
  body["object"] = object;
  if (!body.contains("id") || !body["id"].is_string()) body["id"] = ctx.fallback_id;
  if (!body.contains("created") || !body["created"].is_number_integer())
    body["created"] = ctx.created;
  if (!body.contains("model") || !body["model"].is_string()) body["model"] = ctx.model;
}

class openai_decoder final : public sse_decoder {
 public:
  explicit openai_decoder(reply_context ctx) : ctx_(std::move(ctx)) {}

 private:
  status on_end(std::vector<json>& chunks) override {
    if (!done_ && !(finished_ && !reader_.mid_event()))
      return error{"cut", "the stream ended before [DONE]"};
    if (!done_) end(chunks);
    return ok_status();
  }

  status on_frame(const sse_event& event, std::vector<json>& chunks) override {
    if (done_) return ok_status();  // nothing counts after [DONE]
    if (event.data == "[DONE]") {
      end(chunks);
      return ok_status();
    }
    auto parsed = parse_reply_json(event.data);
    if (!parsed) return parsed.err();
    json& c = *parsed;
    if (!c.is_object()) return error{"bad_reply", "a stream event is not a JSON object"};
    if (auto err = c.find("error"); err != c.end() && !err->is_null()) {
      auto message = upstream_error_message(event.data);
      return error{"upstream_error", message.empty() ? "the upstream reported an error" : message};
    }
    auto choices = c.find("choices");
    if (choices == c.end() || !choices->is_array())
      return error{"bad_reply", "a stream chunk has no choices array"};
    if (auto u = usage_of(c)) usage_ = *u;
    c.erase("usage");
    if (choices->empty()) return ok_status();  // the usage chunk: sent again at the end
    for (auto& choice : *choices) {
      if (!choice.is_object()) return error{"bad_reply", "a stream choice is not an object"};
      auto reason = choice.find("finish_reason");
      if (reason != choice.end() && reason->is_string()) finished_ = true;
    }
    fill_names(c, ctx_, "chat.completion.chunk");
    ids_from(c);
    if (!started_) {
      started_ = true;
      auto& delta = (*choices)[0]["delta"];
      if (!delta.is_object()) delta = json::object();
      if (!delta.contains("role")) delta["role"] = "assistant";
    }
    chunks.push_back(std::move(c));
    return ok_status();
  }

  // Later chunks (the usage chunk) carry the names the upstream used.
  void ids_from(const json& c) {
    ctx_.fallback_id = c["id"].get<std::string>();
    ctx_.created = c["created"].get<long long>();
    ctx_.model = c["model"].get<std::string>();
  }

  void end(std::vector<json>& chunks) {
    done_ = true;
    if (!usage_.reported) return;
    json last = chunk(ctx_, json::array());
    last["usage"] = openai_usage(usage_);
    chunks.push_back(std::move(last));
  }

  reply_context ctx_;
  bool started_ = false;
  bool finished_ = false;  // a finish_reason was seen
  bool done_ = false;      // [DONE] was seen
};

}  // namespace

result<upstream_request> openai_request(const chat_request& request, const std::string& model) {
  json body = request.body;
  body["model"] = model;
  if (request.stream) {
    if (!body.contains("stream_options") || !body["stream_options"].is_object())
      body["stream_options"] = json::object();
    body["stream_options"]["include_usage"] = true;
  }
  upstream_request out;
  out.path = "/chat/completions";
  out.body = dump_json(body);
  return out;
}

result<chat_completion> openai_reply(std::string_view text, const reply_context& ctx) {
  auto parsed = parse_reply_json(text);
  if (!parsed) return parsed.err();
  json& body = *parsed;
  if (!body.is_object()) return error{"bad_reply", "the reply is not a JSON object"};
  auto choices = body.find("choices");
  if (choices == body.end() || !choices->is_array())
    return error{"bad_reply", "the reply has no choices array"};
  chat_completion out;
  if (auto u = usage_of(body)) out.usage = *u;
  fill_names(body, ctx, "chat.completion");
  out.body = std::move(body);
  return out;
}

std::unique_ptr<stream_decoder> openai_stream_decoder(const reply_context& ctx) {
  return std::make_unique<openai_decoder>(ctx);
}

}  // namespace llmopt::wire
