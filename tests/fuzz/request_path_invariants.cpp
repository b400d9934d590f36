#include "tests/fuzz/request_path_invariants.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

#include "adapters/providers/sse_reader.hpp"
#include "tests/fuzz/request_path_references.hpp"

namespace llmopt::fuzz {
namespace {

using json = nlohmann::json;

// -- reporting ------------------------------------------------------------------

std::string operation_;  // set_operation's description
std::size_t input_bytes_ = 0;

std::string shown(const error& e) {
  return "error " + e.code + ": " + wire::excerpt(e.detail, 300) +
         (e.field.empty() ? "" : " (field '" + wire::excerpt(e.field, 100) + "')");
}
std::string shown(const json& value) {
  return wire::excerpt(dump_json(value), 600);
}
template <class T>
std::string shown(const result<T>& r) {
  return r.ok() ? std::string("ok") : shown(r.err());
}

[[noreturn]] void broken(const char* invariant, int line, const std::string& what) {
  std::fprintf(stderr,
               "request_path_fuzz: invariant broken: %s (request_path_invariants.cpp:%d)\n"
               "  operation: %s, %zu input bytes\n"
               "  result: %s\n",
               invariant, line, operation_.c_str(), input_bytes_, what.c_str());
  __builtin_trap();
}

// `what` (a string) is only built when the invariant is broken.
#define FUZZ_CHECK(cond, what)                  \
  do {                                          \
    if (!(cond)) broken(#cond, __LINE__, what); \
  } while (false)

// -- JSON members -----------------------------------------------------------------

bool is_string(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string();
}
// A string member's text; "" when absent, of another type, or `object` is
// no object.
std::string text_at(const json& object, const char* key) {
  return object.is_object() && is_string(object, key) ? object[key].get<std::string>() : "";
}
bool is_integer(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer();
}
// An integer member >= 0; `optional`: or absent.
bool is_count(const json& object, const char* key, bool optional = false) {
  auto it = object.find(key);
  if (it == object.end()) return optional;
  return it->is_number_unsigned() || (it->is_number_integer() && it->get<long long>() >= 0);
}
// An integer member's value; -1 when absent or not an integer.
long long count(const json& object, const char* key) {
  return is_integer(object, key) ? object[key].get<long long>() : -1;
}
// The member `key`, which must be there.
const json& at(const json& object, const char* key) {
  FUZZ_CHECK(object.is_object() && object.contains(key), std::string(key) + " in " + shown(object));
  return object[key];
}
bool is_one_of(const json& value, std::initializer_list<const char*> names) {
  if (!value.is_string()) return false;
  for (const char* name : names)
    if (value.get_ref<const std::string&>() == name) return true;
  return false;
}

// -- the SSE text of message_stream_encoder ----------------------------------------

struct sse_block {
  std::string_view name;
  json data;
};

// The next "event: NAME\ndata: JSON\n\n" block of `sse`, consumed.
sse_block next_block(std::string_view& sse) {
  auto line = [&](std::string_view prefix) {
    FUZZ_CHECK(sse.substr(0, prefix.size()) == prefix, std::string(wire::excerpt(sse, 300)));
    sse.remove_prefix(prefix.size());
    const auto end = sse.find('\n');
    FUZZ_CHECK(end != std::string_view::npos, std::string(wire::excerpt(sse, 300)));
    std::string_view value = sse.substr(0, end);
    sse.remove_prefix(end + 1);
    return value;
  };
  sse_block block;
  block.name = line("event: ");
  const std::string_view data = line("data: ");
  FUZZ_CHECK(sse.substr(0, 1) == "\n", std::string(wire::excerpt(sse, 300)));
  sse.remove_prefix(1);
  auto parsed = wire::parse_reply_json(data);
  FUZZ_CHECK(parsed.ok() && parsed->is_object(), std::string(wire::excerpt(data, 300)));
  FUZZ_CHECK(text_at(*parsed, "type") == block.name, shown(*parsed));
  block.data = std::move(*parsed);
  return block;
}

// Anthropic's event order, one event at a time.
class event_order {
 public:
  void take(const sse_block& block) {
    const json& data = block.data;
    FUZZ_CHECK(!stopped_, "an event after message_stop or error: " + shown(data));
    const std::string_view name = block.name;
    if (name == "error") {
      stopped_ = true;
      return;
    }
    FUZZ_CHECK(started_ == (name != "message_start"), "message_start not first: " + shown(data));
    if (name == "message_start") {
      started_ = true;
      const json& message = at(data, "message");
      FUZZ_CHECK(is_string(message, "id") && is_string(message, "model"), shown(data));
      check_counts(at(message, "usage"));
    } else if (name == "content_block_start") {
      FUZZ_CHECK(!open_ && !delta_sent_ && count(data, "index") == next_index_, shown(data));
      const json& block_json = at(data, "content_block");
      FUZZ_CHECK(is_one_of(at(block_json, "type"), {"text", "tool_use"}), shown(data));
      open_ = true;
      tool_ = block_json["type"] == "tool_use";
      if (tool_) FUZZ_CHECK(at(block_json, "input") == json::object(), shown(data));
    } else if (name == "content_block_delta") {
      FUZZ_CHECK(open_ && count(data, "index") == next_index_, shown(data));
      const json& delta = at(data, "delta");
      FUZZ_CHECK(at(delta, "type") == (tool_ ? "input_json_delta" : "text_delta"), shown(data));
      FUZZ_CHECK(is_string(delta, tool_ ? "partial_json" : "text"), shown(data));
    } else if (name == "content_block_stop") {
      FUZZ_CHECK(open_ && count(data, "index") == next_index_, shown(data));
      open_ = false;
      ++next_index_;
    } else if (name == "message_delta") {
      FUZZ_CHECK(!open_ && !delta_sent_, shown(data));
      delta_sent_ = true;
      FUZZ_CHECK(is_one_of(at(at(data, "delta"), "stop_reason"),
                           {"end_turn", "max_tokens", "tool_use", "refusal"}),
                 shown(data));
      check_counts(at(data, "usage"), true);
    } else {
      FUZZ_CHECK(name == "message_stop" && delta_sent_, shown(data));
      stopped_ = true;
    }
  }

  bool stopped() const { return stopped_; }

 private:
  // Message.usage has both counts; MessageDeltaUsage needs only output_tokens.
  static void check_counts(const json& usage, bool delta = false) {
    FUZZ_CHECK(usage.is_object() && is_count(usage, "input_tokens", delta) &&
                   is_count(usage, "output_tokens") &&
                   is_count(usage, "cache_read_input_tokens", true),
               shown(usage));
  }

  bool started_ = false;
  bool open_ = false;
  bool tool_ = false;  // the open block is a tool_use block
  long long next_index_ = 0;
  bool delta_sent_ = false;
  bool stopped_ = false;
};

std::string shown(const std::vector<sse_event>& events) {
  std::string out = std::to_string(events.size()) + " events:";
  for (const auto& e : events)
    out += " [" + wire::excerpt(e.name, 40) + "] " + wire::excerpt(e.data, 80) + ";";
  return wire::excerpt(out, 600);
}
std::string shown(const std::vector<std::string>& lines) {
  std::string out = std::to_string(lines.size()) + " lines:";
  for (const auto& line : lines)
    out += " " + wire::excerpt(line, 80) + ";";
  return wire::excerpt(out, 600);
}

bool same_events(const std::vector<sse_event>& a, const std::vector<sse_event>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.name == y.name && x.data == y.data;
  });
}

}  // namespace

