#include "adapters/providers/anthropic_inbound.hpp"

#include <limits>

#include "adapters/providers/anthropic_inbound_messages.hpp"
#include "adapters/providers/wire_format.hpp"

// A Messages request (Anthropic API reference, Messages > Create a Message)
// as llmopt's OpenAI chat request. Everything that asks something of the
// model is translated or refused as `unsupported`; nothing is dropped
// silently. Left out, as instructions to no model: cache_control (on
// blocks, tools, or the request: a prompt-caching hint that does not change
// the answer), service_tier (a capacity preference), metadata keys other
// than user_id, eager_input_streaming (how tool input is streamed, not
// what it is). The conversation itself is anthropic_inbound_messages.cpp; the
// reply and stream go back in anthropic_inbound_reply.cpp.

namespace llmopt::wire {
namespace {

using namespace inbound;

std::optional<long long> integer_of(const json& v) {
  if (v.is_number_unsigned())
    return v.get<unsigned long long>() > std::numeric_limits<long long>::max()
               ? std::nullopt
               : std::optional<long long>(static_cast<long long>(v.get<unsigned long long>()));
  if (v.is_number_integer()) return v.get<long long>();
  return std::nullopt;
}

// -- tools -----------------------------------------------------------------------

// A custom tool as a function tool. Tool fields that change what the model
// is told or may do (input_examples, defer_loading, allowed_callers) are
// refused unless at their no-op value.
failure translate_tool(const json& tool, const std::string& path, json& function_tool) {
  if (!tool.is_object()) return invalid(path, "a tool object");
  if (const json* type = member(tool, "type")) {
    if (!type->is_string()) return invalid(dot(path, "type"), "a string");
    if (*type != "custom")
      return unsupported(path, "the server tool \"" + excerpt(type->get<std::string>(), 60) +
                                   "\" runs inside Anthropic's API; only custom tools "
                                   "can be offered to other models");
  }
  const json* name = member(tool, "name");
  if (!name || !non_empty_string(*name)) return invalid(dot(path, "name"), "a non-empty string");
  const json* schema = member(tool, "input_schema");
  if (!schema || !schema->is_object())
    return invalid(dot(path, "input_schema"), "a JSON schema object");
  json function = {{"name", *name}, {"parameters", *schema}};
  for (const auto& [key, value] : tool.items()) {
    const std::string field = dot(path, key);
    if (key == "type" || key == "name" || key == "input_schema" || key == "cache_control" ||
        value.is_null())
      continue;
    if (key == "description") {
      if (!value.is_string()) return invalid(field, "a string");
      function["description"] = value;
    } else if (key == "strict") {
      if (!value.is_boolean()) return invalid(field, "true or false");
      function["strict"] = value;
    } else if (key == "eager_input_streaming") {
      if (!value.is_boolean()) return invalid(field, "true or false");
    } else if (key == "defer_loading") {
      if (value != false)
        return unsupported(field, "tool search (defer_loading) is Anthropic's own");
    } else if (key == "allowed_callers") {
      if (value != json::array({"direct"}))
        return unsupported(field, "programmatic tool calling is Anthropic's own");
    } else if (key == "input_examples") {
      if (!(value.is_array() && value.empty()))
        return unsupported(field, "tool input examples have no place in an OpenAI tool");
    } else {
      return unsupported(field, "this tool field cannot be carried to an OpenAI tool");
    }
  }
  function_tool = {{"type", "function"}, {"function", std::move(function)}};
  return std::nullopt;
}

failure translate_tools(const json& tools, json& chat) {
  if (!tools.is_array()) return invalid("tools", "an array of tools");
  json out = json::array();
  for (std::size_t i = 0; i < tools.size(); ++i) {
    json function_tool;
    if (auto e = translate_tool(tools[i], at("tools", i), function_tool)) return e;
    out.push_back(std::move(function_tool));
  }
  // OpenAI refuses an empty tools array; no tools is what it means.
  if (!out.empty()) chat["tools"] = std::move(out);
  return std::nullopt;
}

// tool_choice: auto -> "auto", any -> "required", tool -> that function,
// none -> "none"; disable_parallel_tool_use -> parallel_tool_calls: false.
// Without tools, auto and none ask nothing (and OpenAI refuses a
// tool_choice without tools): left out.
failure translate_tool_choice(const json& choice, json& chat) {
  const char* expected = "an object whose type is \"auto\", \"any\", \"tool\" or \"none\"";
  if (!choice.is_object()) return invalid("tool_choice", expected);
  const json* type = member(choice, "type");
  if (!type || !type->is_string()) return invalid("tool_choice.type", expected);
  const json* no_parallel = member(choice, "disable_parallel_tool_use");
  if (no_parallel && !no_parallel->is_boolean())
    return invalid("tool_choice.disable_parallel_tool_use", "true or false");
  const bool has_tools = chat.contains("tools");
  json translated;
  if (*type == "auto" || *type == "none") {
    if (!has_tools) return std::nullopt;
    translated = *type;
  } else if (*type == "any" || *type == "tool") {
    if (!has_tools) return invalid("tool_choice", "tools to choose from");
    translated = "required";
    if (*type == "tool") {
      const json* name = member(choice, "name");
      if (!name || !non_empty_string(*name)) return invalid("tool_choice.name", "a tool name");
      translated = {{"type", "function"}, {"function", {{"name", *name}}}};
    }
  } else {
    return invalid("tool_choice.type", "\"auto\", \"any\", \"tool\" or \"none\"");
  }
  chat["tool_choice"] = std::move(translated);
  if (no_parallel && no_parallel->get<bool>()) chat["parallel_tool_calls"] = false;
  return std::nullopt;
}

// -- output and sampling ------------------------------------------------------------

// A structured-output format {type: "json_schema", schema} as
// response_format. Not strict: OpenAI's strict mode refuses schemas
// Anthropic accepts (optional properties), so the schema is asked for, as
// json_schema without strict is.
failure translate_format(const json& format, const std::string& path, json& chat) {
  if (!format.is_object()) return invalid(path, "an object");
  const json* type = member(format, "type");
  if (!type || *type != "json_schema") return invalid(dot(path, "type"), "\"json_schema\"");
  const json* schema = member(format, "schema");
  if (!schema || !schema->is_object()) return invalid(dot(path, "schema"), "a JSON schema object");
  chat["response_format"] = {{"type", "json_schema"},
                             {"json_schema", {{"name", "output"}, {"schema", *schema}}}};
  return std::nullopt;
}

// output_config: format -> response_format; effort low/medium/high ->
// reasoning_effort (xhigh and max have no OpenAI value).
failure translate_output_config(const json& config, json& chat) {
  if (!config.is_object()) return invalid("output_config", "an object");
  for (const auto& [key, value] : config.items()) {
    const std::string field = "output_config." + key;
    if (value.is_null()) continue;
    if (key == "format") {
      if (auto e = translate_format(value, field, chat)) return e;
    } else if (key == "effort") {
      if (!value.is_string()) return invalid(field, "a string");
      if (!(value == "low" || value == "medium" || value == "high"))
        return unsupported(field,
                           "only effort low, medium and high have an OpenAI "
                           "reasoning_effort");
      chat["reasoning_effort"] = value;
    } else {
      return unsupported(field, "this output setting cannot be carried to an OpenAI chat request");
    }
  }
  return std::nullopt;
}

failure translate_stop(const json& stop, json& chat) {
  if (!stop.is_array()) return invalid("stop_sequences", "an array of strings");
  for (std::size_t i = 0; i < stop.size(); ++i)
    if (!stop[i].is_string()) return invalid(at("stop_sequences", i), "a string");
  if (stop.size() > 4)
    return unsupported("stop_sequences", "an OpenAI chat request takes at most 4 stop sequences");
  if (!stop.empty()) chat["stop"] = stop;
  return std::nullopt;
}

// temperature and top_p: Anthropic's range is 0 to 1, inside OpenAI's.
failure unit_interval(const std::string& key, const json& value, json& chat) {
  if (!value.is_number() || !(value.get<double>() >= 0 && value.get<double>() <= 1))
    return invalid(key, "a number from 0 to 1");
  chat[key] = value;
  return std::nullopt;
}

failure translate_metadata(const json& metadata, json& chat) {
  if (!metadata.is_object()) return invalid("metadata", "an object");
  if (const json* user = member(metadata, "user_id")) {
    if (!user->is_string()) return invalid("metadata.user_id", "a string");
    chat["user"] = *user;
  }
  return std::nullopt;
}

// -- the request -----------------------------------------------------------------

// Top-level fields no OpenAI chat request can carry, and why.
const char* why_unsupported(const std::string& key) {
  if (key == "top_k") return "top_k sampling has no OpenAI chat parameter";
  if (key == "thinking") return "extended thinking has no OpenAI chat parameter";
  if (key == "container") return "code execution containers are Anthropic's own";
  if (key == "mcp_servers") return "MCP servers are called by Anthropic's API itself";
  if (key == "context_management") return "context management is Anthropic's own";
  if (key == "inference_geo") return "llmopt cannot promise where other providers run a model";
  return "this field cannot be carried to an OpenAI chat request";
}

// A top-level field other than model, messages and system (the
// conversation's), tools and tool_choice (translated last).
failure translate_field(const std::string& key, const json& value, json& chat) {
  if (key == "model" || key == "messages" || key == "system" || key == "cache_control" ||
      key == "service_tier" || value.is_null())
    return std::nullopt;
  if (key == "max_tokens") {
    auto n = integer_of(value);
    if (!n || *n < 1) return invalid("max_tokens", "an integer >= 1");
    chat["max_tokens"] = *n;
    return std::nullopt;
  }
  if (key == "temperature" || key == "top_p") return unit_interval(key, value, chat);
  if (key == "stop_sequences") return translate_stop(value, chat);
  if (key == "metadata") return translate_metadata(value, chat);
  if (key == "output_config") return translate_output_config(value, chat);
  if (key == "output_format") return translate_format(value, key, chat);
  if (key == "stream") {
    if (!value.is_boolean()) return invalid("stream", "true or false");
    // Anthropic clients always get usage (message_delta), so always ask.
    if (value.get<bool>()) {
      chat["stream"] = true;
      chat["stream_options"] = {{"include_usage", true}};
    }
    return std::nullopt;
  }
  // thinking's no-op value.
  if (key == "thinking" && value.is_object() && value.value("type", json()) == "disabled")
    return std::nullopt;
  // Translated after the others: tool_choice reads the translated tools.
  if (key == "tools" || key == "tool_choice") return std::nullopt;
  return unsupported(key, why_unsupported(key));
}

}  // namespace

result<nlohmann::json> messages_request_to_chat(std::string_view text, const json_bounds& bounds) {
  auto parsed = parse_bounded_json(text, bounds);
  if (!parsed) return parsed.err();
  const json& body = *parsed;
  if (!body.is_object())
    return error{"invalid_request", "the request body must be a JSON object", ""};
  const json* model = member(body, "model");
  if (!model || !non_empty_string(*model)) return invalid("model", "a non-empty string");
  if (!member(body, "max_tokens")) return invalid("max_tokens", "an integer >= 1");
  const json* list = member(body, "messages");
  if (!list) return invalid("messages", "a non-empty array of messages");

  json chat = {{"model", *model}, {"messages", json::array()}};
  if (auto e = translate_conversation(member(body, "system"), *list, chat["messages"])) return *e;
  for (const auto& [key, value] : body.items())
    if (auto e = translate_field(key, value, chat)) return *e;
  if (const json* tools = member(body, "tools"))
    if (auto e = translate_tools(*tools, chat)) return *e;
  if (const json* choice = member(body, "tool_choice"))
    if (auto e = translate_tool_choice(*choice, chat)) return *e;
  return chat;
}

}  // namespace llmopt::wire
