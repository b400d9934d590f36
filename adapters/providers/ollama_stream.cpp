// Ollama's streams (POST /api/chat with stream: true): newline-delimited
// JSON, one object a line (openapi.yaml ChatStreamEvent). Each line carries a
// piece of message.content (or of message.thinking, which is not part of the
// answer); a tool call arrives whole in one line, arguments included; the
// line with done: true ends the answer and carries done_reason and the token
// counts. A failure after the stream began is a line {"error": "..."}.

#include "adapters/providers/ollama_reply.hpp"
#include "adapters/providers/ollama_wire.hpp"
#include "adapters/providers/framed_decoder.hpp"

namespace llmopt::wire {
namespace {

using json = nlohmann::json;

json delta_chunk(const reply_context& ctx, json delta) {
  return chunk(
      ctx, json::array({{{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", nullptr}}}));
}

class ollama_decoder final : public ndjson_decoder {
 public:
  explicit ollama_decoder(reply_context ctx) : ctx_(std::move(ctx)) {}

 private:
  status on_end(std::vector<json>& chunks) override {
    // A last line without its newline counts when it is whole; a partial
    // one is where the stream was cut.
    if (!done_ && !reader_.rest().empty() && parse_reply_json(reader_.rest()).ok())
      if (auto st = on_frame(reader_.rest(), chunks); !st) return st;
    if (!done_) return error{"cut", "the stream ended before its done: true line"};
    return ok_status();
  }

  status on_frame(const std::string& line, std::vector<json>& chunks) override {
    if (done_) return ok_status();  // nothing counts after the final line
    if (line.find_first_not_of(" \t\r") == std::string::npos) return ok_status();
    auto parsed = parse_reply_json(line);
    if (!parsed) {
      if (parsed.err().code != "invalid_json") return parsed.err();
      return error{"bad_reply", "a stream line is not JSON: " + excerpt(line)};
    }
    const json& event = *parsed;
    if (!event.is_object())
      return error{"bad_reply", "a stream line is not a JSON object: " + excerpt(line)};
    if (auto message = ollama::error_of(event); !message.empty())
      return error{"upstream_error", message};
    auto part = ollama::read_message(event, calls_);
    if (!part) return part.err();
    start(event, chunks);
    if (!part->content.empty()) chunks.push_back(delta_chunk(ctx_, {{"content", part->content}}));
    for (auto& call : part->tool_calls)
      add_tool_call(call, chunks);
    auto done = event.find("done");
    if (done != event.end() && done->is_boolean() && done->get<bool>()) end(event, chunks);
    return ok_status();
  }

  // The first chunk, once; chunks name the model the first line names.
  void start(const json& event, std::vector<json>& chunks) {
    if (started_) return;
    started_ = true;
    ctx_.model = ollama::model_of(event, ctx_.model);
    chunks.push_back(delta_chunk(ctx_, {{"role", "assistant"}, {"content", ""}}));
  }

  // A whole call, as OpenAI streams one: its id, type and name with empty
  // arguments, then the arguments.
  void add_tool_call(json& call, std::vector<json>& chunks) {
    const std::size_t k = calls_++;
    json& function = call["function"];
    json arguments = std::move(function["arguments"]);
    function["arguments"] = "";
    call["index"] = k;
    chunks.push_back(delta_chunk(ctx_, {{"tool_calls", json::array({std::move(call)})}}));
    chunks.push_back(delta_chunk(
        ctx_,
        {{"tool_calls",
          json::array({{{"index", k}, {"function", {{"arguments", std::move(arguments)}}}}})}}));
  }

  void end(const json& event, std::vector<json>& chunks) {
    done_ = true;
    chunks.push_back(
        chunk(ctx_, json::array({{{"index", 0},
                                  {"delta", json::object()},
                                  {"finish_reason", ollama::finish_reason(event, calls_ > 0)}}})));
    usage_ = ollama::usage_of(event);
    if (!usage_.reported) return;
    json last = chunk(ctx_, json::array());
    last["usage"] = openai_usage(usage_);
    chunks.push_back(std::move(last));
  }

  reply_context ctx_;
  std::size_t calls_ = 0;  // tool calls so far
  bool started_ = false;
  bool done_ = false;  // the done: true line was read
};

}  // namespace

std::unique_ptr<stream_decoder> ollama_stream_decoder(const reply_context& ctx) {
  return std::make_unique<ollama_decoder>(ctx);
}

}  // namespace llmopt::wire
