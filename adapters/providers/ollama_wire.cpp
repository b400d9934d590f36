#include "adapters/providers/ollama_wire.hpp"

#include <map>

// Requests in Ollama's native chat API (POST /api/chat, docs/api.md "Generate
// a chat completion", docs.ollama.com/api/chat and its openapi.yaml ChatRequest).
// Ollama runs the model locally: images must come inline as base64, and a
// parameter the API has no place for makes the request unsupported (see
// wire_format.hpp), except the few that carry no instruction to the model.
// Replies are read in ollama_reply.cpp, streams in ollama_stream.cpp.

namespace llmopt::wire {
namespace {

using json = nlohmann::json;

error unsupported(std::string field, std::string detail) {
  return error{"unsupported", std::move(detail), std::move(field)};
}

std::string at(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

const json* member(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

const std::string& text(const json& string_value) {
  return string_value.get_ref<const std::string&>();
}

// Tool call arguments are JSON text inside the (already bounded) request;
// parsed within a depth that keeps the whole body within json_bounds' default.
constexpr json_bounds arguments_bounds{64u << 20, 40};

// -- content ---------------------------------------------------------------------

// Pieces of a message's text, joined with '\n' into Ollama's one content
// string (as OpenAI-compatible servers join text parts).
class text_builder {
 public:
  void add(const std::string& piece) {
    if (!text_.empty()) text_ += '\n';
    text_ += piece;
  }
  std::string take() { return std::move(text_); }

 private:
  std::string text_;
};

// The base64 payload of a "data:<type>;base64,<data>" image URL.
result<std::string> inline_image(const json& image, const std::string& path) {
  const std::string& url = text(image.at("url"));
  if (url.rfind("data:", 0) != 0)
    return unsupported(path,
                       "Ollama takes images only inline as base64 (a data: URL); "
                       "llmopt does not fetch image URLs");
  const auto comma = url.find(',');
  const std::string_view meta = std::string_view(url).substr(5, comma - 5);
  const std::string_view base64 = ";base64";
  if (comma == std::string::npos || meta.rfind("image/", 0) != 0 || meta.size() < base64.size() ||
      meta.substr(meta.size() - base64.size()) != base64 || comma + 1 == url.size())
    return unsupported(path, "an inline image must be a data:image/...;base64, URL");
  if (const json* detail = member(image, "detail"); detail && text(*detail) != "auto")
    return unsupported(path + ".image_url.detail",
                       "Ollama has no image detail setting; only \"auto\" can be honoured");
  return url.substr(comma + 1);
}

// The text of a system, developer, tool or assistant content (a string, or
// text and refusal parts; the request checker allows no other parts there).
std::string plain_text(const json& content) {
  if (content.is_string()) return text(content);
  text_builder out;
  for (const auto& part : content) {
    const json* piece = member(part, text(part.at("type")) == "refusal" ? "refusal" : "text");
    if (piece) out.add(text(*piece));
  }
  return out.take();
}

// A user content: its text, and its images into `images`.
result<std::string> user_text(const json& content, const std::string& path, json& images) {
  if (content.is_string()) return text(content);
  text_builder out;
  for (std::size_t i = 0; i < content.size(); ++i) {
    const json& part = content[i];
    const std::string& type = text(part.at("type"));
    if (type == "text") {
      out.add(text(part.at("text")));
    } else if (type == "image_url") {
      auto image = inline_image(part.at("image_url"), at(path, i));
      if (!image) return image.err();
      images.push_back(std::move(*image));
    } else {
      return unsupported(
          at(path, i), "Ollama's chat messages take text and images only, not " + type + " parts");
    }
  }
  return out.take();
}

// -- messages --------------------------------------------------------------------

// Ollama's message has role, content, images, tool_calls and tool_name; the
// OpenAI fields it has no place for make the request unsupported.
std::optional<error> check_message_fields(const json& message, const std::string& path) {
  for (const auto& [key, value] : message.items()) {
    if (key == "role" || key == "content" || key == "tool_calls" || key == "tool_call_id" ||
        key == "refusal" || value.is_null())
      continue;
    // A tool result's name is the tool's (LangChain sends it): Ollama's tool_name.
    if (key == "name" && text(message.at("role")) == "tool") continue;
    if (key == "name")
      return unsupported(path + ".name", "Ollama's chat messages have no participant name");
    return unsupported(path + "." + key,
                       "Ollama's chat messages have no field " + excerpt(key, 60));
  }
  return std::nullopt;
}

// Translates the messages in order, remembering which function each
// assistant tool call named: Ollama's tool results carry the tool's name
// (tool_name), OpenAI's the call's id.
class message_translator {
 public:
  result<json> translate(const json& message, const std::string& path) {
    if (auto e = check_message_fields(message, path)) return *e;
    const std::string& role = text(message.at("role"));
    const json* content = member(message, "content");
    if (role == "system" || role == "developer")
      return json{{"role", "system"}, {"content", plain_text(*content)}};
    if (role == "user") return user(*content, path);
    if (role == "assistant") return assistant(message, path);
    return tool_result(message, path);
  }

 private:
  static result<json> user(const json& content, const std::string& path) {
    json images = json::array();
    auto words = user_text(content, path + ".content", images);
    if (!words) return words.err();
    json out = {{"role", "user"}, {"content", std::move(*words)}};
    if (!images.empty()) out["images"] = std::move(images);
    return out;
  }

  result<json> assistant(const json& message, const std::string& path) {
    text_builder words;
    if (const json* content = member(message, "content")) words.add(plain_text(*content));
    if (const json* refusal = member(message, "refusal"); refusal && !text(*refusal).empty())
      words.add(text(*refusal));  // what the assistant said, as its text
    json out = {{"role", "assistant"}, {"content", words.take()}};
    if (const json* calls = member(message, "tool_calls")) {
      auto native = tool_calls(*calls, path + ".tool_calls");
      if (!native) return native.err();
      out["tool_calls"] = std::move(*native);
    }
    return out;
  }

  // docs.ollama.com "Tool calling": {"type": "function", "function": {"index",
  // "name", "arguments": object}}; Ollama returns an "id" with each call
  // (since v0.12.10), sent back so the history reads as it was answered.
  result<json> tool_calls(const json& calls, const std::string& path) {
    json out = json::array();
    for (std::size_t k = 0; k < calls.size(); ++k) {
      const json& call = calls[k];
      const json& function = call.at("function");
      const std::string& name = text(function.at("name"));
      const std::string& arguments = text(function.at("arguments"));
      json parsed = json::object();
      if (arguments.find_first_not_of(" \t\r\n") != std::string::npos) {
        auto read = parse_bounded_json(arguments, arguments_bounds);
        if (!read || !read->is_object())
          return unsupported(at(path, k) + ".function.arguments",
                             "Ollama takes tool call arguments as a JSON object");
        parsed = std::move(*read);
      }
      call_names_[text(call.at("id"))] = name;
      out.push_back(
          {{"id", call.at("id")},
           {"type", "function"},
           {"function", {{"index", k}, {"name", name}, {"arguments", std::move(parsed)}}}});
    }
    return out;
  }

  result<json> tool_result(const json& message, const std::string& path) {
    auto call = call_names_.find(text(message.at("tool_call_id")));
    const json* name = member(message, "name");
    if (call == call_names_.end() && !name)
      return unsupported(path + ".tool_call_id",
                         "no earlier assistant tool call has this id, so the tool's name "
                         "(Ollama's tool_name) is unknown");
    return json{{"role", "tool"},
                {"content", plain_text(message.at("content"))},
                {"tool_name", call != call_names_.end() ? call->second : text(*name)}};
  }

  std::map<std::string, std::string> call_names_;
};

// -- tools and formats -------------------------------------------------------------

// Ollama's tools are functions with a JSON schema (openapi ToolDefinition:
// name and parameters required). Ollama has no tool_choice: "auto" is its
// behaviour, and "none" is met by offering no tools (a model offered none
// cannot call one); "required" and a named function cannot be expressed.
result<std::optional<json>> tools_of(const json& body) {
  const json* tools = member(body, "tools");
  if (const json* choice = member(body, "tool_choice")) {
    if (choice->is_string() && text(*choice) == "none") return std::optional<json>{};
    if (!choice->is_string() || text(*choice) != "auto")
      return unsupported("tool_choice", "Ollama cannot be made to call a tool");
  }
  if (!tools || tools->empty()) return std::optional<json>{};
  // Without tools it changes nothing; with them Ollama may make several calls.
  if (const json* parallel = member(body, "parallel_tool_calls");
      parallel && !parallel->get<bool>())
    return unsupported("parallel_tool_calls", "Ollama cannot be limited to one tool call");
  json out = json::array();
  for (std::size_t i = 0; i < tools->size(); ++i) {
    const json& tool = (*tools)[i];
    if (text(tool.at("type")) != "function")
      return unsupported(at("tools", i), "Ollama's tools are functions only");
    const json& function = tool.at("function");
    if (const json* strict = member(function, "strict"); strict && strict->get<bool>())
      return unsupported(at("tools", i) + ".function.strict",
                         "Ollama cannot hold tool arguments to their schema");
    json native = {{"name", function.at("name")}};
    if (const json* description = member(function, "description"))
      native["description"] = *description;
    const json* parameters = member(function, "parameters");
    native["parameters"] =
        parameters ? *parameters : json{{"type", "object"}, {"properties", json::object()}};
    out.push_back({{"type", "function"}, {"function", std::move(native)}});
  }
  return std::optional<json>{std::move(out)};
}

// format: "json", or a JSON schema the output is constrained to (which is
// what strict asks for, so strict is honoured either way).
result<std::optional<json>> format_of(const json& body) {
  const json* format = member(body, "response_format");
  if (!format) return std::optional<json>{};
  const std::string& type = text(format->at("type"));
  if (type == "text") return std::optional<json>{};
  if (type == "json_object") return std::optional<json>{json("json")};
  const json& spec = format->at("json_schema");
  if (member(spec, "description"))
    return unsupported("response_format.json_schema.description",
                       "Ollama's format has no place for a description of the schema");
  const json* schema = member(spec, "schema");
  return std::optional<json>{schema ? *schema : json("json")};
}

// -- options -------------------------------------------------------------------------

// Parameters at their no-op value are accepted; any other value cannot be
// expressed in /api/chat.
std::optional<error> check_no_ops(const json& body) {
  if (const json* n = member(body, "n"); n && n->get<long long>() != 1)
    return unsupported("n", "Ollama answers with one choice");
  if (const json* logprobs = member(body, "logprobs"); logprobs && logprobs->get<bool>())
    return unsupported("logprobs", "log probabilities are not translated from Ollama");
  if (const json* top = member(body, "top_logprobs"); top && top->get<long long>() != 0)
    return unsupported("top_logprobs", "log probabilities are not translated from Ollama");
  if (const json* bias = member(body, "logit_bias"); bias && !bias->empty())
    return unsupported("logit_bias", "Ollama has no logit bias");
  return std::nullopt;
}

// Runtime options (openapi ModelOptions; presence_penalty and
// frequency_penalty from docs/api.md "Generate request (With options)").
// top_k and min_p, which OpenAI lacks but several compatible servers take,
// go to Ollama's options of the same name.
result<json> options_of(const chat_request& request) {
  const json& body = request.body;
  json options = json::object();
  for (const char* key : {"temperature", "top_p", "presence_penalty", "frequency_penalty", "seed"})
    if (const json* v = member(body, key)) options[key] = *v;
  if (const json* v = member(body, "top_k")) {
    if (!v->is_number_integer() || v->get<long long>() < 0)
      return unsupported("top_k", "top_k must be an integer >= 0");
    options["top_k"] = *v;
  }
  if (const json* v = member(body, "min_p")) {
    if (!v->is_number() || !(v->get<double>() >= 0 && v->get<double>() <= 1))
      return unsupported("min_p", "min_p must be a number from 0 to 1");
    options["min_p"] = *v;
  }
  if (const json* stop = member(body, "stop"))
    options["stop"] = stop->is_string() ? json::array({*stop}) : *stop;
  if (request.max_output_tokens) options["num_predict"] = *request.max_output_tokens;
  return options;
}

// reasoning_effort -> think (openapi ChatRequest.think: false, or "low",
// "medium", "high" for models with thinking levels). The thinking itself is
// not part of the answer (see ollama_reply.cpp).
result<std::optional<json>> think_of(const json& body) {
  const json* effort = member(body, "reasoning_effort");
  if (!effort) return std::optional<json>{};
  const std::string& level = text(*effort);
  if (level == "none") return std::optional<json>{json(false)};
  if (level == "low" || level == "medium" || level == "high")
    return std::optional<json>{json(level)};
  return unsupported("reasoning_effort",
                     "Ollama's think levels are low, medium and high (or none), not " + level);
}

// Top-level parameters carrying no instruction to the model, left out.
constexpr const char* droppable[] = {"user",         "metadata",         "store",
                                     "service_tier", "prompt_cache_key", "safety_identifier"};

bool is_droppable(const std::string& key) {
  for (const char* name : droppable)
    if (key == name) return true;
  return false;
}

// Every other parameter this translation reads; anything else is refused.
bool is_translated(const std::string& key) {
  static const char* const known[] = {"model",
                                      "messages",
                                      "stream",
                                      "stream_options",
                                      "tools",
                                      "tool_choice",
                                      "parallel_tool_calls",
                                      "response_format",
                                      "temperature",
                                      "top_p",
                                      "top_k",
                                      "min_p",
                                      "presence_penalty",
                                      "frequency_penalty",
                                      "stop",
                                      "seed",
                                      "max_tokens",
                                      "max_completion_tokens",
                                      "n",
                                      "logprobs",
                                      "top_logprobs",
                                      "logit_bias",
                                      "reasoning_effort"};
  for (const char* name : known)
    if (key == name) return true;
  return false;
}

std::optional<error> check_top_level(const json& body) {
  for (const auto& [key, value] : body.items())
    if (!is_translated(key) && !is_droppable(key) && !value.is_null())
      return unsupported(key, "Ollama's chat API has no parameter " + excerpt(key, 60));
  return check_no_ops(body);
}

result<json> messages_of(const json& messages) {
  message_translator translator;
  json out = json::array();
  for (std::size_t i = 0; i < messages.size(); ++i) {
    auto native = translator.translate(messages[i], at("messages", i));
    if (!native) return native.err();
    out.push_back(std::move(*native));
  }
  return out;
}

}  // namespace

result<upstream_request> ollama_request(const chat_request& request, const std::string& model) {
  const json& body = request.body;
  if (auto e = check_top_level(body)) return *e;
  auto messages = messages_of(body.at("messages"));
  if (!messages) return messages.err();
  auto tools = tools_of(body);
  if (!tools) return tools.err();
  auto format = format_of(body);
  if (!format) return format.err();
  auto options = options_of(request);
  if (!options) return options.err();
  auto think = think_of(body);
  if (!think) return think.err();

  // Ollama streams unless told not to: stream is always sent. The final
  // line of a stream carries the token counts, so usage needs no option.
  json native = {{"model", model}, {"messages", std::move(*messages)}, {"stream", request.stream}};
  if (*tools) native["tools"] = std::move(**tools);
  if (*format) native["format"] = std::move(**format);
  if (!options->empty()) native["options"] = std::move(*options);
  if (*think) native["think"] = std::move(**think);

  upstream_request out;
  out.path = "/api/chat";
  out.body = dump_json(native);
  for (const char* key : droppable)
    if (member(body, key)) out.dropped.push_back(key);
  return out;
}

}  // namespace llmopt::wire
