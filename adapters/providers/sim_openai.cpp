// OpenAI chat completions (POST /v1/chat/completions), as the public API
// reference describes it: request checks naming the `param`, the
// chat.completion object, and the stream of chat.completion.chunk events
// ended by `data: [DONE]`.

#include <set>

#include "adapters/providers/bounded_json.hpp"
#include "adapters/providers/sim_api.hpp"

namespace llmopt {
namespace {

using nlohmann::json;

std::string error_type(int status) {
  if (status == 401) return "authentication_error";
  if (status == 403) return "permission_error";
  if (status == 404) return "not_found_error";
  if (status == 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

status read_messages(const json& messages, sim_request& r) {
  static const std::set<std::string> roles = {"system",    "developer", "user",
                                              "assistant", "tool",      "function"};
  if (!messages.is_array()) return bad_field("messages", "expected an array of messages");
  if (messages.empty()) return bad_field("messages", "expected at least one message");
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto& m = messages[i];
    const auto where = "messages[" + std::to_string(i) + "]";
    if (!m.is_object()) return bad_field(where, "expected an object");
    const auto* role = member(m, "role");
    if (!role || !role->is_string() || !roles.count(role->get<std::string>()))
      return bad_field(where + ".role",
                       "expected one of system, developer, user, assistant, tool, function");
    const auto* content = member(m, "content");
    const bool assistant = role->get<std::string>() == "assistant";
    if (content && !content->is_string() && !content->is_array())
      return bad_field(where + ".content", "expected a string or an array of content parts");
    if (!content && !assistant) return bad_field(where + ".content", "is required");
    if (content) r.prompt_chars += text_chars(*content);
    r.last_is_tool_result = role->get<std::string>() == "tool" || *role == "function";
  }
  return ok_status();
}

status read_tools(const json& body, sim_request& r) {
  if (const auto* tools = member(body, "tools")) {
    if (!tools->is_array()) return bad_field("tools", "expected an array of tools");
    for (std::size_t i = 0; i < tools->size(); ++i) {
      const auto& t = (*tools)[i];
      const auto where = "tools[" + std::to_string(i) + "]";
      const auto* type = member(t, "type");
      if (!type || *type != "function") return bad_field(where + ".type", "expected \"function\"");
      const auto* function = member(t, "function");
      if (!function || !function->is_object())
        return bad_field(where + ".function", "expected an object");
      const auto* name = member(*function, "name");
      if (!name || !name->is_string() || name->get_ref<const std::string&>().empty())
        return bad_field(where + ".function.name", "expected a non-empty string");
      const auto* parameters = member(*function, "parameters");
      if (parameters && !parameters->is_object())
        return bad_field(where + ".function.parameters", "expected a JSON schema object");
      r.tools.push_back(
          {name->get<std::string>(), arguments_for(parameters ? *parameters : json())});
    }
  }
  if (const auto* choice = member(body, "tool_choice")) {
    if (r.tools.empty()) return bad_field("tool_choice", "only allowed when tools are specified");
    if (*choice == "none") {
      r.tool_choice = sim_tool_choice::none;
    } else if (*choice == "required") {
      r.tool_choice = sim_tool_choice::required;
    } else if (*choice != "auto") {
      const auto* function = choice->is_object() ? member(*choice, "function") : nullptr;
      const auto* name = function ? member(*function, "name") : nullptr;
      if (!name || !name->is_string())
        return bad_field("tool_choice",
                         "expected none, auto, required or "
                         "{\"type\": \"function\", \"function\": {\"name\": ...}}");
      r.tool_choice = sim_tool_choice::named;
      r.tool_name = name->get<std::string>();
      bool known = false;
      for (const auto& t : r.tools)
        known = known || t.name == r.tool_name;
      if (!known) return bad_field("tool_choice", "no tool named '" + r.tool_name + "'");
    }
  }
  return read_bool(body, "parallel_tool_calls", "parallel_tool_calls", r.parallel_tool_calls);
}

std::string finish_reason(const sim_answer& a) {
  if (!a.tool_calls.empty()) return "tool_calls";
  return a.truncated ? "length" : "stop";
}

std::string call_id(const sim_answer& a, std::size_t k) {
  return "call_sim_" + std::to_string(a.index) + "_" + std::to_string(k);
}

json usage_of(const sim_answer& a) {
  return {{"prompt_tokens", a.prompt_tokens},
          {"completion_tokens", a.completion_tokens},
          {"total_tokens", a.prompt_tokens + a.completion_tokens},
          {"prompt_tokens_details", {{"cached_tokens", 0}}},
          {"completion_tokens_details", {{"reasoning_tokens", 0}}}};
}

class openai_frames final : public sim_stream_frames {
 public:
  openai_frames(const sim_answer& a, bool include_usage) : a_(a), include_usage_(include_usage) {}

  std::string content_type() const override { return "text/event-stream"; }

  std::string opening() override {
    json delta = {{"role", "assistant"}, {"content", ""}, {"refusal", nullptr}};
    if (!a_.tool_calls.empty()) delta = {{"role", "assistant"}, {"content", nullptr}};
    return chunk(std::move(delta), nullptr);
  }

  std::string piece(std::size_t i) override {
    if (a_.tool_calls.empty()) return chunk({{"content", a_.token(i)}}, nullptr);
    const auto& call = a_.tool_calls[i];
    const json start = {{"index", i},
                        {"id", call_id(a_, i)},
                        {"type", "function"},
                        {"function", {{"name", call.name}, {"arguments", ""}}}};
    const json rest = {{"index", i}, {"function", {{"arguments", dump_json(call.arguments)}}}};
    return chunk({{"tool_calls", json::array({start})}}, nullptr) +
           chunk({{"tool_calls", json::array({rest})}}, nullptr);
  }

  std::string closing() override {
    std::string out = chunk(json::object(), finish_reason(a_));
    if (include_usage_) {
      json last = base();
      last["choices"] = json::array();
      last["usage"] = usage_of(a_);
      out += sse_event("", last);
    }
    return out + "data: [DONE]\n\n";
  }

  std::string error_event(const error& e) override {
    return sse_event("", {{"error",
                           {{"message", e.detail},
                            {"type", "server_error"},
                            {"param", nullptr},
                            {"code", e.code}}}});
  }

 private:
  json base() const {
    return {{"id", "chatcmpl-sim-" + std::to_string(a_.index)},
            {"object", "chat.completion.chunk"},
            {"created", a_.created_s},
            {"model", a_.model}};
  }

  std::string chunk(json delta, json finish) const {
    json c = base();
    c["choices"] = json::array({{{"index", 0},
                                 {"delta", std::move(delta)},
                                 {"logprobs", nullptr},
                                 {"finish_reason", std::move(finish)}}});
    if (include_usage_) c["usage"] = nullptr;  // every chunk but the last has usage null
    return sse_event("", c);
  }

  sim_answer a_;
  bool include_usage_;
};

class openai_api_impl final : public sim_api {
 public:
  sim_format format() const override { return sim_format::openai; }

  result<sim_request> read(const http::request&, const json& body,
                           const std::string&) const override {
    if (!body.is_object()) return bad_field("body", "expected a JSON object");
    sim_request r;
    const auto* model = member(body, "model");
    if (!model || !model->is_string())
      return bad_field("model", "you must provide a model parameter");
    r.model = model->get<std::string>();
    const auto* messages = member(body, "messages");
    if (!messages) return bad_field("messages", "is required");
    if (auto st = read_messages(*messages, r); !st) return st.err();
    if (auto st = read_bool(body, "stream", "stream", r.stream); !st) return st.err();
    if (const auto* options = member(body, "stream_options")) {
      if (!r.stream) return bad_field("stream_options", "only allowed when stream is true");
      if (!options->is_object()) return bad_field("stream_options", "expected an object");
      auto st =
          read_bool(*options, "include_usage", "stream_options.include_usage", r.include_usage);
      if (!st) return st.err();
    }
    for (const char* key : {"max_tokens", "max_completion_tokens"})
      if (auto st = read_positive_int(body, key, key, r.max_tokens); !st) return st.err();
    if (auto st = read_tools(body, r); !st) return st.err();
    return r;
  }

  http::response error_reply(int status, const error& e) const override {
    return json_reply(status, {{"error",
                                {{"message", e.detail},
                                 {"type", error_type(status)},
                                 {"param", e.field.empty() ? json() : json(e.field)},
                                 {"code", e.code.empty() ? json() : json(e.code)}}}});
  }

  http::response reply(const sim_answer& a, const sim_request&) const override {
    json message = {{"role", "assistant"}, {"content", a.text()}, {"refusal", nullptr}};
    if (!a.tool_calls.empty()) {
      message["content"] = nullptr;
      message["tool_calls"] = json::array();
      for (std::size_t k = 0; k < a.tool_calls.size(); ++k)
        message["tool_calls"].push_back({{"id", call_id(a, k)},
                                         {"type", "function"},
                                         {"function",
                                          {{"name", a.tool_calls[k].name},
                                           {"arguments", dump_json(a.tool_calls[k].arguments)}}}});
    }
    return json_reply(200, {{"id", "chatcmpl-sim-" + std::to_string(a.index)},
                            {"object", "chat.completion"},
                            {"created", a.created_s},
                            {"model", a.model},
                            {"choices", json::array({{{"index", 0},
                                                      {"message", std::move(message)},
                                                      {"logprobs", nullptr},
                                                      {"finish_reason", finish_reason(a)}}})},
                            {"usage", usage_of(a)}});
  }

  std::unique_ptr<sim_stream_frames> stream(const sim_answer& a,
                                            const sim_request& r) const override {
    return std::make_unique<openai_frames>(a, r.include_usage);
  }
};

}  // namespace

const sim_api& openai_api() {
  static const openai_api_impl api;
  return api;
}

}  // namespace llmopt
