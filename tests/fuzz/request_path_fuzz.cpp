// libFuzzer target for the request path (adapters/providers): the bytes a
// client sends llmopt and the bytes an upstream answers with.
//
// One input is a selector byte, for some operations a parameter byte, then
// the payload. input[0] % 8 picks the operation (so '0'..'7' name them):
//   0 chat_request      parse_chat_request under the default and four small
//                       bounds; a request translated to the four formats
//   1 messages_request  messages_request_to_chat (POST /v1/messages), then
//                       check_chat_request and the four translations
//   2 reply             translate_reply and read_reply (200) in format
//                       input[1] % 4, the completion as an Anthropic Message
//   3 stream            a stream decoder of format input[1] % 4 fed the
//                       payload whole, byte by byte (up to 4 KiB) and split
//                       where (byte + offset) % (1 + input[1] / 4 % 64) == 0;
//                       its chunks encoded by message_stream_encoder
//   4 encoder           message_stream_encoder and chat_completion_to_message
//                       fed each line of the payload (any JSON)
//   5 error_body        upstream_error_message, parse_retry_after, read_reply
//                       with status statuses[input[1] % 16] in format
//                       input[1] / 16 % 4; the payload as a Cookie header
//                       (cookie_value, bounded to 1 + input[1] bytes, and
//                       to the default) and a form body (form_value)
//   6 bounded_json      parse_bounded_json and json_depth under three bounds
//                       (depth 1 + input[1] % 32)
//   7 event_reader      sse_reader and line_reader with a bound of
//                       1 + input[1] % 64 bytes, fed whole, byte by byte (up
//                       to 4 KiB) and split where (byte + offset) %
//                       (1 + input[1] / 64) == 0
// Every result is checked against its contract (request_path_invariants.hpp).
//
// Seeds: `request_path_fuzz -extract_seeds=DIR FIXTURE.json...` writes the
// raw pieces of the wire fixtures, prefixed with the bytes that route them
// (request_path_seeds.cpp), and exits.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/http/cookie.hpp"
#include "adapters/http/url_encoding.hpp"
#include "adapters/providers/anthropic_inbound.hpp"
#include "adapters/providers/sse_reader.hpp"
#include "adapters/providers/upstream_outcome.hpp"
#include "tests/fuzz/request_path_invariants.hpp"
#include "tests/fuzz/request_path_seeds.hpp"