void set_operation(std::string description, std::size_t input_bytes) {
  operation_ = std::move(description);
  input_bytes_ = input_bytes;
}

// -- requests --------------------------------------------------------------------

void check_error(const error& e, codes allowed) {
  FUZZ_CHECK(std::find(allowed.begin(), allowed.end(), e.code) != allowed.end(), shown(e));
  FUZZ_CHECK(!e.detail.empty() && e.detail.size() <= max_detail_bytes, shown(e));
}

void check_request_bounds(const result<chat_request>& parsed, std::string_view text,
                          const json_bounds& bounds, const result<chat_request>& reference) {
  if (!parsed) check_error(parsed.err(), request_codes);
  auto failed_with = [&](const char* code) { return !parsed && parsed.err().code == code; };
  if (text.size() > bounds.max_bytes) {
    FUZZ_CHECK(failed_with("too_large"), shown(parsed));
  } else if (json_depth(text, bounds.max_depth) > bounds.max_depth) {
    FUZZ_CHECK(failed_with("too_deep"), shown(parsed));
  } else {
    // Within these bounds, which are no wider than the default ones.
    FUZZ_CHECK(parsed.ok() == reference.ok(), shown(parsed) + " vs " + shown(reference));
    if (!parsed)
      FUZZ_CHECK(
          parsed.err().code == reference.err().code && parsed.err().field == reference.err().field,
          shown(parsed) + " vs " + shown(reference));
  }
}

