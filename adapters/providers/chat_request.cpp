#include "adapters/providers/chat_request.hpp"

#include <cmath>
#include <limits>

namespace llmopt {
namespace {

using json = nlohmann::json;

// -- checking one field --------------------------------------------------------

error invalid(const std::string& field, const std::string& expected) {
  return error{"invalid_request", "'" + field + "': expected " + expected, field};
}

std::string at(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

std::string dot(const std::string& path, const char* key) {
  return path.empty() ? std::string(key) : path + "." + key;
}

const json* member(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

bool is_one_of(const json& v, std::initializer_list<const char*> values) {
  if (!v.is_string()) return false;
  for (const char* s : values)
    if (v.get_ref<const std::string&>() == s) return true;
  return false;
}

bool non_empty_string(const json& v) {
  return v.is_string() && !v.get_ref<const std::string&>().empty();
}

// Optional members of `object`: each check returns an error or nothing.
class fields {
 public:
  fields(const json& object, std::string path) : object_(object), path_(std::move(path)) {}

  std::optional<error> string(const char* key) const {
    const json* v = member(object_, key);
    if (v && !v->is_string()) return invalid(dot(path_, key), "a string");
    return std::nullopt;
  }
  std::optional<error> boolean(const char* key) const {
    const json* v = member(object_, key);
    if (v && !v->is_boolean()) return invalid(dot(path_, key), "true or false");
    return std::nullopt;
  }
  std::optional<error> object(const char* key) const {
    const json* v = member(object_, key);
    if (v && !v->is_object()) return invalid(dot(path_, key), "an object");
    return std::nullopt;
  }
  std::optional<error> number(const char* key, double min, double max) const {
    const json* v = member(object_, key);
    if (!v) return std::nullopt;
    if (!v->is_number() || !(v->get<double>() >= min && v->get<double>() <= max))
      return invalid(dot(path_, key), "a number from " + shown(min) + " to " + shown(max));
    return std::nullopt;
  }
  std::optional<error> integer(const char* key, long long min, long long max) const {
    const json* v = member(object_, key);
    if (!v) return std::nullopt;
    if (!v->is_number_integer() || v->get<long long>() < min || v->get<long long>() > max)
      return invalid(dot(path_, key),
                     max == std::numeric_limits<long long>::max()
                         ? "an integer >= " + std::to_string(min)
                         : "an integer from " + std::to_string(min) + " to " + std::to_string(max));
    return std::nullopt;
  }

 private:
  static std::string shown(double x) {
    std::string s = std::to_string(x);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }
  const json& object_;
  std::string path_;
};

#define LLMOPT_CHECK(expr)         \
  do {                             \
    if (auto e = (expr)) return e; \
  } while (false)

// -- content -------------------------------------------------------------------

enum class part_set { text_only, user, assistant };

std::optional<error> check_part(const json& part, const std::string& path, part_set allowed,
                                request_needs& needs) {
  if (!part.is_object()) return invalid(path, "a content part object");
  const json* type = member(part, "type");
  if (!type || !type->is_string()) return invalid(dot(path, "type"), "a string");
  const auto& t = type->get_ref<const std::string&>();
  if (t == "text") {
    const json* text = member(part, "text");
    if (!text || !text->is_string()) return invalid(dot(path, "text"), "a string");
    return std::nullopt;
  }
  if (allowed == part_set::assistant && t == "refusal") {
    const json* refusal = member(part, "refusal");
    if (!refusal || !refusal->is_string()) return invalid(dot(path, "refusal"), "a string");
    return std::nullopt;
  }
  if (allowed == part_set::user && t == "image_url") {
    const json* image = member(part, "image_url");
    const std::string image_path = dot(path, "image_url");
    if (!image || !image->is_object()) return invalid(image_path, "an object with a url");
    const json* url = member(*image, "url");
    if (!url || !non_empty_string(*url)) return invalid(dot(image_path, "url"), "a URL string");
    const json* detail = member(*image, "detail");
    if (detail && !is_one_of(*detail, {"auto", "low", "high"}))
      return invalid(dot(image_path, "detail"), "\"auto\", \"low\" or \"high\"");
    needs.vision = true;
    return std::nullopt;
  }
  if (allowed == part_set::user && t == "input_audio") {
    const json* audio = member(part, "input_audio");
    const std::string audio_path = dot(path, "input_audio");
    if (!audio || !audio->is_object()) return invalid(audio_path, "an object");
    fields f(*audio, audio_path);
    if (!member(*audio, "data")) return invalid(dot(audio_path, "data"), "a string");
    LLMOPT_CHECK(f.string("data"));
    LLMOPT_CHECK(f.string("format"));
    return std::nullopt;
  }
  if (allowed == part_set::user && t == "file") {
    const json* file = member(part, "file");
    if (!file || !file->is_object()) return invalid(dot(path, "file"), "an object");
    return std::nullopt;
  }
  switch (allowed) {
    case part_set::text_only:
      return invalid(dot(path, "type"), "\"text\"");
    case part_set::assistant:
      return invalid(dot(path, "type"), "\"text\" or \"refusal\"");
    case part_set::user:
      break;
  }
  return invalid(dot(path, "type"), "\"text\", \"image_url\", \"input_audio\" or \"file\"");
}

std::optional<error> check_content(const json& content, const std::string& path, part_set allowed,
                                   request_needs& needs) {
  if (content.is_string()) return std::nullopt;
  if (!content.is_array()) return invalid(path, "a string or an array of content parts");
  for (std::size_t i = 0; i < content.size(); ++i)
    LLMOPT_CHECK(check_part(content[i], at(path, i), allowed, needs));
  return std::nullopt;
}

// -- messages ------------------------------------------------------------------

std::optional<error> check_tool_calls(const json& calls, const std::string& path) {
  if (!calls.is_array() || calls.empty()) return invalid(path, "a non-empty array of tool calls");
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const json& call = calls[i];
    const std::string p = at(path, i);
    if (!call.is_object()) return invalid(p, "a tool call object");
    const json* id = member(call, "id");
    if (!id || !non_empty_string(*id)) return invalid(dot(p, "id"), "a non-empty string");
    const json* type = member(call, "type");
    if (!type || !is_one_of(*type, {"function"})) return invalid(dot(p, "type"), "\"function\"");
    const json* fn = member(call, "function");
    const std::string fp = dot(p, "function");
    if (!fn || !fn->is_object()) return invalid(fp, "an object with name and arguments");
    const json* name = member(*fn, "name");
    if (!name || !non_empty_string(*name)) return invalid(dot(fp, "name"), "a non-empty string");
    const json* arguments = member(*fn, "arguments");
    if (!arguments || !arguments->is_string())
      return invalid(dot(fp, "arguments"), "a string (JSON text)");
  }
  return std::nullopt;
}

std::optional<error> check_message(const json& m, const std::string& path, request_needs& needs) {
  if (!m.is_object()) return invalid(path, "a message object");
  const json* role = member(m, "role");
  if (!role || !is_one_of(*role, {"system", "developer", "user", "assistant", "tool"}))
    return invalid(dot(path, "role"),
                   "\"system\", \"developer\", \"user\", \"assistant\" or \"tool\"");
  const auto& r = role->get_ref<const std::string&>();
  LLMOPT_CHECK(fields(m, path).string("name"));
  const json* content = member(m, "content");
  const std::string content_path = dot(path, "content");
  if (r == "assistant") {
    const json* calls = member(m, "tool_calls");
    if (calls) LLMOPT_CHECK(check_tool_calls(*calls, dot(path, "tool_calls")));
    const json* refusal = member(m, "refusal");
    if (refusal && !refusal->is_string() && !refusal->is_null())
      return invalid(dot(path, "refusal"), "a string or null");
    if (!content || content->is_null()) {
      if (!calls) return invalid(content_path, "a string or an array (or tool_calls)");
      return std::nullopt;
    }
    return check_content(*content, content_path, part_set::assistant, needs);
  }
  if (!content) return invalid(content_path, "a string or an array of content parts");
  if (r == "tool") {
    const json* id = member(m, "tool_call_id");
    if (!id || !non_empty_string(*id))
      return invalid(dot(path, "tool_call_id"), "a non-empty string");
    return check_content(*content, content_path, part_set::text_only, needs);
  }
  return check_content(*content, content_path, r == "user" ? part_set::user : part_set::text_only,
                       needs);
}

// -- tools and formats ---------------------------------------------------------

std::optional<error> check_tools(const json& tools, request_needs& needs) {
  if (!tools.is_array()) return invalid("tools", "an array of tools");
  for (std::size_t i = 0; i < tools.size(); ++i) {
    const json& tool = tools[i];
    const std::string p = at("tools", i);
    if (!tool.is_object()) return invalid(p, "a tool object");
    const json* type = member(tool, "type");
    if (!type || !type->is_string()) return invalid(dot(p, "type"), "a string");
    if (type->get_ref<const std::string&>() != "function") continue;
    const json* fn = member(tool, "function");
    const std::string fp = dot(p, "function");
    if (!fn || !fn->is_object()) return invalid(fp, "an object with a name");
    const json* name = member(*fn, "name");
    if (!name || !non_empty_string(*name)) return invalid(dot(fp, "name"), "a non-empty string");
    fields f(*fn, fp);
    LLMOPT_CHECK(f.string("description"));
    LLMOPT_CHECK(f.object("parameters"));
    LLMOPT_CHECK(f.boolean("strict"));
  }
  needs.tools = !tools.empty();
  return std::nullopt;
}

std::optional<error> check_tool_choice(const json& choice) {
  if (is_one_of(choice, {"none", "auto", "required"})) return std::nullopt;
  const char* expected =
      "\"none\", \"auto\", \"required\" or {\"type\": \"function\", \"function\": {\"name\": ...}}";
  if (!choice.is_object()) return invalid("tool_choice", expected);
  const json* type = member(choice, "type");
  const json* fn = member(choice, "function");
  if (!type || !is_one_of(*type, {"function"}) || !fn || !fn->is_object())
    return invalid("tool_choice", expected);
  const json* name = member(*fn, "name");
  if (!name || !non_empty_string(*name))
    return invalid("tool_choice.function.name", "a non-empty string");
  return std::nullopt;
}

std::optional<error> check_response_format(const json& format, request_needs& needs) {
  const char* expected = "an object whose type is \"text\", \"json_object\" or \"json_schema\"";
  if (!format.is_object()) return invalid("response_format", expected);
  const json* type = member(format, "type");
  if (!type || !is_one_of(*type, {"text", "json_object", "json_schema"}))
    return invalid("response_format.type", "\"text\", \"json_object\" or \"json_schema\"");
  if (type->get_ref<const std::string&>() != "json_schema") return std::nullopt;
  const json* schema = member(format, "json_schema");
  if (!schema || !schema->is_object())
    return invalid("response_format.json_schema", "an object with name and schema");
  const json* name = member(*schema, "name");
  if (!name || !non_empty_string(*name))
    return invalid("response_format.json_schema.name", "a non-empty string");
  fields f(*schema, "response_format.json_schema");
  LLMOPT_CHECK(f.object("schema"));
  LLMOPT_CHECK(f.boolean("strict"));
  LLMOPT_CHECK(f.string("description"));
  needs.json_schema = true;
  return std::nullopt;
}

std::optional<error> check_stop(const json& stop) {
  if (stop.is_string() || stop.is_null()) return std::nullopt;
  if (!stop.is_array() || stop.empty() || stop.size() > 4)
    return invalid("stop", "a string or an array of 1 to 4 strings");
  for (std::size_t i = 0; i < stop.size(); ++i)
    if (!stop[i].is_string()) return invalid(at("stop", i), "a string");
  return std::nullopt;
}

std::optional<error> check_string_map(const json* map, const char* key, bool numbers) {
  if (!map) return std::nullopt;
  if (!map->is_object()) return invalid(key, "an object");
  for (const auto& [name, value] : map->items())
    if (numbers ? !value.is_number() : !value.is_string())
      return invalid(  // the name is the client's: quoted short
          std::string(key) + "." + (name.size() > 64 ? name.substr(0, 64) + "..." : name),
          numbers ? "a number" : "a string");
  return std::nullopt;
}

std::optional<error> check_scalars(const json& body) {
  constexpr auto unbounded = std::numeric_limits<long long>::max();
  fields f(body, "");
  LLMOPT_CHECK(f.number("temperature", 0, 2));
  LLMOPT_CHECK(f.number("top_p", 0, 1));
  LLMOPT_CHECK(f.number("presence_penalty", -2, 2));
  LLMOPT_CHECK(f.number("frequency_penalty", -2, 2));
  LLMOPT_CHECK(f.integer("seed", std::numeric_limits<long long>::min(), unbounded));
  LLMOPT_CHECK(f.integer("max_tokens", 1, unbounded));
  LLMOPT_CHECK(f.integer("max_completion_tokens", 1, unbounded));
  LLMOPT_CHECK(f.integer("n", 1, 128));
  LLMOPT_CHECK(f.boolean("logprobs"));
  LLMOPT_CHECK(f.integer("top_logprobs", 0, 20));
  LLMOPT_CHECK(f.string("user"));
  LLMOPT_CHECK(f.boolean("stream"));
  LLMOPT_CHECK(f.boolean("parallel_tool_calls"));
  LLMOPT_CHECK(f.boolean("store"));
  LLMOPT_CHECK(f.string("reasoning_effort"));
  LLMOPT_CHECK(f.string("service_tier"));
  LLMOPT_CHECK(check_string_map(member(body, "logit_bias"), "logit_bias", true));
  LLMOPT_CHECK(check_string_map(member(body, "metadata"), "metadata", false));
  if (const json* options = member(body, "stream_options")) {
    if (!options->is_object() && !options->is_null()) return invalid("stream_options", "an object");
    if (options->is_object())
      LLMOPT_CHECK(fields(*options, "stream_options").boolean("include_usage"));
  }
  return std::nullopt;
}

// -- the request ---------------------------------------------------------------

std::optional<error> check_body(const json& body, request_needs& needs) {
  if (!body.is_object())
    return error{"invalid_request", "the request body must be a JSON object", ""};
  const json* model = member(body, "model");
  if (!model) return error{"invalid_request", "missing required field 'model'", "model"};
  if (!non_empty_string(*model))
    return invalid("model", "a non-empty string (a route name or provider:model)");
  const json* messages = member(body, "messages");
  if (!messages) return error{"invalid_request", "missing required field 'messages'", "messages"};
  if (!messages->is_array() || messages->empty())
    return invalid("messages", "a non-empty array of messages");
  for (std::size_t i = 0; i < messages->size(); ++i)
    LLMOPT_CHECK(check_message((*messages)[i], at("messages", i), needs));
  if (const json* tools = member(body, "tools")) LLMOPT_CHECK(check_tools(*tools, needs));
  if (const json* choice = member(body, "tool_choice")) LLMOPT_CHECK(check_tool_choice(*choice));
  if (const json* format = member(body, "response_format"))
    LLMOPT_CHECK(check_response_format(*format, needs));
  if (const json* stop = member(body, "stop")) LLMOPT_CHECK(check_stop(*stop));
  return check_scalars(body);
}

std::size_t text_chars(const json& content) {
  if (content.is_string()) return content.get_ref<const std::string&>().size();
  std::size_t n = 0;
  if (content.is_array())
    for (const auto& part : content)
      if (part.is_object())
        if (auto text = part.find("text"); text != part.end() && text->is_string())
          n += text->get_ref<const std::string&>().size();
  return n;
}

}  // namespace

long long estimate_input_tokens(const json& body) {
  std::size_t chars = 0;
  if (const json* messages = body.is_object() ? member(body, "messages") : nullptr;
      messages && messages->is_array())
    for (const auto& m : *messages) {
      if (!m.is_object()) continue;
      if (const json* content = member(m, "content")) chars += text_chars(*content);
      if (const json* calls = member(m, "tool_calls"); calls && calls->is_array())
        for (const auto& call : *calls)
          if (call.is_object())
            if (const json* fn = member(call, "function"); fn && fn->is_object())
              if (const json* args = member(*fn, "arguments"); args && args->is_string())
                chars += args->get_ref<const std::string&>().size();
    }
  if (const json* tools = body.is_object() ? member(body, "tools") : nullptr;
      tools && tools->is_array())
    chars += dump_json(*tools).size();
  return std::max<long long>(1, static_cast<long long>(chars / 4));
}

result<chat_request> check_chat_request(json body) {
  chat_request out;
  if (auto e = check_body(body, out.needs)) return *e;
  if (const json* stream = member(body, "stream")) out.stream = stream->get<bool>();
  if (const json* options = member(body, "stream_options"); options && options->is_object())
    if (const json* usage = member(*options, "include_usage"))
      out.include_usage = usage->get<bool>();
  for (const char* key : {"max_completion_tokens", "max_tokens"})
    if (const json* v = member(body, key)) {
      out.max_output_tokens = v->get<long long>();
      break;
    }
  out.estimated_input_tokens = estimate_input_tokens(body);
  out.needs.streaming = out.stream;
  const long long output = out.max_output_tokens.value_or(0);
  out.needs.context_tokens =
      output > std::numeric_limits<long long>::max() - out.estimated_input_tokens
          ? std::numeric_limits<long long>::max()
          : out.estimated_input_tokens + output;
  out.body = std::move(body);
  return out;
}

result<chat_request> parse_chat_request(std::string_view body, const json_bounds& bounds) {
  auto parsed = parse_bounded_json(body, bounds);
  if (!parsed) return parsed.err();
  return check_chat_request(std::move(*parsed));
}

}  // namespace llmopt
