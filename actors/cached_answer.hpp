#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace llmopt {

// -- one answer, as the cache keeps it and as it is replayed ------------------
//
// The cache keeps a chat.completion (wire_format.hpp's shape, one choice)
// whether the answer came as a stream or not, so streaming and
// non-streaming requests with the same content share it.

// The completion as a stream's chunks (wire_format.hpp's chunk contract): the
// role, the content, the refusal, each tool call whole, the finish reason,
// then the usage when the completion has it. `id` and `created` name the
// replaying request.
std::vector<nlohmann::json> chunks_of(const nlohmann::json& completion, const std::string& id,
                                      long long created);

// `completion` answering another request: its own id and created time.
nlohmann::json renamed(nlohmann::json completion, const std::string& id, long long created);

// Assembles a stream's chunks (wire_format.hpp's chunk contract) into the
// chat.completion they make: content and refusal concatenated, tool calls
// by index with their arguments concatenated, the last finish reason, the
// usage chunk's usage.
class completion_builder {
 public:
  void add(const nlohmann::json& chunk);
  nlohmann::json completion() const;
  // The text gathered so far (content, refusal, tool call names and
  // arguments): what bounds the memory the builder holds.
  std::size_t bytes() const { return bytes_; }
  bool empty() const { return !started_; }

 private:
  struct tool_call {
    std::string id, name, arguments;
  };
  void add_delta(const nlohmann::json& delta);

  bool started_ = false;
  nlohmann::json head_;  // id, created, model of the first chunk
  std::string content_;
  std::string refusal_;
  std::map<long long, tool_call> tool_calls_;
  nlohmann::json finish_reason_;
  nlohmann::json usage_;
  std::size_t bytes_ = 0;
};

}  // namespace llmopt