void check_request_fields(const chat_request& request) {
  const json& body = request.body;
  const std::string what = shown(body);
  FUZZ_CHECK(body.is_object() && at(body, "messages").is_array(), what);
  FUZZ_CHECK(request.estimated_input_tokens >= 1, what);
  FUZZ_CHECK(request.needs.context_tokens >= request.estimated_input_tokens, what);
  FUZZ_CHECK(!request.max_output_tokens || *request.max_output_tokens >= 1, what);
  FUZZ_CHECK(request.needs.streaming == request.stream, what);
  FUZZ_CHECK(request.stream == (body.contains("stream") && body["stream"] == true), what);
}

void check_translation(const result<wire::upstream_request>& translated) {
  if (!translated) {
    // The field may be "": a client's parameter can have that name.
    return check_error(translated.err(), translation_codes);
  }
  const wire::upstream_request& request = *translated;
  FUZZ_CHECK(!request.path.empty() && request.path[0] == '/', request.path);
  for (const auto& header : request.headers)
    FUZZ_CHECK(header.find(": ") != std::string::npos, header);
  for (const auto& name : request.dropped)
    FUZZ_CHECK(!name.empty(), request.body);
  auto body = wire::parse_reply_json(request.body);
  FUZZ_CHECK(body.ok() && body->is_object(), shown(body) + ": " + wire::excerpt(request.body));
}

// -- replies and streams ---------------------------------------------------------

void check_outcome(const upstream_reply& reply, outcome_class expected,
                   const std::string& api_key) {
  const std::string what = std::string(to_string(reply.outcome)) + ": " + reply.error;
  FUZZ_CHECK(reply.outcome == expected, what);
  FUZZ_CHECK(reply.error.find(api_key) == std::string::npos, what);
  if (expected == outcome_class::ok) {
    FUZZ_CHECK(reply.error.empty() && reply.status == call_status::ok, what);
    FUZZ_CHECK(reply.completion.is_object(), what);
    check_usage(reply.usage);
  } else {
    FUZZ_CHECK(!reply.error.empty() && reply.status != call_status::ok, what);
  }
}

void check_error_message(const std::string& message) {
  FUZZ_CHECK(message.size() <= 503 && valid_utf8(message), wire::excerpt(message, 600));
}

void check_retry_after(std::string_view text, const std::optional<long long>& seconds) {
  const bool digits =
      !text.empty() && text.size() <= 12 &&
      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  const std::string what = seconds ? std::to_string(*seconds) : "none";
  FUZZ_CHECK(seconds.has_value() == digits, what);
  if (seconds) FUZZ_CHECK(*seconds == std::min(std::stoll(std::string(text)), 86400LL), what);
}

void check_cookie_value(std::string_view header, std::size_t max_bytes,
                        const std::optional<std::string>& value) {
  if (header.size() > max_bytes) FUZZ_CHECK(!value, "a value from an oversized header");
  if (!value) return;
  FUZZ_CHECK(header.find(*value) != std::string_view::npos, *value);
  FUZZ_CHECK(std::none_of(value->begin(), value->end(),
                          [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }),
             *value);
}

void check_form_value(std::string_view body, const std::optional<std::string>& value) {
  if (value) FUZZ_CHECK(value->size() <= body.size(), *value);
}

void check_same_run(const stream_run& split, const stream_run& whole) {
  auto summary = [](const stream_run& run) {
    return std::to_string(run.chunks.size()) + " chunks, " +
           (run.failure ? shown(*run.failure) : std::string("ok"));
  };
  const std::string what = summary(split) + " vs whole: " + summary(whole);
  FUZZ_CHECK(split.failure.has_value() == whole.failure.has_value(), what);
  if (split.failure)
    FUZZ_CHECK(split.failure->code == whole.failure->code &&
                   split.failure->detail == whole.failure->detail,
               what);
  FUZZ_CHECK(split.chunks == whole.chunks, what);
  const auto& a = split.usage;
  const auto& b = whole.usage;
  FUZZ_CHECK(a.reported == b.reported && a.input_tokens == b.input_tokens &&
                 a.output_tokens == b.output_tokens &&
                 a.cached_input_tokens == b.cached_input_tokens && a.billed_usd == b.billed_usd,
             what);
}

