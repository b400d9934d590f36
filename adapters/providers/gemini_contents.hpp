#pragma once

// OpenAI chat messages as Gemini's systemInstruction and contents (Gemini
// API reference, generate-content: Content, Part, Blob, FileData,
// FunctionCall, FunctionResponse), for gemini_request in gemini_wire.cpp.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "decision/result.hpp"

namespace llmopt::wire::gemini {

struct translated_messages {
  // systemInstruction.parts: the system and developer messages' text, in
  // order, wherever they stood (Gemini takes one system instruction).
  nlohmann::json system_parts = nlohmann::json::array();
  // contents: user -> role "user", assistant -> role "model", tool results
  // -> functionResponse parts of one role "user" content per run of tool
  // messages.
  nlohmann::json contents = nlohmann::json::array();
  // generationConfig.mediaResolution asked by the images' "detail"
  // ("MEDIA_RESOLUTION_LOW" / "_HIGH"); none for "auto" or no detail.
  std::optional<std::string> media_resolution;
  // Paths of content fields left out as labels that tell the model nothing
  // Gemini has a place for (a file part's filename).
  std::vector<std::string> dropped;
};

// REQUIRES: messages as check_chat_request guarantees them. Errors are
// `unsupported`, naming the message field Gemini cannot carry.
result<translated_messages> translate_messages(const nlohmann::json& messages);

}  // namespace llmopt::wire::gemini
