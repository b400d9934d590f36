// Gemini (POST /v1beta/models/{model}:generateContent and
// :streamGenerateContent), as the public API reference describes it:
// contents of parts, function declarations and the function-calling
// config, GenerateContentResponse with usageMetadata, errors as
// {"error": {"code", "message", "status"}}. A stream is server-sent events
// of GenerateContentResponse with ?alt=sse, else one JSON array sent as it
// grows. Field names are read in the API's camelCase or its proto
// snake_case, as the API accepts both.

#include "adapters/providers/bounded_json.hpp"
#include "adapters/providers/sim_api.hpp"

namespace llmopt {
namespace {

using nlohmann::json;

std::string status_name(int status) {
  switch (status) {
    case 400:
      return "INVALID_ARGUMENT";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 409:
      return "ABORTED";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 499:
      return "CANCELLED";
    case 500:
      return "INTERNAL";
    case 501:
      return "UNIMPLEMENTED";
    case 503:
      return "UNAVAILABLE";
    case 504:
      return "DEADLINE_EXCEEDED";
    default:
      return status >= 500 ? "UNKNOWN" : "FAILED_PRECONDITION";
  }
}

// The member under its camelCase or snake_case name.
const json* field(const json& obj, const char* camel, const char* snake) {
  const auto* value = member(obj, camel);
  return value ? value : member(obj, snake);
}

// A Content: {"role"?, "parts": [Part, ...]}; adds its text to the prompt.
status read_content(const json& content, const std::string& where, sim_request& r,
                    bool& has_function_response) {
  if (!content.is_object()) return bad_field(where, "expected a Content object");
  const auto* parts = member(content, "parts");
  if (!parts || !parts->is_array() || parts->empty())
    return bad_field(where + ".parts", "expected a non-empty array of parts");
  has_function_response = false;
  for (std::size_t i = 0; i < parts->size(); ++i) {
    const auto& part = (*parts)[i];
    if (!part.is_object() || part.empty())
      return bad_field(where + ".parts[" + std::to_string(i) + "]", "expected a Part with data");
    has_function_response =
        has_function_response || field(part, "functionResponse", "function_response") != nullptr;
  }
  r.prompt_chars += text_chars(*parts);
  return ok_status();
}

status read_contents(const json& body, sim_request& r) {
  const auto* contents = member(body, "contents");
  if (!contents || !contents->is_array() || contents->empty())
    return bad_field("contents", "contents is not specified");
  for (std::size_t i = 0; i < contents->size(); ++i) {
    bool function_response = false;
    auto st =
        read_content((*contents)[i], "contents[" + std::to_string(i) + "]", r, function_response);
    if (!st) return st;
    r.last_is_tool_result = function_response;
  }
  if (const auto* system = field(body, "systemInstruction", "system_instruction")) {
    bool ignored = false;
    if (auto st = read_content(*system, "systemInstruction", r, ignored); !st) return st;
  }
  return ok_status();
}

status read_tools(const json& body, sim_request& r) {
  if (const auto* tools = member(body, "tools")) {
    if (!tools->is_array()) return bad_field("tools", "expected an array of Tool objects");
    for (std::size_t i = 0; i < tools->size(); ++i) {
      const auto where = "tools[" + std::to_string(i) + "]";
      if (!(*tools)[i].is_object()) return bad_field(where, "expected a Tool object");
      const auto* decls = field((*tools)[i], "functionDeclarations", "function_declarations");
      if (!decls) continue;  // another kind of tool (search, code execution): not a call
      if (!decls->is_array())
        return bad_field(where + ".functionDeclarations", "expected an array");
      for (std::size_t k = 0; k < decls->size(); ++k) {
        const auto& d = (*decls)[k];
        const auto at = where + ".functionDeclarations[" + std::to_string(k) + "]";
        const auto* name = member(d, "name");
        if (!name || !name->is_string() || name->get_ref<const std::string&>().empty())
          return bad_field(at + ".name", "expected a non-empty string");
        const auto* schema = field(d, "parameters", "parameters_json_schema");
        if (!schema) schema = member(d, "parametersJsonSchema");
        if (schema && !schema->is_object())
          return bad_field(at + ".parameters", "expected a schema");
        r.tools.push_back({name->get<std::string>(), arguments_for(schema ? *schema : json())});
      }
    }
  }
  const auto* config = field(body, "toolConfig", "tool_config");
  const auto* calling =
      config ? field(*config, "functionCallingConfig", "function_calling_config") : nullptr;
  if (!calling) return ok_status();
  if (const auto* mode = member(*calling, "mode")) {
    if (*mode == "NONE")
      r.tool_choice = sim_tool_choice::none;
    else if (*mode == "ANY" || *mode == "VALIDATED")
      r.tool_choice = sim_tool_choice::required;
    else if (*mode != "AUTO" && *mode != "MODE_UNSPECIFIED")
      return bad_field("toolConfig.functionCallingConfig.mode",
                       "expected AUTO, ANY, NONE or VALIDATED");
  }
  const auto* allowed = field(*calling, "allowedFunctionNames", "allowed_function_names");
  if (!allowed) return ok_status();
  if (!allowed->is_array())
    return bad_field("toolConfig.functionCallingConfig.allowedFunctionNames", "expected an array");
  std::vector<sim_tool> kept;  // only the allowed tools may be called, in their order
  for (const auto& t : r.tools)
    for (const auto& name : *allowed)
      if (name == t.name) kept.push_back(t);
  r.tools = std::move(kept);
  return ok_status();
}

std::string finish_reason(const sim_answer& a) {
  return a.truncated ? "MAX_TOKENS" : "STOP";
}

json usage_of(const sim_answer& a, long long candidates) {
  return {{"promptTokenCount", a.prompt_tokens},
          {"candidatesTokenCount", candidates},
          {"totalTokenCount", a.prompt_tokens + candidates},
          {"cachedContentTokenCount", 0}};
}

// A GenerateContentResponse with one candidate of `parts`.
json response(const sim_answer& a, json parts, json finish, long long candidates) {
  json candidate = {{"content", {{"parts", std::move(parts)}, {"role", "model"}}}, {"index", 0}};
  if (!finish.is_null()) candidate["finishReason"] = std::move(finish);
  return {{"candidates", json::array({std::move(candidate)})},
          {"usageMetadata", usage_of(a, candidates)},
          {"modelVersion", a.model},
          {"responseId", "sim-" + std::to_string(a.index)}};
}

json call_part(const sim_tool& call) {
  return {{"functionCall", {{"name", call.name}, {"args", call.arguments}}}};
}

class gemini_frames final : public sim_stream_frames {
 public:
  gemini_frames(const sim_answer& a, bool sse) : a_(a), sse_(sse) {}