void check_still_failing(const status& fed, const status& finished,
                         const std::vector<json>& added) {
  FUZZ_CHECK(!fed.ok() && !finished.ok(), "feed " + shown(fed) + ", finish " + shown(finished));
  FUZZ_CHECK(added.empty(), std::to_string(added.size()) + " chunks after the error");
}

void check_usage(const wire::token_usage& usage) {
  const std::string what = std::to_string(usage.input_tokens) + " in (" +
                           std::to_string(usage.cached_input_tokens) + " cached), " +
                           std::to_string(usage.output_tokens) + " out";
  FUZZ_CHECK(usage.input_tokens >= 0 && usage.output_tokens >= 0, what);
  FUZZ_CHECK(usage.cached_input_tokens >= 0 && usage.cached_input_tokens <= usage.input_tokens,
             what);
  FUZZ_CHECK(!usage.billed_usd || (std::isfinite(*usage.billed_usd) && *usage.billed_usd >= 0),
             what);
  if (!usage.reported)
    FUZZ_CHECK(usage.input_tokens == 0 && usage.output_tokens == 0 && !usage.billed_usd, what);
}

void check_completion(const wire::chat_completion& completion) {
  const json& body = completion.body;
  FUZZ_CHECK(body.is_object(), shown(body));
  FUZZ_CHECK(text_at(body, "object") == "chat.completion", shown(body));
  FUZZ_CHECK(body.contains("choices") && body["choices"].is_array(), shown(body));
  FUZZ_CHECK(is_string(body, "id") && is_string(body, "model") && is_integer(body, "created"),
             shown(body));
  check_usage(completion.usage);
}

void check_message(const json& message) {
  FUZZ_CHECK(message.is_object() && text_at(message, "type") == "message" &&
                 text_at(message, "role") == "assistant",
             shown(message));
  FUZZ_CHECK(text_at(message, "id").rfind("msg_", 0) == 0 && is_string(message, "model"),
             shown(message));
  FUZZ_CHECK(
      is_one_of(at(message, "stop_reason"), {"end_turn", "max_tokens", "tool_use", "refusal"}),
      shown(message));
  for (const auto& block : at(message, "content")) {
    if (at(block, "type") == "text") {
      FUZZ_CHECK(!text_at(block, "text").empty(), shown(block));
    } else {
      FUZZ_CHECK(at(block, "type") == "tool_use" && is_string(block, "id") &&
                     !text_at(block, "name").empty() && at(block, "input").is_object(),
                 shown(block));
    }
  }
  const json& usage = at(message, "usage");
  FUZZ_CHECK(is_count(usage, "input_tokens") && is_count(usage, "output_tokens") &&
                 is_count(usage, "cache_read_input_tokens", true),
             shown(usage));
}

void check_chunks(const std::vector<json>& chunks, const wire::token_usage& usage) {
  check_usage(usage);
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    const json& chunk = chunks[i];
    const std::string what = "chunk " + std::to_string(i) + ": " + shown(chunk);
    FUZZ_CHECK(chunk.is_object() && text_at(chunk, "object") == "chat.completion.chunk", what);
    FUZZ_CHECK(is_string(chunk, "id") && is_string(chunk, "model") && is_integer(chunk, "created"),
               what);
    FUZZ_CHECK(chunk.contains("choices") && chunk["choices"].is_array(), what);
    for (const auto& choice : chunk["choices"])
      FUZZ_CHECK(choice.is_object(), what);
    const bool has_usage = chunk.contains("usage");
    FUZZ_CHECK(has_usage == chunk["choices"].empty(), what);
    if (!has_usage) continue;
    FUZZ_CHECK(i + 1 == chunks.size(), what);
    const json& counts = chunk["usage"];
    FUZZ_CHECK(usage.reported && count(counts, "prompt_tokens") == usage.input_tokens &&
                   count(counts, "completion_tokens") == usage.output_tokens,
               what);
    FUZZ_CHECK(is_count(counts, "total_tokens"), what);
  }
}

