#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "adapters/http/message.hpp"
#include "adapters/providers/sim_completion.hpp"
#include "decision/result.hpp"

namespace llmopt {

// One streamed answer in one API's framing, made piece by piece so that a
// long stream is never held whole. Written in order: opening(), then
// piece(0) .. piece(pieces() - 1), then closing(); or, to fail the stream
// after some pieces, error_event() instead of the rest.
class sim_stream_frames {
 public:
  virtual ~sim_stream_frames() = default;
  virtual std::string content_type() const = 0;
  // Bytes before the first content piece (may be empty).
  virtual std::string opening() = 0;
  // The bytes carrying content piece i (a text token, or a tool call).
  virtual std::string piece(std::size_t i) = 0;
  // The end of a complete stream: finish reason, usage, terminator.
  virtual std::string closing() = 0;
  // The API's in-stream error and what must follow it to end the response.
  virtual std::string error_event(const error& e) = 0;
};

// One provider API as the simulator speaks it, read independently from that
// API's public reference (not from llmopt's wire translators, so the two
// cannot share a misreading). Implementations are stateless: every member
// may be called from any thread.
class sim_api {
 public:
  virtual ~sim_api() = default;
  virtual sim_format format() const = 0;

  // Reads a request whose body parsed as `body` (a bounded parse: no deeper
  // than 64). `path_model` is the model the URL names (Gemini), else "".
  // An error names the offending field (error.field) for a 400.
  virtual result<sim_request> read(const http::request& req, const nlohmann::json& body,
                                   const std::string& path_model) const = 0;

  // An error reply of `status` in the API's own error shape. e.code is
  // kept where the API has a code field; the API's error type follows
  // from the status (Anthropic 529: overloaded_error).
  virtual http::response error_reply(int status, const error& e) const = 0;

  // The complete (not streamed) reply to `r`.
  virtual http::response reply(const sim_answer& a, const sim_request& r) const = 0;

  // The streamed reply to `r`.
  virtual std::unique_ptr<sim_stream_frames> stream(const sim_answer& a,
                                                    const sim_request& r) const = 0;
};

const sim_api& openai_api();
const sim_api& anthropic_api();
const sim_api& gemini_api();
const sim_api& ollama_api();
const sim_api& api_of(sim_format f);

// -- helpers for the APIs' readers and writers ---------------------------------

// A 400's error: "FIELD: WHAT", naming the field.
error bad_field(const std::string& field, const std::string& what);

// The member `key` of object `obj`, or null when absent or JSON null.
const nlohmann::json* member(const nlohmann::json& obj, const char* key);

// Optional typed members: absent or null leaves `out` as is; a value of
// another type is an error naming `field`.
status read_bool(const nlohmann::json& obj, const char* key, const std::string& field, bool& out);
status read_positive_int(const nlohmann::json& obj, const char* key, const std::string& field,
                         std::optional<long long>& out);

// A reply of `status` whose body is `body` as JSON.
http::response json_reply(int status, const nlohmann::json& body,
                          std::string content_type = "application/json");

// One server-sent event: "event: NAME\n" when a name is given, then
// "data: JSON\n\n".
std::string sse_event(std::string_view name, const nlohmann::json& data);

}  // namespace llmopt
