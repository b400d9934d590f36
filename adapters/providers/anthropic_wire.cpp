#include "adapters/providers/anthropic_wire.hpp"

#include <algorithm>
#include <cctype>

// Anthropic's Messages API (POST /v1/messages, anthropic-version 2023-06-01):
// the request side. The reply and the stream are read in anthropic_reply.cpp.
//
// OpenAI's chat request and Anthropic's Message differ in where things live:
// system and developer messages become the top-level "system"; a run of tool
// messages becomes one user message of tool_result blocks; tool_calls become
// tool_use blocks whose input is the parsed arguments. Every other request
// parameter is translated, accepted at its no-op value, dropped when it
// carries no instruction (upstream_request::dropped), or refused.

namespace llmopt::wire {
namespace {

using json = nlohmann::json;

// Anthropic requires max_tokens where OpenAI defaults to the model's limit.
// 4096 is within every current Claude model's output limit, so a request
// without one is never refused for it; a client that wants more says so.
constexpr long long default_max_tokens = 4096;

error unsupported(std::string field, std::string detail) {
  return error{"unsupported", std::move(detail), std::move(field)};
}

std::string at(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

const json* member(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

const std::string& text_of(const json& value) {
  return value.get_ref<const std::string&>();
}

bool is_string_equal(const json* value, std::string_view expected) {
  return value && value->is_string() && text_of(*value) == expected;
}

json text_block(const std::string& text) {
  return {{"type", "text"}, {"text", text}};
}

// -- top-level parameters --------------------------------------------------------

bool is_in(std::string_view key, std::initializer_list<std::string_view> keys) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// Translated by anthropic_request below.
bool is_translated(std::string_view key) {
  return is_in(key, {"model", "messages", "tools", "tool_choice", "parallel_tool_calls",
                     "response_format", "temperature", "top_p", "stop", "max_tokens",
                     "max_completion_tokens", "user", "stream", "stream_options"});
}

// No instruction to the model, and no place for them in a Message request:
// OpenAI's metadata is for its stored completions, not Anthropic's user_id.
bool is_droppable(std::string_view key) {
  return is_in(key, {"metadata", "store", "service_tier", "prompt_cache_key", "safety_identifier"});
}

// Parameters Anthropic cannot express, accepted at the value that asks for nothing.
bool at_no_op_value(std::string_view key, const json& value) {
  if (key == "n") return value.is_number_integer() && value.get<long long>() == 1;
  if (key == "logprobs") return value.is_boolean() && !value.get<bool>();
  if (key == "top_logprobs") return value.is_number_integer() && value.get<long long>() == 0;
  if (key == "presence_penalty" || key == "frequency_penalty")
    return value.is_number() && value.get<double>() == 0;
  if (key == "logit_bias") return value.is_object() && value.empty();
  return false;
}

std::string why_refused(std::string_view key) {
  if (key == "n") return "Anthropic answers with one message per request";
  if (key == "logprobs" || key == "top_logprobs")
    return "Anthropic's Messages API returns no log probabilities";
  if (key == "seed") return "Anthropic's Messages API has no seed";
  if (key == "logit_bias") return "Anthropic's Messages API has no logit bias";
  if (key == "presence_penalty" || key == "frequency_penalty")
    return "Anthropic's Messages API has no presence or frequency penalty";
  if (key == "reasoning_effort")
    return "llmopt maps reasoning_effort to no Anthropic parameter (extended thinking budgets "
           "and effort differ by model)";
  return "'" + excerpt(key, 60) + "' is not a parameter the anthropic format can carry";
}

// Refuses what cannot be expressed; lists the droppable parameters present.
status check_parameters(const json& request, std::vector<std::string>& dropped) {
  for (const auto& [key, value] : request.items()) {
    if (value.is_null() || is_translated(key)) continue;  // null: not set
    if (is_droppable(key)) {
      dropped.push_back(key);
      continue;
    }
    if (!at_no_op_value(key, value)) return unsupported(key, why_refused(key));
  }
  return ok_status();
}

// -- content -----------------------------------------------------------------------

// Text of a system, developer or tool message (a string or text parts) as
// text blocks. Empty texts are left out: Anthropic refuses empty text blocks.
void append_text_blocks(const json& content, json& blocks) {
  if (content.is_string()) {
    if (!text_of(content).empty()) blocks.push_back(text_block(text_of(content)));
    return;
  }
  for (const auto& part : content)
    if (const json* text = member(part, "text"); text && !text_of(*text).empty())
      blocks.push_back(text_block(text_of(*text)));
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// A data: URI as a base64 image source (Vision: jpeg, png, gif or webp).
result<json> base64_source(std::string_view url, const std::string& field) {
  const std::string_view rest = url.substr(5);  // after "data:"
  const auto comma = rest.find(',');
  constexpr std::string_view base64 = ";base64";
  const std::string_view header = rest.substr(0, comma == std::string_view::npos ? 0 : comma);
  if (comma == std::string_view::npos || header.size() < base64.size() ||
      header.substr(header.size() - base64.size()) != base64)
    return unsupported(field, "an image data: URI must be base64 (data:image/png;base64,...)");
  std::string media_type(header.substr(0, header.size() - base64.size()));
  for (auto& c : media_type)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!is_in(media_type, {"image/jpeg", "image/png", "image/gif", "image/webp"}))
    return unsupported(field, "Anthropic takes jpeg, png, gif and webp images, not '" +
                                  excerpt(media_type, 60) + "'");
  return json{{"type", "base64"},
              {"media_type", media_type},
              {"data", std::string(rest.substr(comma + 1))}};
}

// An image_url part as an image block: a data: URI is sent inline, an
// http(s) URL by reference (Anthropic fetches it).
result<json> image_block(const json& part, const std::string& path) {
  const json& image = part["image_url"];
  // Anthropic reads every image at its full supported resolution, which is
  // what "high" asks; it has no cheaper low-detail mode.
  if (is_string_equal(member(image, "detail"), "low"))
    return unsupported(path + ".image_url.detail", "Anthropic has no low-detail image mode");
  const std::string& url = text_of(image["url"]);
  const std::string field = path + ".image_url.url";
  if (starts_with(url, "data:")) {
    auto source = base64_source(url, field);
    if (!source) return source.err();
    return json{{"type", "image"}, {"source", std::move(*source)}};
  }
  if (starts_with(url, "https://") || starts_with(url, "http://"))
    return json{{"type", "image"}, {"source", {{"type", "url"}, {"url", url}}}};
  return unsupported(field, "an image must be a data: URI or an http(s) URL");
}

// A user message's content: a string stays one; parts become blocks.
result<json> user_content(const json& content, const std::string& path) {
  if (content.is_string()) return content;
  json blocks = json::array();
  for (std::size_t i = 0; i < content.size(); ++i) {
    const json& part = content[i];
    const std::string& type = text_of(part["type"]);
    if (type == "text") {
      if (!text_of(part["text"]).empty()) blocks.push_back(text_block(text_of(part["text"])));
    } else if (type == "image_url") {
      auto image = image_block(part, at(path, i));
      if (!image) return image.err();
      blocks.push_back(std::move(*image));
    } else if (type == "input_audio") {
      return unsupported(at(path, i), "Anthropic's Messages API takes no audio input");
    } else {
      return unsupported(at(path, i), "'" + type + "' parts are not translated for Anthropic");
    }
  }
  return blocks;
}

// Tool call arguments (JSON text) as a tool_use input, which must be an
// object. Blank arguments, as some models give a tool without parameters,
// are the empty object.
result<json> tool_input(const json& arguments, const std::string& field) {
  const std::string& text = text_of(arguments);
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
  auto parsed = parse_bounded_json(text, json_bounds{});
  if (!parsed || !parsed->is_object())
    return unsupported(field,
                       "tool call arguments must be a JSON object (Anthropic's tool_use "
                       "input is one)");
  return std::move(*parsed);
}

// An assistant message's content: text and refusal parts (what the
// assistant said) as text blocks, then its tool calls as tool_use blocks.
result<json> assistant_content(const json& message, const std::string& path) {
  const json* content = member(message, "content");
  const json* calls = member(message, "tool_calls");
  const json* refusal = member(message, "refusal");
  const bool has_refusal = refusal && refusal->is_string() && !text_of(*refusal).empty();
  if (content && content->is_string() && !calls && !has_refusal) return *content;
  json blocks = json::array();
  if (content && content->is_string() && !text_of(*content).empty())
    blocks.push_back(text_block(text_of(*content)));
  if (content && content->is_array())
    for (const auto& part : *content) {
      const json* text = member(part, text_of(part["type"]) == "text" ? "text" : "refusal");
      if (!text_of(*text).empty()) blocks.push_back(text_block(text_of(*text)));
    }
  if (has_refusal) blocks.push_back(text_block(text_of(*refusal)));
  if (!calls) return blocks;
  for (std::size_t j = 0; j < calls->size(); ++j) {
    const json& call = (*calls)[j];
    const json& function = call["function"];
    auto input =
        tool_input(function["arguments"], at(path + ".tool_calls", j) + ".function.arguments");
    if (!input) return input.err();
    blocks.push_back({{"type", "tool_use"},
                      {"id", call["id"]},
                      {"name", function["name"]},
                      {"input", std::move(*input)}});
  }
  return blocks;
}

json tool_result(const json& message) {
  json block = {{"type", "tool_result"}, {"tool_use_id", message["tool_call_id"]}};
  const json& content = message["content"];
  if (content.is_string()) {
    block["content"] = content;
  } else {
    block["content"] = json::array();
    append_text_blocks(content, block["content"]);
  }
  return block;
}

// -- messages ------------------------------------------------------------------------

struct conversation {
  json system = json::array();  // text blocks, in the order of the messages
  json messages = json::array();
};

result<conversation> translate_messages(const json& messages) {
  conversation out;
  bool in_tool_results = false;  // out.messages.back() gathers a run of tool messages
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const json& message = messages[i];
    const std::string path = at("messages", i);
    const std::string& role = text_of(message["role"]);
    // A tool message's name is the function's, which tool_use_id already tells.
    if (role != "tool" && message.contains("name"))
      return unsupported(path + ".name", "Anthropic's messages have no participant names");
    if (role == "system" || role == "developer") {
      // Anthropic has one system prompt: a later system message joins it too.
      append_text_blocks(message["content"], out.system);
      continue;
    }
    if (role == "tool") {
      if (!in_tool_results) out.messages.push_back({{"role", "user"}, {"content", json::array()}});
      in_tool_results = true;
      out.messages.back()["content"].push_back(tool_result(message));
      continue;
    }
    in_tool_results = false;
    auto content = role == "user" ? user_content(message["content"], path + ".content")
                                  : assistant_content(message, path);
    if (!content) return content.err();
    out.messages.push_back({{"role", role}, {"content", std::move(*content)}});
  }
  return out;
}

// -- tools and output ----------------------------------------------------------------

result<json> translate_tools(const json& tools) {
  json out = json::array();
  for (std::size_t i = 0; i < tools.size(); ++i) {
    const json& tool = tools[i];
    if (text_of(tool["type"]) != "function")
      return unsupported(at("tools", i) + ".type",
                         "the anthropic format takes function tools only, not '" +
                             excerpt(text_of(tool["type"]), 60) + "'");
    const json& function = tool["function"];
    json native = {{"name", function["name"]}};
    if (const json* description = member(function, "description"))
      native["description"] = *description;
    const json* parameters = member(function, "parameters");
    native["input_schema"] =
        parameters ? *parameters : json{{"type", "object"}, {"properties", json::object()}};
    // Strict tool use (Structured outputs): inputs validated against the schema.
    if (const json* strict = member(function, "strict"); strict && strict->get<bool>())
      native["strict"] = true;
    out.push_back(std::move(native));
  }
  return out;
}

json translate_tool_choice(const json& choice) {
  if (!choice.is_string()) return {{"type", "tool"}, {"name", choice["function"]["name"]}};
  const std::string& mode = text_of(choice);
  return {{"type", mode == "required" ? "any" : mode}};  // "auto" and "none" keep their names
}

// tools, tool_choice and parallel_tool_calls. With no tools, tool_choice
// "none" or "auto" and parallel_tool_calls ask nothing and are left out.
status translate_tool_use(const json& request, json& body) {
  const json* tools = member(request, "tools");
  const bool has_tools = tools && !tools->empty();
  if (has_tools) {
    auto native = translate_tools(*tools);
    if (!native) return native.err();
    body["tools"] = std::move(*native);
  }
  std::optional<json> choice;
  if (const json* tool_choice = member(request, "tool_choice");
      tool_choice && (has_tools || !(is_string_equal(tool_choice, "none") ||
                                     is_string_equal(tool_choice, "auto"))))
    choice = translate_tool_choice(*tool_choice);
  const json* parallel = member(request, "parallel_tool_calls");
  if (has_tools && parallel && !parallel->get<bool>()) {
    if (!choice) choice = json{{"type", "auto"}};
    if ((*choice)["type"] != "none") (*choice)["disable_parallel_tool_use"] = true;
  }
  if (choice) body["tool_choice"] = std::move(*choice);
  return ok_status();
}

// response_format: json_schema as Structured outputs' output_config.format
// (generally available: no beta header). Anthropic always enforces the
// schema, which is what strict asks and more than non-strict does.
status translate_response_format(const json& request, json& body) {
  const json* format = member(request, "response_format");
  if (!format) return ok_status();
  const std::string& type = text_of((*format)["type"]);
  if (type == "text") return ok_status();
  if (type == "json_object")
    return unsupported("response_format",
                       "Anthropic's structured outputs need a JSON schema; "
                       "it has no schema-less JSON mode");
  const json& spec = (*format)["json_schema"];
  const json* schema = member(spec, "schema");
  if (!schema)
    return unsupported("response_format.json_schema.schema",
                       "Anthropic's structured outputs need the schema itself");
  if (member(spec, "description"))
    return unsupported("response_format.json_schema.description",
                       "Anthropic's output format has no place for a description");
  body["output_config"] = {{"format", {{"type", "json_schema"}, {"schema", *schema}}}};
  return ok_status();
}

// temperature, top_p, stop and user.
status translate_sampling(const json& request, json& body) {
  if (const json* temperature = member(request, "temperature")) {
    if (temperature->get<double>() > 1)
      return unsupported("temperature",
                         "Anthropic's temperature ranges from 0 to 1; llmopt "
                         "neither rescales nor clamps it");
    body["temperature"] = *temperature;
  }
  if (const json* top_p = member(request, "top_p")) body["top_p"] = *top_p;
  if (const json* stop = member(request, "stop"); stop && !stop->is_null())
    body["stop_sequences"] = stop->is_string() ? json::array({*stop}) : *stop;
  if (const json* user = member(request, "user"); user && !text_of(*user).empty())
    body["metadata"] = {{"user_id", *user}};
  return ok_status();
}

}  // namespace

result<upstream_request> anthropic_request(const chat_request& request, const std::string& model) {
  const json& in = request.body;
  upstream_request out;
  if (auto st = check_parameters(in, out.dropped); !st) return st.err();
  auto conversation = translate_messages(in["messages"]);
  if (!conversation) return conversation.err();
  json body = {{"model", model},
               {"max_tokens", request.max_output_tokens.value_or(default_max_tokens)},
               {"messages", std::move(conversation->messages)}};
  json& system = conversation->system;
  if (system.size() == 1)
    body["system"] = system[0]["text"];  // one system text: Anthropic's plain string form
  else if (!system.empty())
    body["system"] = std::move(system);
  for (auto step : {translate_tool_use, translate_response_format, translate_sampling})
    if (auto st = step(in, body); !st) return st.err();
  if (request.stream) body["stream"] = true;  // Anthropic's streams always report usage
  out.path = "/messages";
  out.headers = {"anthropic-version: 2023-06-01"};
  out.body = dump_json(body);
  return out;
}

}  // namespace llmopt::wire
