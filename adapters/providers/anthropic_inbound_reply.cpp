#include "adapters/providers/anthropic_inbound.hpp"

#include <algorithm>
#include <utility>

#include "adapters/providers/wire_format.hpp"

// llmopt's OpenAI answers as Anthropic's (API reference, Messages > Create a
// Message: the Message object; Streaming Messages: the event flow; Errors).
// The chat.completion and its chunks come from llmopt's own translations
// but carry upstream text and ids: every member is checked before use, and
// an unexpected shape is skipped, never a crash.

namespace llmopt::wire {
namespace {

using json = nlohmann::json;

const json* member(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::string string_at(const json& object, const char* key) {
  const json* v = member(object, key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

const std::string* text_at(const json& object, const char* key) {
  const json* v = member(object, key);
  return v && v->is_string() && !v->get_ref<const std::string&>().empty()
             ? &v->get_ref<const std::string&>()
             : nullptr;
}

long long count_at(const json& object, const char* key) {
  const json* v = member(object, key);
  return v && v->is_number_integer() && v->get<long long>() >= 0 ? v->get<long long>() : 0;
}

// Anthropic message ids start with "msg_": the upstream's id is kept when
// it does, else prefixed, so the client can still match it in logs.
std::string message_id(const json& completion) {
  std::string id = string_at(completion, "id");
  if (id.empty()) return "msg_llmopt";
  return id.rfind("msg_", 0) == 0 ? id : "msg_" + id;
}

// finish_reason as stop_reason. OpenAI does not say whether "stop" was a
// stop sequence, so it is end_turn (and stop_sequence null). A finish
// reason of no known kind, or none, is end_turn too.
std::string stop_reason_for(const std::string& finish_reason, bool refused) {
  if (refused || finish_reason == "content_filter") return "refusal";
  if (finish_reason == "length") return "max_tokens";
  if (finish_reason == "tool_calls" || finish_reason == "function_call") return "tool_use";
  return "end_turn";
}

// OpenAI's usage as Anthropic's: input_tokens counts what was not read
// from the cache, cache_read_input_tokens what was (when reported).
json anthropic_usage(const json& usage) {
  const long long prompt = count_at(usage, "prompt_tokens");
  const json* details = member(usage, "prompt_tokens_details");
  const json* cached = details ? member(*details, "cached_tokens") : nullptr;
  const long long cache_read = std::min(cached ? count_at(*details, "cached_tokens") : 0, prompt);
  json out = {{"input_tokens", prompt - cache_read},
              {"output_tokens", count_at(usage, "completion_tokens")}};
  if (cached) out["cache_read_input_tokens"] = cache_read;
  return out;
}

// A tool call's arguments as a tool_use input. Arguments that are not a
// JSON object (a model's broken JSON) are kept as text under
// "_raw_arguments" rather than lost, so the client's tool sees what the
// model said and can report it; no arguments at all are {}.
json tool_input(const std::string& arguments) {
  if (arguments.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
  auto parsed = parse_reply_json(arguments);
  if (parsed && parsed->is_object()) return std::move(*parsed);
  return {{"_raw_arguments", arguments}};
}

std::string event(const char* name, const json& data) {
  return std::string("event: ") + name + "\ndata: " + dump_json(data) + "\n\n";
}

}  // namespace

json chat_completion_to_message(const json& completion) {
  json content = json::array();
  std::string finish_reason;
  bool refused = false;
  const json* choices = member(completion, "choices");
  const json* choice =
      choices && choices->is_array() && !choices->empty() ? &(*choices)[0] : nullptr;
  if (choice) finish_reason = string_at(*choice, "finish_reason");
  if (const json* message = choice ? member(*choice, "message") : nullptr) {
    if (const std::string* text = text_at(*message, "content"))
      content.push_back({{"type", "text"}, {"text", *text}});
    // A refusal is shown as text, so the client sees why there is no answer.
    if (const std::string* refusal = text_at(*message, "refusal")) {
      content.push_back({{"type", "text"}, {"text", *refusal}});
      refused = true;
    }
    if (const json* calls = member(*message, "tool_calls"); calls && calls->is_array())
      for (const auto& call : *calls) {
        const json* function = member(call, "function");
        const std::string name = function ? string_at(*function, "name") : std::string();
        if (name.empty()) continue;  // not a tool call the client could answer
        content.push_back({{"type", "tool_use"},
                           {"id", string_at(call, "id")},
                           {"name", name},
                           {"input", tool_input(string_at(*function, "arguments"))}});
      }
  }
  const json* usage = member(completion, "usage");
  return {
      {"id", message_id(completion)},  {"type", "message"},
      {"role", "assistant"},           {"model", string_at(completion, "model")},
      {"content", std::move(content)}, {"stop_reason", stop_reason_for(finish_reason, refused)},
      {"stop_sequence", nullptr},      {"usage", anthropic_usage(usage ? *usage : json::object())}};
}

// Error types by HTTP status (API reference, Errors): other 4XX statuses
// are invalid_request_error, as Anthropic's own; other 5XX api_error, but
// 503 (llmopt has no candidate to serve now) is overloaded_error, the type
// Anthropic gives to "temporarily unable to serve".
json anthropic_error_body(int http_status, std::string_view message) {
  static constexpr std::pair<int, const char*> types[] = {
      {401, "authentication_error"}, {402, "billing_error"},     {403, "permission_error"},
      {404, "not_found_error"},      {413, "request_too_large"}, {429, "rate_limit_error"},
      {503, "overloaded_error"},     {504, "timeout_error"},     {529, "overloaded_error"}};
  const char* type =
      http_status >= 400 && http_status < 500 ? "invalid_request_error" : "api_error";
  for (const auto& [status, name] : types)
    if (status == http_status) type = name;
  return {{"type", "error"}, {"error", {{"type", type}, {"message", std::string(message)}}}};
}

// -- the stream --------------------------------------------------------------------

std::string message_stream_encoder::encode(const json& chunk) {
  if (ended_ || !chunk.is_object()) return {};
  std::string out;
  if (const json* usage = member(chunk, "usage"); usage && usage->is_object()) usage_ = *usage;
  if (!started_) start(chunk, out);
  const json* choices = member(chunk, "choices");
  if (!choices || !choices->is_array()) return out;
  for (const auto& choice : *choices) {
    // An Anthropic request never asks for n > 1: only the first choice counts.
    const json* index = member(choice, "index");
    if (!choice.is_object() || (index && *index != 0)) continue;
    if (const json* delta = member(choice, "delta"); delta && delta->is_object())
      on_delta(*delta, out);
    if (const std::string* reason = text_at(choice, "finish_reason")) finish_reason_ = *reason;
  }
  return out;
}

std::string message_stream_encoder::end() {
  if (ended_) return {};
  std::string out;
  if (!started_) start(json::object(), out);
  ended_ = true;
  close_block(out);
  // The usage chunk's counts, cumulative as MessageDeltaUsage's are.
  json usage = usage_.is_object() ? anthropic_usage(usage_) : json{{"output_tokens", 0}};
  out += event(
      "message_delta",
      {{"type", "message_delta"},
       {"delta",
        {{"stop_reason", stop_reason_for(finish_reason_, refused_)}, {"stop_sequence", nullptr}}},
       {"usage", std::move(usage)}});
  out += event("message_stop", {{"type", "message_stop"}});
  return out;
}

std::string message_stream_encoder::error_event(int http_status, std::string_view message) {
  return event("error", anthropic_error_body(http_status, message));
}

void message_stream_encoder::start(const json& chunk, std::string& out) {
  started_ = true;
  json usage = {{"input_tokens", 0}, {"output_tokens", 0}};
  if (usage_.is_object()) usage = anthropic_usage(usage_);
  out += event("message_start", {{"type", "message_start"},
                                 {"message",
                                  {{"id", message_id(chunk)},
                                   {"type", "message"},
                                   {"role", "assistant"},
                                   {"model", string_at(chunk, "model")},
                                   {"content", json::array()},
                                   {"stop_reason", nullptr},
                                   {"stop_sequence", nullptr},
                                   {"usage", std::move(usage)}}}});
}

void message_stream_encoder::on_delta(const json& delta, std::string& out) {
  if (const std::string* content = text_at(delta, "content")) text(*content, out);
  if (const std::string* refusal = text_at(delta, "refusal")) {
    refused_ = true;
    text(*refusal, out);
  }
  if (const json* calls = member(delta, "tool_calls"); calls && calls->is_array())
    for (const auto& call : *calls)
      if (call.is_object()) on_tool_call(call, out);
}

// A tool call's first delta (with id and name) opens a tool_use block with
// input {}; its argument text follows as input_json_delta.
void message_stream_encoder::on_tool_call(const json& call, std::string& out) {
  const json* index = member(call, "index");
  if (!index || !index->is_number_integer()) return;
  const long long k = index->get<long long>();
  const json* function = member(call, "function");
  if (open_ != block::tool_use || open_call_ != k) {
    std::string name = function ? string_at(*function, "name") : std::string();
    if (!name.empty()) calls_[k] = {string_at(call, "id"), std::move(name)};
    auto known = calls_.find(k);
    if (known == calls_.end()) return;  // a call never named: no block to put it in
    open_block(block::tool_use,
               {{"type", "tool_use"},
                {"id", known->second.first},
                {"name", known->second.second},
                {"input", json::object()}},
               out);
    open_call_ = k;
  }
  if (const std::string* arguments = function ? text_at(*function, "arguments") : nullptr)
    out += event("content_block_delta",
                 {{"type", "content_block_delta"},
                  {"index", index_},
                  {"delta", {{"type", "input_json_delta"}, {"partial_json", *arguments}}}});
}

void message_stream_encoder::text(const std::string& text, std::string& out) {
  if (open_ != block::text) open_block(block::text, {{"type", "text"}, {"text", ""}}, out);
  out += event("content_block_delta", {{"type", "content_block_delta"},
                                       {"index", index_},
                                       {"delta", {{"type", "text_delta"}, {"text", text}}}});
}

void message_stream_encoder::open_block(block kind, json content_block, std::string& out) {
  close_block(out);
  open_ = kind;
  out += event("content_block_start", {{"type", "content_block_start"},
                                       {"index", index_},
                                       {"content_block", std::move(content_block)}});
}

void message_stream_encoder::close_block(std::string& out) {
  if (open_ == block::none) return;
  out += event("content_block_stop", {{"type", "content_block_stop"}, {"index", index_}});
  open_ = block::none;
  ++index_;
}

}  // namespace llmopt::wire
