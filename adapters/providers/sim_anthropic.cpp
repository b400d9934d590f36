// Anthropic Messages (POST /v1/messages), as the public API reference
// describes it: the anthropic-version header, max_tokens required, errors
// as {"type": "error", "error": {"type", "message"}}, and streams of named
// events: message_start, content_block_start / _delta / _stop,
// message_delta with the usage, message_stop, and pings now and then.

#include <set>

#include "adapters/providers/bounded_json.hpp"
#include "adapters/providers/sim_api.hpp"

namespace llmopt {
namespace {

using nlohmann::json;

// A ping after this many content pieces, as well as after the opening.
constexpr std::size_t ping_every = 50;

std::string error_type(int status) {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 402:
      return "billing_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 504:
      return "timeout_error";
    case 529:
      return "overloaded_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

// A string, or an array of content blocks each with a "type".
status check_content(const json& content, const std::string& where) {
  if (content.is_string()) return ok_status();
  if (!content.is_array()) return bad_field(where, "expected a string or an array of blocks");
  for (std::size_t i = 0; i < content.size(); ++i) {
    const auto* type = member(content[i], "type");
    if (!type || !type->is_string())
      return bad_field(where + "[" + std::to_string(i) + "].type", "is required");
  }
  return ok_status();
}

bool has_tool_result(const json& content) {
  if (!content.is_array()) return false;
  for (const auto& block : content)
    if (const auto* type = member(block, "type"); type && *type == "tool_result") return true;
  return false;
}

status read_messages(const json& body, sim_request& r) {
  const auto* messages = member(body, "messages");
  if (!messages) return bad_field("messages", "Field required");
  if (!messages->is_array() || messages->empty())
    return bad_field("messages", "expected a non-empty array of messages");
  for (std::size_t i = 0; i < messages->size(); ++i) {
    const auto& m = (*messages)[i];
    const auto where = "messages." + std::to_string(i);
    const auto* role = member(m, "role");
    if (!role || (*role != "user" && *role != "assistant"))
      return bad_field(where + ".role", "expected \"user\" or \"assistant\"");
    const auto* content = member(m, "content");
    if (!content) return bad_field(where + ".content", "Field required");
    if (auto st = check_content(*content, where + ".content"); !st) return st;
    r.prompt_chars += text_chars(*content);
    r.last_is_tool_result = *role == "user" && has_tool_result(*content);
  }
  if (const auto* system = member(body, "system")) {
    if (auto st = check_content(*system, "system"); !st) return st;
    r.prompt_chars += text_chars(*system);
  }
  return ok_status();
}

status read_tools(const json& body, sim_request& r) {
  if (const auto* tools = member(body, "tools")) {
    if (!tools->is_array()) return bad_field("tools", "expected an array of tools");
    for (std::size_t i = 0; i < tools->size(); ++i) {
      const auto& t = (*tools)[i];
      const auto where = "tools." + std::to_string(i);
      const auto* name = member(t, "name");
      if (!name || !name->is_string() || name->get_ref<const std::string&>().empty())
        return bad_field(where + ".name", "expected a non-empty string");
      const auto* type = member(t, "type");
      if (type && *type != "custom") continue;  // a server tool: Anthropic runs it, not the client
      const auto* schema = member(t, "input_schema");
      if (!schema || !schema->is_object())
        return bad_field(where + ".input_schema", "expected a JSON schema object");
      r.tools.push_back({name->get<std::string>(), arguments_for(*schema)});
    }
  }
  const auto* choice = member(body, "tool_choice");
  if (!choice) return ok_status();
  const auto* type = member(*choice, "type");
  static const std::set<std::string> types = {"auto", "any", "tool", "none"};
  if (!type || !type->is_string() || !types.count(type->get<std::string>()))
    return bad_field("tool_choice.type", "expected auto, any, tool or none");
  bool disable_parallel = false;
  auto st = read_bool(*choice, "disable_parallel_tool_use", "tool_choice.disable_parallel_tool_use",
                      disable_parallel);
  if (!st) return st;
  r.parallel_tool_calls = !disable_parallel;
  if (*type == "none") r.tool_choice = sim_tool_choice::none;
  if (*type == "any") r.tool_choice = sim_tool_choice::required;
  if (*type == "tool") {
    const auto* name = member(*choice, "name");
    if (!name || !name->is_string()) return bad_field("tool_choice.name", "Field required");
    r.tool_choice = sim_tool_choice::named;
    r.tool_name = name->get<std::string>();
    for (const auto& t : r.tools)
      if (t.name == r.tool_name) return ok_status();
    return bad_field("tool_choice.name", "no tool named '" + r.tool_name + "'");
  }
  return ok_status();
}

std::string stop_reason(const sim_answer& a) {
  if (!a.tool_calls.empty()) return "tool_use";
  return a.truncated ? "max_tokens" : "end_turn";
}

json tool_use(const sim_answer& a, std::size_t k, json input) {
  return {{"type", "tool_use"},
          {"id", "toolu_sim_" + std::to_string(a.index) + "_" + std::to_string(k)},
          {"name", a.tool_calls[k].name},
          {"input", std::move(input)}};
}

json message(const sim_answer& a, json content, json stop, long long output_tokens) {
  return {{"id", "msg_sim_" + std::to_string(a.index)},
          {"type", "message"},
          {"role", "assistant"},
          {"model", a.model},
          {"content", std::move(content)},
          {"stop_reason", std::move(stop)},
          {"stop_sequence", nullptr},
          {"usage",
           {{"input_tokens", a.prompt_tokens},
            {"output_tokens", output_tokens},
            {"cache_creation_input_tokens", 0},
            {"cache_read_input_tokens", 0}}}};
}

class anthropic_frames final : public sim_stream_frames {
 public:
  explicit anthropic_frames(const sim_answer& a) : a_(a) {}

  std::string content_type() const override { return "text/event-stream"; }

  std::string opening() override {
    std::string out =
        sse_event("message_start",
                  {{"type", "message_start"}, {"message", message(a_, json::array(), nullptr, 1)}});
    if (a_.tool_calls.empty())
      out +=
          sse_event("content_block_start", {{"type", "content_block_start"},
                                            {"index", 0},
                                            {"content_block", {{"type", "text"}, {"text", ""}}}});
    return out + ping();
  }

  std::string piece(std::size_t i) override {
    std::string out = i > 0 && i % ping_every == 0 ? ping() : "";
    if (a_.tool_calls.empty())
      return out + delta(0, {{"type", "text_delta"}, {"text", a_.token(i)}});
    return out +
           sse_event("content_block_start", {{"type", "content_block_start"},
                                             {"index", i},
                                             {"content_block", tool_use(a_, i, json::object())}}) +
           delta(i, {{"type", "input_json_delta"},
                     {"partial_json", dump_json(a_.tool_calls[i].arguments)}}) +
           block_stop(i);
  }

  std::string closing() override {
    std::string out = a_.tool_calls.empty() ? block_stop(0) : "";
    out += sse_event("message_delta",
                     {{"type", "message_delta"},
                      {"delta", {{"stop_reason", stop_reason(a_)}, {"stop_sequence", nullptr}}},
                      {"usage", {{"output_tokens", a_.completion_tokens}}}});
    return out + sse_event("message_stop", {{"type", "message_stop"}});
  }

  std::string error_event(const error& e) override {
    // The reference's example of an in-stream error is an overload.
    return sse_event("error", {{"type", "error"},
                               {"error", {{"type", "overloaded_error"}, {"message", e.detail}}}});
  }

 private:
  static std::string ping() { return sse_event("ping", {{"type", "ping"}}); }
  static std::string delta(std::size_t index, json d) {
    return sse_event("content_block_delta",
                     {{"type", "content_block_delta"}, {"index", index}, {"delta", std::move(d)}});
  }
  static std::string block_stop(std::size_t index) {
    return sse_event("content_block_stop", {{"type", "content_block_stop"}, {"index", index}});
  }

  sim_answer a_;
};

class anthropic_api_impl final : public sim_api {
 public:
  sim_format format() const override { return sim_format::anthropic; }

  result<sim_request> read(const http::request& req, const json& body,
                           const std::string&) const override {
    if (req.header("anthropic-version").empty())
      return bad_field("anthropic-version", "header is required");
    if (!body.is_object()) return bad_field("body", "expected a JSON object");
    sim_request r;
    const auto* model = member(body, "model");
    if (!model || !model->is_string()) return bad_field("model", "Field required");
    r.model = model->get<std::string>();
    if (!member(body, "max_tokens")) return bad_field("max_tokens", "Field required");
    if (auto st = read_positive_int(body, "max_tokens", "max_tokens", r.max_tokens); !st)
      return st.err();
    if (auto st = read_messages(body, r); !st) return st.err();
    if (auto st = read_bool(body, "stream", "stream", r.stream); !st) return st.err();
    if (auto st = read_tools(body, r); !st) return st.err();
    return r;
  }

  http::response error_reply(int status, const error& e) const override {
    return json_reply(status, {{"type", "error"},
                               {"error", {{"type", error_type(status)}, {"message", e.detail}}}});
  }

  http::response reply(const sim_answer& a, const sim_request&) const override {
    json content = json::array();
    if (a.tool_calls.empty()) content.push_back({{"type", "text"}, {"text", a.text()}});
    for (std::size_t k = 0; k < a.tool_calls.size(); ++k)
      content.push_back(tool_use(a, k, a.tool_calls[k].arguments));
    return json_reply(200, message(a, std::move(content), stop_reason(a), a.completion_tokens));
  }

  std::unique_ptr<sim_stream_frames> stream(const sim_answer& a,
                                            const sim_request&) const override {
    return std::make_unique<anthropic_frames>(a);
  }
};

}  // namespace

const sim_api& anthropic_api() {
  static const anthropic_api_impl api;
  return api;
}

}  // namespace llmopt
