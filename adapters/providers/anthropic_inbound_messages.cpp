#include "adapters/providers/anthropic_inbound_messages.hpp"

#include <vector>

#include "adapters/providers/bounded_json.hpp"
#include "adapters/providers/wire_format.hpp"

// The conversation of a Messages request (Anthropic API reference, Messages
// > Create a Message: system, messages, content blocks; Tool use guide) as
// OpenAI chat messages. cache_control on a block is a prompt-caching hint
// that does not change the answer: accepted and left out.

namespace llmopt::wire::inbound {
namespace {

json text_part(const std::string& text) {
  return {{"type", "text"}, {"text", text}};
}

// Content parts as OpenAI content: a single text part becomes a plain
// string, as Anthropic's own string shorthand would have been.
json collapsed(json parts) {
  if (parts.size() == 1 && parts[0]["type"] == "text") return parts[0]["text"];
  return parts;
}

// -- blocks ----------------------------------------------------------------------

// The type of a content block at `path`.
failure block_type(const json& block, const std::string& path, std::string& type) {
  if (!block.is_object()) return invalid(path, "a content block object");
  const json* t = member(block, "type");
  if (!t || !t->is_string()) return invalid(dot(path, "type"), "a string");
  type = t->get<std::string>();
  return std::nullopt;
}

error block_unsupported(const std::string& path, const std::string& type,
                        const std::string& where) {
  return unsupported(path, "a \"" + excerpt(type, 60) + "\" block " + where +
                               " has no place in an OpenAI chat request");
}

// A text block's text. Citations (given back from an earlier answer) would
// be lost on the way: refused rather than dropped.
failure text_of(const json& block, const std::string& path, std::string& text) {
  const json* t = member(block, "text");
  if (!t || !t->is_string()) return invalid(dot(path, "text"), "a string");
  if (const json* citations = member(block, "citations");
      citations && !(citations->is_array() && citations->empty()))
    return unsupported(dot(path, "citations"),
                       "citations cannot be carried to an OpenAI chat request");
  text = t->get<std::string>();
  return std::nullopt;
}

// An image block as an image_url part: a base64 source becomes a data: URL.
failure image_part(const json& block, const std::string& path, json& part) {
  const std::string source_path = dot(path, "source");
  const json* source = member(block, "source");
  if (!source || !source->is_object()) return invalid(source_path, "an image source object");
  const json* kind = member(*source, "type");
  if (!kind || !kind->is_string()) return invalid(dot(source_path, "type"), "a string");
  std::string url;
  if (*kind == "base64") {
    const json* media_type = member(*source, "media_type");
    const json* data = member(*source, "data");
    if (!media_type || !non_empty_string(*media_type))
      return invalid(dot(source_path, "media_type"), "a media type such as \"image/png\"");
    if (!data || !data->is_string()) return invalid(dot(source_path, "data"), "base64 text");
    url = "data:" + media_type->get<std::string>() + ";base64," + data->get<std::string>();
  } else if (*kind == "url") {
    const json* address = member(*source, "url");
    if (!address || !non_empty_string(*address)) return invalid(dot(source_path, "url"), "a URL");
    url = address->get<std::string>();
  } else {
    return unsupported(source_path, "an image source of type \"" +
                                        excerpt(kind->get<std::string>(), 60) +
                                        "\" (such as a Files API id) cannot be sent to other "
                                        "providers; use base64 or url");
  }
  part = {{"type", "image_url"}, {"image_url", {{"url", std::move(url)}}}};
  return std::nullopt;
}

// A tool_result block as a tool message. OpenAI tool messages hold text
// only and have no error flag: is_error: true puts "Error: " before the
// text (or makes it "Error" when there is none), so the model still learns
// that the call failed.
failure tool_message(const json& block, const std::string& path, json& message) {
  const json* id = member(block, "tool_use_id");
  if (!id || !non_empty_string(*id)) return invalid(dot(path, "tool_use_id"), "a tool_use id");
  const json* is_error = member(block, "is_error");
  if (is_error && !is_error->is_boolean()) return invalid(dot(path, "is_error"), "true or false");
  std::vector<std::string> texts;
  const std::string content_path = dot(path, "content");
  if (const json* content = member(block, "content")) {
    if (content->is_string()) {
      texts.push_back(content->get<std::string>());
    } else if (content->is_array()) {
      for (std::size_t i = 0; i < content->size(); ++i) {
        const std::string part_path = at(content_path, i);
        std::string type;
        if (auto e = block_type((*content)[i], part_path, type)) return e;
        if (type != "text") return block_unsupported(part_path, type, "in a tool result");
        std::string text;
        if (auto e = text_of((*content)[i], part_path, text)) return e;
        texts.push_back(std::move(text));
      }
    } else {
      return invalid(content_path, "a string or an array of content blocks");
    }
  }
  if (is_error && is_error->get<bool>()) {
    if (texts.empty())
      texts.emplace_back("Error");
    else
      texts.front() = "Error: " + texts.front();
  }
  json parts = json::array();
  for (auto& text : texts)
    parts.push_back(text_part(text));
  message = {{"role", "tool"},
             {"tool_call_id", *id},
             {"content", parts.empty() ? json("") : collapsed(std::move(parts))}};
  return std::nullopt;
}

json tool_call(const json& block) {
  return {{"id", block["id"]},
          {"type", "function"},
          {"function", {{"name", block["name"]}, {"arguments", dump_json(block["input"])}}}};
}

failure check_tool_use(const json& block, const std::string& path) {
  const json* id = member(block, "id");
  if (!id || !non_empty_string(*id)) return invalid(dot(path, "id"), "a non-empty string");
  const json* name = member(block, "name");
  if (!name || !non_empty_string(*name)) return invalid(dot(path, "name"), "a non-empty string");
  const json* input = member(block, "input");
  if (!input || !input->is_object()) return invalid(dot(path, "input"), "an object");
  return std::nullopt;
}

// -- messages --------------------------------------------------------------------

// A user message: its tool_result blocks become tool messages, placed first
// and in order (OpenAI wants them right after the assistant's tool calls),
// then the rest of its content as one user message.
failure user_messages(const json& content, const std::string& path, json& messages) {
  if (content.is_string()) {
    messages.push_back({{"role", "user"}, {"content", content}});
    return std::nullopt;
  }
  json parts = json::array();
  bool had_tool_results = false;
  for (std::size_t i = 0; i < content.size(); ++i) {
    const json& block = content[i];
    const std::string block_path = at(path, i);
    std::string type;
    if (auto e = block_type(block, block_path, type)) return e;
    if (type == "tool_result") {
      json message;
      if (auto e = tool_message(block, block_path, message)) return e;
      messages.push_back(std::move(message));
      had_tool_results = true;
    } else if (type == "text") {
      std::string text;
      if (auto e = text_of(block, block_path, text)) return e;
      parts.push_back(text_part(text));
    } else if (type == "image") {
      json part;
      if (auto e = image_part(block, block_path, part)) return e;
      parts.push_back(std::move(part));
    } else {
      return block_unsupported(block_path, type, "in a user message");
    }
  }
  if (!parts.empty() || !had_tool_results)
    messages.push_back({{"role", "user"}, {"content", collapsed(std::move(parts))}});
  return std::nullopt;
}

// An assistant message: text blocks become its content, tool_use blocks its
// tool_calls (arguments: the input as compact JSON).
failure assistant_message(const json& content, const std::string& path, json& messages) {
  if (content.is_string()) {
    messages.push_back({{"role", "assistant"}, {"content", content}});
    return std::nullopt;
  }
  json parts = json::array();
  json calls = json::array();
  for (std::size_t i = 0; i < content.size(); ++i) {
    const json& block = content[i];
    const std::string block_path = at(path, i);
    std::string type;
    if (auto e = block_type(block, block_path, type)) return e;
    if (type == "text") {
      std::string text;
      if (auto e = text_of(block, block_path, text)) return e;
      parts.push_back(text_part(text));
    } else if (type == "tool_use") {
      if (auto e = check_tool_use(block, block_path)) return e;
      calls.push_back(tool_call(block));
    } else {
      return block_unsupported(block_path, type, "in an assistant message");
    }
  }
  json message = {{"role", "assistant"}};
  if (!parts.empty())
    message["content"] = collapsed(std::move(parts));
  else
    message["content"] = calls.empty() ? json("") : json(nullptr);
  if (!calls.empty()) message["tool_calls"] = std::move(calls);
  messages.push_back(std::move(message));
  return std::nullopt;
}

failure translate_messages(const json& list, json& messages) {
  if (!list.is_array() || list.empty()) return invalid("messages", "a non-empty array of messages");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& m = list[i];
    const std::string path = at("messages", i);
    if (!m.is_object()) return invalid(path, "a message object");
    const json* role = member(m, "role");
    if (!role || !(*role == "user" || *role == "assistant"))
      return invalid(dot(path, "role"), "\"user\" or \"assistant\"");
    const json* content = member(m, "content");
    const std::string content_path = dot(path, "content");
    if (!content || !(content->is_string() || content->is_array()))
      return invalid(content_path, "a string or an array of content blocks");
    if (*role == "assistant" && i + 1 == list.size())
      return unsupported(path,
                         "a final assistant message asks the model to continue it (prefill), "
                         "which an OpenAI chat request cannot express");
    auto e = *role == "user" ? user_messages(*content, content_path, messages)
                             : assistant_message(*content, content_path, messages);
    if (e) return e;
  }
  return std::nullopt;
}

// system: a string or text blocks, as the first message. An empty system
// prompt asks for nothing and is left out.
failure translate_system(const json& system, json& messages) {
  if (system.is_string()) {
    if (!system.get_ref<const std::string&>().empty())
      messages.push_back({{"role", "system"}, {"content", system}});
    return std::nullopt;
  }
  if (!system.is_array()) return invalid("system", "a string or an array of text blocks");
  json parts = json::array();
  for (std::size_t i = 0; i < system.size(); ++i) {
    const std::string path = at("system", i);
    std::string type;
    if (auto e = block_type(system[i], path, type)) return e;
    if (type != "text") return invalid(dot(path, "type"), "\"text\"");
    std::string text;
    if (auto e = text_of(system[i], path, text)) return e;
    parts.push_back(text_part(text));
  }
  if (!parts.empty()) messages.push_back({{"role", "system"}, {"content", collapsed(parts)}});
  return std::nullopt;
}

}  // namespace

failure translate_conversation(const json* system, const json& messages, json& chat_messages) {
  if (system)
    if (auto e = translate_system(*system, chat_messages)) return e;
  return translate_messages(messages, chat_messages);
}

}  // namespace llmopt::wire::inbound
