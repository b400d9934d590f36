// Ollama chat (POST /api/chat), as its public API reference describes it:
// streamed by default as newline-delimited JSON, one object per token and
// a last one with done: true, done_reason and the counts; "stream": false
// for one object. Errors are {"error": "message"}.

#include <ctime>

#include "adapters/providers/bounded_json.hpp"
#include "adapters/providers/sim_api.hpp"

namespace llmopt {
namespace {

using nlohmann::json;

// RFC 3339 in UTC, as Ollama's created_at.
std::string rfc3339(long long unix_s) {
  const std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

status read_messages(const json& body, sim_request& r) {
  const auto* messages = member(body, "messages");
  if (!messages) return ok_status();  // no messages: Ollama only loads the model
  if (!messages->is_array()) return bad_field("messages", "expected an array of messages");
  for (std::size_t i = 0; i < messages->size(); ++i) {
    const auto& m = (*messages)[i];
    const auto where = "messages[" + std::to_string(i) + "]";
    const auto* role = member(m, "role");
    if (!role || !role->is_string()) return bad_field(where + ".role", "expected a string");
    const auto* content = member(m, "content");
    if (content && !content->is_string()) return bad_field(where + ".content", "expected a string");
    if (content) r.prompt_chars += text_chars(*content);
    r.last_is_tool_result = *role == "tool";
  }
  return ok_status();
}

status read_tools(const json& body, sim_request& r) {
  const auto* tools = member(body, "tools");
  if (!tools) return ok_status();
  if (!tools->is_array()) return bad_field("tools", "expected an array of tools");
  for (std::size_t i = 0; i < tools->size(); ++i) {
    const auto where = "tools[" + std::to_string(i) + "]";
    const auto* function = member((*tools)[i], "function");
    if (!function || !function->is_object())
      return bad_field(where + ".function", "expected an object");
    const auto* name = member(*function, "name");
    if (!name || !name->is_string() || name->get_ref<const std::string&>().empty())
      return bad_field(where + ".function.name", "expected a non-empty string");
    const auto* parameters = member(*function, "parameters");
    if (parameters && !parameters->is_object())
      return bad_field(where + ".function.parameters", "expected a JSON schema object");
    r.tools.push_back({name->get<std::string>(), arguments_for(parameters ? *parameters : json())});
  }
  return ok_status();
}

json tool_calls_of(const sim_answer& a, std::size_t from, std::size_t to) {
  json calls = json::array();
  for (std::size_t k = from; k < to && k < a.tool_calls.size(); ++k)
    calls.push_back(
        {{"function", {{"name", a.tool_calls[k].name}, {"arguments", a.tool_calls[k].arguments}}}});
  return calls;
}

json message(std::string content, json tool_calls) {
  json m = {{"role", "assistant"}, {"content", std::move(content)}};
  if (!tool_calls.empty()) m["tool_calls"] = std::move(tool_calls);
  return m;
}

// The last object: done, why, and the counts and durations (nanoseconds:
// the drawn latency, a fifth of it reading the prompt).
json done_object(const sim_answer& a, json msg) {
  const auto total_ns = static_cast<long long>(a.latency_ms * 1e6);
  return {{"model", a.model},
          {"created_at", rfc3339(a.created_s)},
          {"message", std::move(msg)},
          {"done_reason", a.truncated ? "length" : "stop"},
          {"done", true},
          {"total_duration", total_ns},
          {"load_duration", 0},
          {"prompt_eval_count", a.prompt_tokens},
          {"prompt_eval_duration", total_ns / 5},
          {"eval_count", a.completion_tokens},
          {"eval_duration", total_ns - total_ns / 5}};
}

class ollama_frames final : public sim_stream_frames {
 public:
  explicit ollama_frames(const sim_answer& a) : a_(a) {}

  std::string content_type() const override { return "application/x-ndjson"; }
  std::string opening() override { return ""; }

  std::string piece(std::size_t i) override {
    json msg = a_.tool_calls.empty() ? message(a_.token(i), json::array())
                                     : message("", tool_calls_of(a_, i, i + 1));
    return line({{"model", a_.model},
                 {"created_at", rfc3339(a_.created_s)},
                 {"message", std::move(msg)},
                 {"done", false}});
  }

  std::string closing() override { return line(done_object(a_, message("", json::array()))); }

  std::string error_event(const error& e) override { return line({{"error", e.detail}}); }

 private:
  static std::string line(const json& value) { return dump_json(value) + "\n"; }
  sim_answer a_;
};

class ollama_api_impl final : public sim_api {
 public:
  sim_format format() const override { return sim_format::ollama; }

  result<sim_request> read(const http::request&, const json& body,
                           const std::string&) const override {
    if (!body.is_object()) return bad_field("body", "expected a JSON object");
    sim_request r;
    const auto* model = member(body, "model");
    if (!model || !model->is_string() || model->get_ref<const std::string&>().empty())
      return bad_field("model", "model is required");
    r.model = model->get<std::string>();
    r.stream = true;  // Ollama streams unless told not to
    if (auto st = read_bool(body, "stream", "stream", r.stream); !st) return st.err();
    if (auto st = read_messages(body, r); !st) return st.err();
    if (auto st = read_tools(body, r); !st) return st.err();
    if (const auto* options = member(body, "options")) {
      if (!options->is_object()) return bad_field("options", "expected an object");
      // num_predict: -1 is unbounded, -2 fills the context; only a positive
      // number bounds the answer.
      const auto* limit = member(*options, "num_predict");
      if (limit && !limit->is_number_integer())
        return bad_field("options.num_predict", "expected an integer");
      if (limit && limit->get<long long>() > 0) r.max_tokens = limit->get<long long>();
    }
    return r;
  }

  http::response error_reply(int status, const error& e) const override {
    return json_reply(status, {{"error", e.detail}});
  }

  http::response reply(const sim_answer& a, const sim_request&) const override {
    return json_reply(200,
                      done_object(a, message(a.text(), tool_calls_of(a, 0, a.tool_calls.size()))));
  }

  std::unique_ptr<sim_stream_frames> stream(const sim_answer& a,
                                            const sim_request&) const override {
    return std::make_unique<ollama_frames>(a);
  }
};

}  // namespace

const sim_api& ollama_api() {
  static const ollama_api_impl api;
  return api;
}

}  // namespace llmopt
