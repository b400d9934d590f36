#pragma once

// The contracts request_path_fuzz.cpp holds the request path to. Each
// check_* returns when its invariant holds; when one is broken it prints the
// invariant, the operation being fuzzed (set_operation) and the result,
// then calls __builtin_trap(), which libFuzzer records as a crash.
//
// Bounded details: an error's detail is non-empty and at most
// max_detail_bytes, whatever the input's size (details go back to clients
// and into logs, and quote the input only in excerpts).

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/providers/bounded_json.hpp"
#include "adapters/providers/chat_request.hpp"
#include "adapters/providers/upstream_outcome.hpp"
#include "adapters/providers/wire_format.hpp"
#include "decision/result.hpp"

namespace llmopt::fuzz {

inline constexpr std::size_t max_detail_bytes = 1024;

// The error codes each operation documents.
using codes = std::initializer_list<std::string_view>;
inline constexpr codes request_codes = {"invalid_json", "too_large", "too_deep",
                                        "invalid_request"};  // chat_request.hpp
inline constexpr codes inbound_codes = {"invalid_json", "too_large", "too_deep", "invalid_request",
                                        "unsupported"};      // anthropic_inbound.hpp
inline constexpr codes translation_codes = {"unsupported"};  // wire_format.hpp, requests
inline constexpr codes reply_codes = {"bad_reply", "too_large", "too_deep", "invalid_json"};
inline constexpr codes stream_codes = {"bad_reply", "upstream_error", "cut",
                                       "too_large", "too_deep",       "invalid_json"};

// Names what is being fuzzed in the report of a broken invariant.
void set_operation(std::string description, std::size_t input_bytes);

// -- requests --------------------------------------------------------------------

// A code among `allowed`, a bounded detail.
void check_error(const error& e, codes allowed);
// parse_chat_request(text, bounds) gave `parsed`; `reference` is its result
// under the default bounds. Over max_bytes it is too_large; else deeper
// than max_depth (json_depth) too_deep; else the same as the reference.
void check_request_bounds(const result<chat_request>& parsed, std::string_view text,
                          const json_bounds& bounds, const result<chat_request>& reference);
// What check_chat_request derives: estimates >= 1, context >= input, ...
void check_request_fields(const chat_request& request);
// translate_request's result: a path, headers "Name: value", a body that
// parses within reply_bounds as an object; or `unsupported`.
void check_translation(const result<wire::upstream_request>& translated);

// -- replies and streams ---------------------------------------------------------

// A reply read by read_reply: of class `expected`; ok with a completion and
// no error, else an error text; `api_key` nowhere in it.
void check_outcome(const upstream_reply& reply, outcome_class expected, const std::string& api_key);
// upstream_error_message's result: at most 500 bytes and "...", whole UTF-8.
void check_error_message(const std::string& message);
// parse_retry_after(text): delta-seconds (1 to 12 digits) capped at a day,
// else none.
void check_retry_after(std::string_view text, const std::optional<long long>& seconds);
// http::cookie_value(header, name, {max_bytes, ...}): none for a header over
// max_bytes; else a value that occurs in the header, without control
// characters.
void check_cookie_value(std::string_view header, std::size_t max_bytes,
                        const std::optional<std::string>& value);
// http::form_value(body, key): decoding never lengthens, so a value is at
// most the body's size.
void check_form_value(std::string_view body, const std::optional<std::string>& value);

// Counts >= 0, cached <= input, a billed charge finite and >= 0.
void check_usage(const wire::token_usage& usage);
// An ok reply is a chat.completion: "object": "chat.completion", a choices
// array, id and model strings, created an integer.
void check_completion(const wire::chat_completion& completion);
// chat_completion_to_message's Message: type, role, id "msg_...", content
// blocks, a known stop_reason, counts >= 0.
void check_message(const nlohmann::json& message);
// A stream's chunks (wire_format.hpp's stream_decoder contract): each a
// chat.completion.chunk with id, created, model and a choices array of
// objects; a chunk with usage only last, with empty choices, its counts
// those of `usage`; empty choices only in that chunk.
void check_chunks(const std::vector<nlohmann::json>& chunks, const wire::token_usage& usage);
// One stream decoded: its chunks, and the first error of feed or finish.
struct stream_run {
  std::vector<nlohmann::json> chunks;
  std::optional<error> failure;
  wire::token_usage usage;
};
// The same stream fed in other pieces gives the same chunks, error and usage.
void check_same_run(const stream_run& split, const stream_run& whole);
// After an error, feed and finish fail too and add no chunk.
void check_still_failing(const status& fed, const status& finished,
                         const std::vector<nlohmann::json>& added);

// message_stream_encoder's output: "event: NAME\ndata: JSON\n\n" blocks,
// each JSON an object whose type is NAME, in Anthropic's order
// (message_start; content blocks opened, filled with the delta type of
// their kind and closed, one at a time, indices counting from 0;
// message_delta; message_stop), or ending with an error event. `ended`:
// end() was called, so the last event is message_stop.
void check_anthropic_events(std::string_view sse, bool ended);
// What an encoder returns after end(): nothing.
void check_nothing_after_end(const std::string& sse);

// -- bounded parsing, event readers ------------------------------------------------

// parse_bounded_json(text, bounds): too_large exactly over max_bytes; else
// too_deep exactly when json_depth passes max_depth; a parsed value as deep
// as json_depth says; json_depth(text, limit) the depth capped at limit + 1.
void check_bounded_parse(std::string_view text, const json_bounds& bounds,
                         const result<nlohmann::json>& parsed);
// sse_reader and line_reader bounded by `max` bytes, fed `text` in each of
// `ways` (pieces that join to it): the same events, lines and error each
// way; while they succeed, what an unbounded reading of text gives
// (WHATWG event-stream parsing; lines split at LF, a CR before it dropped).
void check_event_readers(std::string_view text, std::size_t max,
                         const std::vector<std::vector<std::string_view>>& ways);

}  // namespace llmopt::fuzz
