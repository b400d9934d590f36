#pragma once

// Internal to POST /v1/messages (anthropic_inbound*.cpp): the field checks
// its translation shares, and the translation of the conversation.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "decision/result.hpp"

namespace llmopt::wire::inbound {

using json = nlohmann::json;
// A check's outcome: nothing, or the error naming the Anthropic field.
using failure = std::optional<error>;

inline error invalid(const std::string& field, const std::string& expected) {
  return error{"invalid_request", "'" + field + "': expected " + expected, field};
}

inline error unsupported(const std::string& field, const std::string& why) {
  return error{"unsupported", why, field};
}

inline std::string at(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

inline std::string dot(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

// The member `key` of `object`; absent when missing or null (a null
// optional field asks for nothing). REQUIRES: object is an object.
inline const json* member(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

inline bool non_empty_string(const json& v) {
  return v.is_string() && !v.get_ref<const std::string&>().empty();
}

// `system` (null when absent) and `messages` of a Messages request, appended
// to `chat_messages` as OpenAI chat messages: the system prompt first, then
// each message in order, a user message's tool results first among its own.
failure translate_conversation(const json* system, const json& messages, json& chat_messages);

}  // namespace llmopt::wire::inbound
