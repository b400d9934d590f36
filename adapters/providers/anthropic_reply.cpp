#include "adapters/providers/anthropic_wire.hpp"

#include "adapters/providers/framed_decoder.hpp"

// Anthropic's Messages API, the answer side: a Message as a chat.completion,
// and its event stream as chat.completion.chunk objects. The request side is
// anthropic_wire.cpp. Both readers share the stop_reason and usage mapping.
//
// thinking and redacted_thinking blocks have no place in OpenAI's message and
// are left out; so are server-tool blocks, which llmopt never asks for.

namespace llmopt::wire {
namespace {

using json = nlohmann::json;

const json* member(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

const std::string* string_at(const json& object, const char* key) {
  const json* value = member(object, key);
  return value && value->is_string() ? &value->get_ref<const std::string&>() : nullptr;
}

error bad_reply(std::string detail) {
  return error{"bad_reply", std::move(detail)};
}

// -- shared by the reply and the stream --------------------------------------------

// Handling stop reasons: every reason Anthropic documents. One added later
// is still a whole answer, so it reads as "stop".
std::string finish_reason(std::string_view stop_reason) {
  if (stop_reason == "max_tokens" || stop_reason == "model_context_window_exceeded")
    return "length";
  if (stop_reason == "tool_use") return "tool_calls";
  if (stop_reason == "refusal") return "content_filter";
  return "stop";  // end_turn, stop_sequence, pause_turn
}

// Anthropic's usage counts. input_tokens excludes the tokens written to and
// read from the prompt cache; llmopt's input_tokens counts every one.
struct message_counts {
  long long input = 0;
  long long cache_write = 0;
  long long cache_read = 0;
  long long output = 0;
};

// Sets the counts `usage` holds (a message_delta may carry only output_tokens;
// its counts are cumulative). Counts past 2^50 are not believed.
void read_counts(const json& usage, message_counts& counts) {
  auto read = [&](const char* key, long long& into) {
    const json* value = member(usage, key);
    if (!value || !value->is_number_integer()) return;
    const long long count = value->get<long long>();
    if (count >= 0 && count < (1LL << 50)) into = count;
  };
  read("input_tokens", counts.input);
  read("cache_creation_input_tokens", counts.cache_write);
  read("cache_read_input_tokens", counts.cache_read);
  read("output_tokens", counts.output);
}

token_usage usage_of(const message_counts& counts) {
  token_usage usage;
  usage.reported = true;
  usage.input_tokens = counts.input + counts.cache_write + counts.cache_read;
  usage.cached_input_tokens = counts.cache_read;
  usage.output_tokens = counts.output;
  return usage;
}

// -- the non-streaming Message -------------------------------------------------------

struct message_content {
  std::optional<std::string> text;  // the text blocks joined; none without one
  json tool_calls = json::array();
};

result<message_content> read_content(const json& blocks) {
  message_content out;
  for (const auto& block : blocks) {
    const std::string* type = block.is_object() ? string_at(block, "type") : nullptr;
    if (!type) return bad_reply("a content block has no type");
    if (*type == "text") {
      const std::string* text = string_at(block, "text");
      if (!text) return bad_reply("a text block has no text");
      out.text = out.text.value_or("") + *text;
    } else if (*type == "tool_use") {
      const std::string* id = string_at(block, "id");
      const std::string* name = string_at(block, "name");
      const json* input = member(block, "input");
      if (!id || !name || !input || !input->is_object())
        return bad_reply("a tool_use block lacks its id, name or input object");
      out.tool_calls.push_back({{"id", *id},
                                {"type", "function"},
                                {"function", {{"name", *name}, {"arguments", dump_json(*input)}}}});
    }
  }
  return out;
}

// -- the stream ------------------------------------------------------------------------

// Turns Anthropic's events (Streaming Messages) into chunks. Content blocks
// come one after another (start, deltas, stop), so only the open one is kept.
class anthropic_decoder final : public sse_decoder {
 public:
  explicit anthropic_decoder(reply_context ctx) : ctx_(std::move(ctx)) {}

 private:
  status on_end(std::vector<json>&) override {
    if (!done_) return error{"cut", "the stream ended before message_stop"};
    return ok_status();
  }

  enum class block_kind { text, tool, ignored };

  struct open_block {
    long long index = 0;
    block_kind kind = block_kind::ignored;
    long long tool_index = 0;  // k: counts the tool_use blocks only
    bool arguments_sent = false;
    std::string start_input;  // the input content_block_start gave, as JSON text
  };

  status on_frame(const sse_event& event, std::vector<json>& chunks) override {
    if (done_) return ok_status();  // nothing counts after message_stop
    auto parsed = parse_reply_json(event.data);
    const std::string* named = parsed && parsed->is_object() ? string_at(*parsed, "type") : nullptr;
    if (event.name == "error" || (named && *named == "error")) {
      auto message = upstream_error_message(event.data);
      return error{"upstream_error", message.empty() ? "the upstream reported an error" : message};
    }
    if (!parsed) return parsed.err();
    const json& data = *parsed;
    if (!data.is_object()) return bad_reply("a stream event is not a JSON object");
    const std::string& type = named ? *named : event.name;
    if (type == "message_start") return on_message_start(data, chunks);
    const bool known = type == "content_block_start" || type == "content_block_delta" ||
                       type == "content_block_stop" || type == "message_delta" ||
                       type == "message_stop";
    if (!known) return ok_status();  // ping, and events added after this was written
    if (!started_) return bad_reply("a " + type + " event came before message_start");
    if (type == "content_block_start") return on_block_start(data, chunks);
    if (type == "content_block_delta") return on_block_delta(data, chunks);
    if (type == "content_block_stop") return on_block_stop(data, chunks);
    if (type == "message_delta") return on_message_delta(data);
    return on_message_stop(chunks);
  }

  status on_message_start(const json& data, std::vector<json>& chunks) {
    if (started_) return bad_reply("a second message_start");
    const json* message = member(data, "message");
    if (!message || !message->is_object()) return bad_reply("message_start has no message");
    if (const std::string* id = string_at(*message, "id")) ctx_.fallback_id = *id;
    if (const std::string* model = string_at(*message, "model")) ctx_.model = *model;
    take_usage(*message);
    started_ = true;
    chunks.push_back(delta_chunk({{"role", "assistant"}, {"content", ""}}));
    return ok_status();
  }

  status on_block_start(const json& data, std::vector<json>& chunks) {
    close_block(chunks);
    const json* index = member(data, "index");
    const json* block = member(data, "content_block");
    const std::string* type = block && block->is_object() ? string_at(*block, "type") : nullptr;
    if (!index || !index->is_number_integer() || !type)
      return bad_reply("content_block_start lacks its index or block type");
    open_block opened;
    opened.index = index->get<long long>();
    if (*type == "text") {
      opened.kind = block_kind::text;
      if (const std::string* text = string_at(*block, "text")) send_text(*text, chunks);
    } else if (*type == "tool_use") {
      const std::string* id = string_at(*block, "id");
      const std::string* name = string_at(*block, "name");
      if (!id || !name) return bad_reply("a tool_use block lacks its id or name");
      opened.kind = block_kind::tool;
      opened.tool_index = tool_calls_++;
      const json* input = member(*block, "input");
      opened.start_input = input && input->is_object() ? dump_json(*input) : "{}";
      chunks.push_back(tool_chunk(
          opened.tool_index,
          {{"id", *id}, {"type", "function"}, {"function", {{"name", *name}, {"arguments", ""}}}}));
    }
    open_ = opened;
    return ok_status();
  }

  status on_block_delta(const json& data, std::vector<json>& chunks) {
    const json* delta = member(data, "delta");
    const std::string* type = delta && delta->is_object() ? string_at(*delta, "type") : nullptr;
    if (!type) return bad_reply("content_block_delta has no delta type");
    if (!is_open(data)) return bad_reply("a content_block_delta for a block that is not open");
    if (open_->kind == block_kind::ignored) return ok_status();  // thinking, server tools, ...
    if (open_->kind == block_kind::text && *type == "text_delta") {
      const std::string* text = string_at(*delta, "text");
      if (!text) return bad_reply("a text_delta has no text");
      send_text(*text, chunks);
    } else if (open_->kind == block_kind::tool && *type == "input_json_delta") {
      const std::string* partial = string_at(*delta, "partial_json");
      if (!partial) return bad_reply("an input_json_delta has no partial_json");
      send_arguments(*partial, chunks);
    } else if (*type == "text_delta" || *type == "input_json_delta") {
      return bad_reply("a " + *type + " for a block of another type");
    }
    return ok_status();  // citations_delta and delta types added later
  }

  status on_block_stop(const json& data, std::vector<json>& chunks) {
    if (!is_open(data)) return bad_reply("a content_block_stop for a block that is not open");
    close_block(chunks);
    return ok_status();
  }

  status on_message_delta(const json& data) {
    if (const json* delta = member(data, "delta"); delta && delta->is_object())
      if (const std::string* reason = string_at(*delta, "stop_reason")) stop_reason_ = *reason;
    take_usage(data);
    return ok_status();
  }

  status on_message_stop(std::vector<json>& chunks) {
    close_block(chunks);
    done_ = true;
    json last = chunk(ctx_, json::array({{{"index", 0},
                                          {"delta", json::object()},
                                          {"finish_reason", finish_reason(stop_reason_)}}}));
    chunks.push_back(std::move(last));
    if (!usage_.reported) return ok_status();
    json usage = chunk(ctx_, json::array());
    usage["usage"] = openai_usage(usage_);
    chunks.push_back(std::move(usage));
    return ok_status();
  }

  bool is_open(const json& data) const {
    const json* index = member(data, "index");
    return open_ && index && index->is_number_integer() && index->get<long long>() == open_->index;
  }

  // A tool call whose input came whole in content_block_start, or is empty,
  // gets it as its arguments, as the non-streaming reply would.
  void close_block(std::vector<json>& chunks) {
    if (open_ && open_->kind == block_kind::tool && !open_->arguments_sent)
      send_arguments(open_->start_input, chunks);
    open_.reset();
  }

  void take_usage(const json& holder) {
    const json* usage = member(holder, "usage");
    if (!usage || !usage->is_object()) return;
    read_counts(*usage, counts_);
    usage_ = usage_of(counts_);
  }

  void send_text(const std::string& text, std::vector<json>& chunks) {
    if (!text.empty()) chunks.push_back(delta_chunk({{"content", text}}));
  }

  void send_arguments(const std::string& text, std::vector<json>& chunks) {
    if (text.empty()) return;
    open_->arguments_sent = true;
    chunks.push_back(tool_chunk(open_->tool_index, {{"function", {{"arguments", text}}}}));
  }

  json delta_chunk(json delta) const {
    return chunk(
        ctx_,
        json::array({{{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", nullptr}}}));
  }

  json tool_chunk(long long tool_index, json call) const {
    call["index"] = tool_index;
    return delta_chunk({{"tool_calls", json::array({std::move(call)})}});
  }

  reply_context ctx_;
  message_counts counts_;
  std::optional<open_block> open_;
  std::string stop_reason_;
  long long tool_calls_ = 0;
  bool started_ = false;
  bool done_ = false;  // message_stop was seen
};

}  // namespace

result<chat_completion> anthropic_reply(std::string_view text, const reply_context& ctx) {
  auto parsed = parse_reply_json(text);
  if (!parsed) return parsed.err();
  const json& body = *parsed;
  if (!body.is_object()) return bad_reply("the reply is not a JSON object");
  const json* blocks = member(body, "content");
  if (!blocks || !blocks->is_array())
    return bad_reply("the reply has no content array: " + excerpt(text));
  const std::string* stop_reason = string_at(body, "stop_reason");
  if (!stop_reason) return bad_reply("the reply has no stop_reason");
  auto content = read_content(*blocks);
  if (!content) return content.err();
  json message = {{"role", "assistant"}, {"content", nullptr}};
  if (content->text) message["content"] = *content->text;
  if (!content->tool_calls.empty()) message["tool_calls"] = std::move(content->tool_calls);
  const std::string* id = string_at(body, "id");
  const std::string* model = string_at(body, "model");
  chat_completion out;
  out.body = {{"id", id ? *id : ctx.fallback_id},
              {"object", "chat.completion"},
              {"created", ctx.created},
              {"model", model ? *model : ctx.model},
              {"choices", json::array({{{"index", 0},
                                        {"message", std::move(message)},
                                        {"finish_reason", finish_reason(*stop_reason)}}})}};
  if (const json* usage = member(body, "usage"); usage && usage->is_object()) {
    message_counts counts;
    read_counts(*usage, counts);
    out.usage = usage_of(counts);
    out.body["usage"] = openai_usage(out.usage);
  }
  return out;
}

std::unique_ptr<stream_decoder> anthropic_stream_decoder(const reply_context& ctx) {
  return std::make_unique<anthropic_decoder>(ctx);
}

}  // namespace llmopt::wire