void check_anthropic_events(std::string_view sse, bool ended) {
  event_order order;
  while (!sse.empty())
    order.take(next_block(sse));
  if (ended) FUZZ_CHECK(order.stopped(), "no message_stop after end()");
}

void check_nothing_after_end(const std::string& sse) {
  FUZZ_CHECK(sse.empty(), wire::excerpt(sse, 300));
}

// -- bounded parsing, event readers ------------------------------------------------

void check_bounded_parse(std::string_view text, const json_bounds& bounds,
                         const result<json>& parsed) {
  const std::string what = shown(parsed);
  if (!parsed) check_error(parsed.err(), {"too_large", "too_deep", "invalid_json"});
  auto failed_with = [&](const char* code) { return !parsed && parsed.err().code == code; };
  FUZZ_CHECK(failed_with("too_large") == (text.size() > bounds.max_bytes), what);
  // The depth, uncapped: never more than one level a byte.
  const std::size_t depth = json_depth(text, text.size());
  for (std::size_t limit : {std::size_t{0}, std::size_t{1}, bounds.max_depth})
    FUZZ_CHECK(json_depth(text, limit) == std::min(depth, limit + 1),
               std::to_string(json_depth(text, limit)) + " at limit " + std::to_string(limit) +
                   ", depth " + std::to_string(depth));
  if (text.size() > bounds.max_bytes) return;
  FUZZ_CHECK(failed_with("too_deep") == (depth > bounds.max_depth), what);
  if (parsed)
    FUZZ_CHECK(depth_of(*parsed) == depth,
               std::to_string(depth_of(*parsed)) + " vs " + std::to_string(depth));
}

void check_event_readers(std::string_view text, std::size_t max,
                         const std::vector<std::vector<std::string_view>>& ways) {
  std::optional<std::vector<sse_event>> first_events;
  std::optional<std::vector<std::string>> first_lines;
  std::optional<std::string> first_error;
  const event_reading expected_events = read_events(text);
  const line_reading expected_lines = read_lines(text);
  for (const auto& pieces : ways) {
    sse_reader events_reader(max);
    line_reader lines_reader(max);
    std::vector<sse_event> events;
    std::vector<std::string> lines;
    bool events_ok = true, lines_ok = true;
    for (auto piece : pieces) {
      if (events_ok) events_ok = events_reader.feed(piece, events).ok();
      if (lines_ok) lines_ok = lines_reader.feed(piece, lines).ok();
    }
    std::vector<sse_event> ignored_events;
    std::vector<std::string> ignored_lines;
    if (!events_ok)
      FUZZ_CHECK(!events_reader.feed("data: x\n\n", ignored_events).ok() && ignored_events.empty(),
                 shown(events));
    if (!lines_ok)
      FUZZ_CHECK(!lines_reader.feed("x\n", ignored_lines).ok() && ignored_lines.empty(),
                 shown(lines));
    for (const auto& e : events)
      FUZZ_CHECK(e.data.size() <= max && e.name.size() < max, shown(events));
    for (const auto& line : lines)
      FUZZ_CHECK(!line.empty() && line.size() <= max, shown(lines));
    if (events_ok) {
      FUZZ_CHECK(same_events(events, expected_events.events),
                 shown(events) + " vs " + shown(expected_events.events));
      FUZZ_CHECK(events_reader.mid_event() == expected_events.pending, shown(events));
    }
    if (lines_ok)
      FUZZ_CHECK(lines == expected_lines.lines && lines_reader.rest() == expected_lines.rest,
                 shown(lines) + " vs " + shown(expected_lines.lines));
    const std::string outcome =
        std::string(events_ok ? "ok" : "failed") + (lines_ok ? " ok" : " failed");
    if (!first_events) {
      first_events = events;
      first_lines = lines;
      first_error = outcome;
      continue;
    }
    FUZZ_CHECK(
        same_events(events, *first_events) && lines == *first_lines && outcome == *first_error,
        shown(events) + " / " + shown(lines) + " vs " + shown(*first_events) + " / " +
            shown(*first_lines));
  }
}

}  // namespace llmopt::fuzz
