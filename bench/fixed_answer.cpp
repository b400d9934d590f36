#include "bench/fixed_answer.hpp"

#include <charconv>
#include <initializer_list>

#include "bench/http_scan.hpp"

namespace llmopt::fixed_answer {

namespace {

// Appends the decimal or hexadecimal text of `value`.
void append_number(std::string& out, std::uint64_t value, int base = 10) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, value, base).ptr;
  out.append(digits, end);
}

void append_all(std::string& out, std::initializer_list<std::string_view> parts) {
  for (auto part : parts)
    out.append(part);
}

// One HTTP chunk whose data is the concatenation of `parts`.
void append_chunk(std::string& out, std::initializer_list<std::string_view> parts) {
  std::size_t size = 0;
  for (auto part : parts)
    size += part.size();
  append_number(out, size, 16);
  out.append("\r\n");
  append_all(out, parts);
  out.append("\r\n");
}

void append_whole(std::string& out, std::string_view status, std::string_view body) {
  append_all(out, {"HTTP/1.1 ", status, "\r\nContent-Type: application/json\r\nContent-Length: "});
  append_number(out, body.size());
  append_all(out, {"\r\n\r\n", body});
}

constexpr std::string_view no_usage = ",\"usage\":null";

}  // namespace

std::string_view echoed_model(std::string_view request_body) {
  auto model = scan::json_raw_string(request_body, "model");
  if (!model || model->empty() || model->size() > 200) return default_model;
  for (char c : *model)
    if (static_cast<unsigned char>(c) < 0x20) return default_model;
  return *model;
}

void append_completion(std::string& out, std::string_view model, std::uint64_t id,
                       std::int64_t created) {
  std::string body;
  body.reserve(400);
  body.append("{\"id\":\"chatcmpl-bench-");
  append_number(body, id);
  body.append("\",\"object\":\"chat.completion\",\"created\":");
  append_number(body, static_cast<std::uint64_t>(created));
  append_all(body, {",\"model\":\"", model, "\",\"choices\":[{\"index\":0,\"message\":"});
  body.append(
      "{\"role\":\"assistant\",\"content\":\"fixed answer\",\"refusal\":null},"
      "\"logprobs\":null,\"finish_reason\":\"stop\"}],"
      "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":2,\"total_tokens\":12}}");
  append_whole(out, "200 OK", body);
}

void append_error(std::string& out, std::string_view status, std::string_view message) {
  std::string body = "{\"error\":{\"message\":\"";
  append_all(body,
             {message, "\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}"});
  append_whole(out, status, body);
}

stream_events::stream_events(std::string_view model, std::uint64_t id, std::int64_t created) {
  prefix_.reserve(120 + model.size());
  prefix_.append("{\"id\":\"chatcmpl-bench-");
  append_number(prefix_, id);
  prefix_.append("\",\"object\":\"chat.completion.chunk\",\"created\":");
  append_number(prefix_, static_cast<std::uint64_t>(created));
  append_all(prefix_, {",\"model\":\"", model, "\","});
}

void stream_events::append_event(std::string& out, std::string_view choices,
                                 std::string_view tail) const {
  append_chunk(out, {"data: ", prefix_, "\"choices\":", choices, tail, "}\n\n"});
}

void stream_events::append_head(std::string& out) const {
  out.append(
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
      "Transfer-Encoding: chunked\r\n\r\n");
  append_event(out,
               "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
               "\"logprobs\":null,\"finish_reason\":null}]",
               no_usage);
}

void stream_events::append_token(std::string& out, int index) const {
  char number[16];
  auto end = std::to_chars(number, number + sizeof number, index).ptr;
  append_chunk(out, {"data: ", prefix_, "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"t",
                     std::string_view(number, static_cast<std::size_t>(end - number)),
                     " \"},\"logprobs\":null,\"finish_reason\":null}]", no_usage, "}\n\n"});
}

void stream_events::append_end(std::string& out, int tokens) const {
  append_event(out, "[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]",
               no_usage);
  std::string usage = ",\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":";
  append_number(usage, static_cast<std::uint64_t>(tokens));
  usage.append(",\"total_tokens\":");
  append_number(usage, static_cast<std::uint64_t>(tokens) + 10);
  usage.append("}");
  append_event(out, "[]", usage);
  append_chunk(out, {"data: [DONE]\n\n"});
  out.append("0\r\n\r\n");
}

}  // namespace llmopt::fixed_answer