  std::string content_type() const override {
    return sse_ ? "text/event-stream" : "application/json";
  }

  std::string opening() override { return sse_ ? "" : "["; }

  // Usage so far rides on every chunk, as the API sends it.
  std::string piece(std::size_t i) override {
    if (!a_.tool_calls.empty())
      return element(response(a_, json::array({call_part(a_.tool_calls[i])}), nullptr, 0));
    return element(response(a_, json::array({{{"text", a_.token(i)}}}), nullptr,
                            static_cast<long long>(i) + 1));
  }

  // The last chunk: the finish reason and the whole usage.
  std::string closing() override {
    auto last =
        response(a_, json::array({{{"text", ""}}}), finish_reason(a_), a_.completion_tokens);
    return element(std::move(last)) + (sse_ ? "" : "]");
  }

  std::string error_event(const error& e) override {
    return element({{"error", {{"code", 500}, {"message", e.detail}, {"status", "INTERNAL"}}}}) +
           (sse_ ? "" : "]");
  }

 private:
  std::string element(const json& value) {
    if (sse_) return "data: " + dump_json(value) + "\r\n\r\n";
    const char* separator = first_ ? "" : ",\r\n";
    first_ = false;
    return separator + dump_json(value);
  }

  sim_answer a_;
  bool sse_;
  bool first_ = true;
};

class gemini_api_impl final : public sim_api {
 public:
  sim_format format() const override { return sim_format::gemini; }

  result<sim_request> read(const http::request& req, const json& body,
                           const std::string& path_model) const override {
    if (!body.is_object()) return bad_field("body", "expected a JSON object");
    sim_request r;
    r.model = path_model;
    const std::string stream_method = ":streamGenerateContent";
    r.stream = req.path.size() > stream_method.size() &&
               req.path.compare(req.path.size() - stream_method.size(), stream_method.size(),
                                stream_method) == 0;
    r.sse = ("&" + req.query + "&").find("&alt=sse&") != std::string::npos;
    if (auto st = read_contents(body, r); !st) return st.err();
    if (auto st = read_tools(body, r); !st) return st.err();
    if (const auto* config = field(body, "generationConfig", "generation_config")) {
      if (!config->is_object()) return bad_field("generationConfig", "expected an object");
      const char* key =
          member(*config, "maxOutputTokens") ? "maxOutputTokens" : "max_output_tokens";
      auto st =
          read_positive_int(*config, key, std::string("generationConfig.") + key, r.max_tokens);
      if (!st) return st.err();
    }
    return r;
  }

  http::response error_reply(int status, const error& e) const override {
    return json_reply(
        status,
        {{"error", {{"code", status}, {"message", e.detail}, {"status", status_name(status)}}}});
  }

  http::response reply(const sim_answer& a, const sim_request&) const override {
    json parts = json::array();
    if (a.tool_calls.empty()) parts.push_back({{"text", a.text()}});
    for (const auto& call : a.tool_calls)
      parts.push_back(call_part(call));
    return json_reply(200, response(a, std::move(parts), finish_reason(a), a.completion_tokens));
  }

  std::unique_ptr<sim_stream_frames> stream(const sim_answer& a,
                                            const sim_request& r) const override {
    return std::make_unique<gemini_frames>(a, r.sse);
  }
};

}  // namespace

const sim_api& gemini_api() {
  static const gemini_api_impl api;
  return api;
}

}  // namespace llmopt