namespace llmopt::fuzz {
namespace {

using json = nlohmann::json;
using wire::format;

constexpr format all_formats[] = {format::openai, format::anthropic, format::gemini,
                                  format::ollama};

// The wire fixtures' default context.
const wire::reply_context context{"model", "chatcmpl-test", 1700000000};
// The provider key read_reply masks out of its messages.
const std::string api_key = "sk-fuzz-secret";

format format_of(unsigned char parameter) {
  return all_formats[parameter % 4];
}

std::string model_for(format f) {
  switch (f) {
    case format::openai:
      return "gpt-4o-mini";
    case format::anthropic:
      return "claude-sonnet-4-5";
    case format::gemini:
      return "gemini-2.5-flash";
    case format::ollama:
      return "llama3.2";
  }
  return "model";
}

// `text` cut after every byte where (byte + offset) % modulus == 0.
std::vector<std::string_view> split(std::string_view text, std::size_t modulus) {
  std::vector<std::string_view> pieces;
  std::size_t begin = 0;
  for (std::size_t i = 0; i < text.size(); ++i)
    if ((static_cast<unsigned char>(text[i]) + i) % modulus == 0) {
      pieces.push_back(text.substr(begin, i + 1 - begin));
      begin = i + 1;
    }
  if (begin < text.size()) pieces.push_back(text.substr(begin));
  return pieces;
}

// Bytes fed one at a time: up to 4 KiB, which is enough to cross every state
// of a reader and keeps an input fast.
constexpr std::size_t max_byte_by_byte = 4096;

std::vector<std::string_view> bytes_of(std::string_view text) {
  std::vector<std::string_view> pieces;
  for (std::size_t i = 0; i < text.size(); ++i)
    pieces.push_back(text.substr(i, 1));
  return pieces;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  for (auto end = text.find('\n'); end != std::string_view::npos; end = text.find('\n')) {
    lines.push_back(text.substr(0, end));
    text.remove_prefix(end + 1);
  }
  lines.push_back(text);
  return lines;
}

void now_fuzzing(std::string operation, std::string_view payload) {
  set_operation(std::move(operation), payload.size());
}

// -- 0, 1: requests ----------------------------------------------------------------

void translate_to_all(const chat_request& request, std::string_view payload) {
  check_request_fields(request);
  for (format f : all_formats) {
    now_fuzzing("translate_request " + std::string(wire::to_string(f)), payload);
    check_translation(wire::translate_request(f, request, model_for(f)));
  }
  // The client's own model name, as a route may pass it on (Gemini puts it in the path).
  now_fuzzing("translate_request gemini, the client's model name", payload);
  check_translation(
      wire::translate_request(format::gemini, request, request.body["model"].get<std::string>()));
}

void chat_request_op(std::string_view payload) {
  constexpr json_bounds default_bounds{};
  constexpr json_bounds small_bounds[] = {
      {16, default_bounds.max_depth},
      {default_bounds.max_bytes, 1},
      {default_bounds.max_bytes, 2},
      {default_bounds.max_bytes, 8},
  };
  now_fuzzing("parse_chat_request, default bounds", payload);
  auto reference = parse_chat_request(payload, default_bounds);
  check_request_bounds(reference, payload, default_bounds, reference);
  for (const auto& bounds : small_bounds) {
    now_fuzzing("parse_chat_request, " + std::to_string(bounds.max_bytes) + " bytes, depth " +
                    std::to_string(bounds.max_depth),
                payload);
    check_request_bounds(parse_chat_request(payload, bounds), payload, bounds, reference);
  }
  if (reference) translate_to_all(*reference, payload);
}

void messages_request_op(std::string_view payload) {
  now_fuzzing("messages_request_to_chat", payload);
  auto chat = wire::messages_request_to_chat(payload, json_bounds{});
  if (!chat) return check_error(chat.err(), inbound_codes);
  auto request = check_chat_request(std::move(*chat));
  if (!request) return check_error(request.err(), {"invalid_request"});
  translate_to_all(*request, payload);
}

// -- 2: replies ---------------------------------------------------------------------

void reply_op(format f, std::string_view payload) {
  now_fuzzing("translate_reply " + std::string(wire::to_string(f)), payload);
  auto reply = wire::translate_reply(f, payload, context);
  if (!reply) {
    check_error(reply.err(), reply_codes);
  } else {
    check_completion(*reply);
    check_message(wire::chat_completion_to_message(reply->body));
  }
  curl_loop::http_result response;
  response.status = 200;
  response.body = std::string(payload);
  now_fuzzing("read_reply 200 " + std::string(wire::to_string(f)), payload);
  auto read = read_reply(f, response, context, api_key);
  check_outcome(read, reply.ok() ? outcome_class::ok : outcome_class::model_failure, api_key);
}

// -- 3, 4: streams ------------------------------------------------------------------

stream_run decode(format f, const std::vector<std::string_view>& pieces) {
  stream_run run;
  auto decoder = wire::make_stream_decoder(f, context);
  for (auto piece : pieces)
    if (auto fed = decoder->feed(piece, run.chunks); !fed) {
      run.failure = fed.err();
      break;
    }
  if (!run.failure)
    if (auto finished = decoder->finish(run.chunks); !finished) run.failure = finished.err();
  run.usage = decoder->usage();
  if (run.failure) {
    check_error(*run.failure, stream_codes);
    std::vector<json> more;
    check_still_failing(decoder->feed("data: {}\n\n{}\n", more), decoder->finish(more), more);
  }
  check_chunks(run.chunks, run.usage);
  return run;
}

void encode(const stream_run& run) {
  wire::message_stream_encoder encoder;
  std::string sse;
  for (const auto& chunk : run.chunks)
    sse += encoder.encode(chunk);
  if (run.failure)
    sse += wire::message_stream_encoder::error_event(502, run.failure->detail);
  else
    sse += encoder.end();
  check_anthropic_events(sse, !run.failure);
}

void stream_op(unsigned char parameter, std::string_view payload) {
  const format f = format_of(parameter);
  const std::size_t modulus = 1 + parameter / 4 % 64;
  const std::string name = "stream " + std::string(wire::to_string(f));
  now_fuzzing(name + " whole", payload);
  const stream_run whole = decode(f, {payload});
  now_fuzzing(name + " split, modulus " + std::to_string(modulus), payload);
  check_same_run(decode(f, split(payload, modulus)), whole);
  if (payload.size() <= max_byte_by_byte) {
    now_fuzzing(name + " byte by byte", payload);
    check_same_run(decode(f, bytes_of(payload)), whole);
  }
  now_fuzzing(name + " encoded", payload);
  encode(whole);
}

void encoder_op(std::string_view payload) {
  now_fuzzing("message_stream_encoder, chat_completion_to_message", payload);
  wire::message_stream_encoder encoder;
  std::string sse;
  for (auto line : split_lines(payload)) {
    auto chunk = wire::parse_reply_json(line);
    json value = chunk ? std::move(*chunk) : json(std::string(line));
    sse += encoder.encode(value);
    check_message(wire::chat_completion_to_message(value));
  }
  sse += encoder.end();
  check_anthropic_events(sse, true);
  check_nothing_after_end(encoder.encode(json::object()) + encoder.end());
}

// -- 5: error bodies ----------------------------------------------------------------

// Statuses of each class_of_status, and one no API promises.
constexpr long statuses[16] = {400, 401, 402, 403, 404, 408, 413, 422,
                               425, 429, 500, 502, 503, 504, 529, 302};

void error_body_op(unsigned char parameter, std::string_view payload) {
  now_fuzzing("upstream_error_message", payload);
  check_error_message(wire::upstream_error_message(payload));
  now_fuzzing("parse_retry_after", payload);
  check_retry_after(payload, parse_retry_after(std::string(payload)));

  curl_loop::http_result response;
  response.status = statuses[parameter % 16];
  response.body = std::string(payload);
  const std::string retry_after(payload.substr(0, 16));
  response.headers = {{"retry-after", retry_after}};
  now_fuzzing("read_reply " + std::to_string(response.status), payload);
  auto read = read_reply(format_of(parameter / 16), response, context, api_key);
  check_outcome(read, class_of_status(response.status), api_key);
  // Sixteen bytes hold no HTTP date: the wait is the delta-seconds, if any.
  check_retry_after(retry_after,
                    read.wait_ms ? std::optional<long long>(*read.wait_ms / 1000) : std::nullopt);

  // What a client sends the dashboard: a Cookie header, a sign-in form.
  now_fuzzing("cookie_value", payload);
  for (const std::size_t max_bytes :
       {std::size_t{1} + parameter, http::cookie_bounds{}.max_header_bytes})
    check_cookie_value(
        payload, max_bytes,
        http::cookie_value(payload, "llmopt_admin", {max_bytes, 1 + parameter % 64u}));
  now_fuzzing("form_value", payload);
  check_form_value(payload, http::form_value(payload, "token"));
}

// -- 6, 7: bounded parsing, event readers ------------------------------------------

void bounded_json_op(unsigned char parameter, std::string_view payload) {
  const std::size_t size = payload.size();
  const json_bounds all_bounds[] = {
      json_bounds{},
      {json_bounds{}.max_bytes, 1 + parameter % 32u},
      {parameter % 2 || size == 0 ? size : size - 1, 64},  // at the size limit
  };
  for (const auto& bounds : all_bounds) {
    now_fuzzing("parse_bounded_json, " + std::to_string(bounds.max_bytes) + " bytes, depth " +
                    std::to_string(bounds.max_depth),
                payload);
    check_bounded_parse(payload, bounds, parse_bounded_json(payload, bounds));
  }
}

void event_reader_op(unsigned char parameter, std::string_view payload) {
  const std::size_t max = 1 + parameter % 64u;
  const std::size_t modulus = 1 + parameter / 64u;
  now_fuzzing("sse_reader, line_reader, bound " + std::to_string(max), payload);
  std::vector<std::vector<std::string_view>> ways = {{payload}, split(payload, modulus)};
  if (payload.size() <= max_byte_by_byte) ways.push_back(bytes_of(payload));
  check_event_readers(payload, max, ways);
}

void run_one(std::string_view input) {
  if (input.empty()) return;
  const auto op = static_cast<operation>(static_cast<unsigned char>(input[0]) % operation_count);
  const unsigned char parameter = input.size() > 1 ? input[1] : 0;
  std::string_view payload =
      input.substr(takes_parameter(op) ? std::min<std::size_t>(2, input.size()) : 1);
  switch (op) {
    case operation::chat_request:
      return chat_request_op(payload);
    case operation::messages_request:
      return messages_request_op(payload);
    case operation::reply:
      return reply_op(format_of(parameter), payload);
    case operation::stream:
      return stream_op(parameter, payload);
    case operation::encoder:
      return encoder_op(payload);
    case operation::error_body:
      return error_body_op(parameter, payload);
    case operation::bounded_json:
      return bounded_json_op(parameter, payload);
    case operation::event_reader:
      return event_reader_op(parameter, payload);
  }
}

}  // namespace
}  // namespace llmopt::fuzz

// `-extract_seeds=DIR FIXTURE...`: writes the seeds and exits before libFuzzer starts.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  llmopt::fuzz::extract_seeds_if_asked(*argc, *argv);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  llmopt::fuzz::run_one({reinterpret_cast<const char*>(data), size});
  return 0;
}
