#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "adapters/providers/bounded_json.hpp"
#include "decision/result.hpp"

namespace llmopt {

// What a request asks of the model that serves it. A candidate whose
// declared capabilities lack one of these is not tried for the request.
struct request_needs {
  bool streaming = false;    // "stream": true
  bool tools = false;        // a non-empty "tools"
  bool vision = false;       // an image_url content part
  bool json_schema = false;  // response_format of type json_schema
  // Input tokens, estimated from the text (about 4 characters a token),
  // plus the output tokens asked for: what must fit the context window.
  long long context_tokens = 0;
};

// A client's OpenAI chat-completions request, read within bounds and
// checked. Every field llmopt knows has the type and shape the OpenAI API
// reference gives it, so translations can rely on them:
//
//   model        non-empty string (a route, or provider:model)
//   messages     non-empty array of objects, each with
//     role       "system" | "developer" | "user" | "assistant" | "tool"
//     content    system, developer: string or array of text parts
//                user: string or array of parts, each an object with a
//                  string "type": "text" {text: string},
//                  "image_url" {image_url: {url: non-empty string,
//                  detail?: "auto"|"low"|"high"}}, "input_audio"
//                  {input_audio: {data, format: strings}}, "file" {file:
//                  object}
//                assistant: absent, null, string, or array of text or
//                  "refusal" {refusal: string} parts; absent or null only
//                  with tool_calls
//                tool: string or array of text parts
//     name       string, if present
//     tool_calls (assistant) non-empty array of {id: string, type:
//                  "function", function: {name: non-empty string,
//                  arguments: string}}
//     tool_call_id (tool) non-empty string, required
//     refusal    (assistant) string or null, if present
//   tools        array of {type: string, ...}; type "function" has
//                  function: {name: non-empty string, description?: string,
//                  parameters?: object, strict?: bool}
//   tool_choice  "none" | "auto" | "required" | {type: "function",
//                  function: {name: non-empty string}}
//   parallel_tool_calls  bool
//   response_format  {type: "text"} | {type: "json_object"} |
//                  {type: "json_schema", json_schema: {name: non-empty
//                  string, schema?: object, strict?: bool, description?:
//                  string}}
//   temperature  number in [0, 2]; top_p number in [0, 1]
//   presence_penalty, frequency_penalty  number in [-2, 2]
//   stop         string, or array of 1..4 strings
//   seed         integer
//   max_tokens, max_completion_tokens  integer >= 1
//   n            integer >= 1
//   logprobs     bool; top_logprobs integer in [0, 20]
//   logit_bias   object of numbers
//   user         string
//   stream       bool; stream_options {include_usage?: bool}
//   metadata     object of strings; store bool
//   reasoning_effort, service_tier  string
//
// Other top-level fields are passed on unchanged to OpenAI-format
// upstreams, and refused by translations that cannot express them.
struct chat_request {
  nlohmann::json body;  // the request as the client sent it (a JSON object)
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  request_needs needs;
  long long estimated_input_tokens = 1;
  std::optional<long long> max_output_tokens;  // max_completion_tokens, else max_tokens
};

// Reads and checks a request body. Errors name the offending field as a
// path ("messages[1].content[0].image_url.url") in error.field, and say
// what was expected in error.detail:
//   invalid_json, too_large, too_deep (from parse_bounded_json),
//   invalid_request (a field of the wrong type, shape or range).
result<chat_request> parse_chat_request(std::string_view body, const json_bounds& bounds);

// Checks a request already parsed (within bounds). The same checks as
// parse_chat_request; used for requests llmopt builds itself from another
// API's shape (POST /v1/messages).
result<chat_request> check_chat_request(nlohmann::json body);

// About one token per 4 characters of the messages' text (string contents
// and text parts; tool call arguments and tool schemas included); at least 1.
long long estimate_input_tokens(const nlohmann::json& body);

}  // namespace llmopt
