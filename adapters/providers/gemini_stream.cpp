#include "adapters/providers/gemini_wire.hpp"

#include "adapters/providers/gemini_candidate.hpp"
#include "adapters/providers/framed_decoder.hpp"

// streamGenerateContent?alt=sse: each data event is one
// GenerateContentResponse holding the next piece of each candidate (Gemini
// API reference, models.streamGenerateContent). Text arrives as partial
// parts, each function call whole; finishReason comes with a candidate's
// last piece and usageMetadata grows as the stream goes (the last counts).
//
// Gemini sends no end event: a stream is complete when every candidate it
// began has given its finishReason and the body then closes. Closing before
// that, or in the middle of an event, is `cut`.
//
// Candidates are told apart by Candidate.index (absent for the first, as
// proto3 JSON leaves out 0), so a request with n > 1 streams its choices
// side by side, each with its role chunk first and its finish chunk last.

namespace llmopt::wire {
namespace {

using json = nlohmann::json;

// More candidates than check_chat_request lets a request ask for (n <= 128).
constexpr std::size_t max_candidates = 128;

class gemini_decoder final : public sse_decoder {
 public:
  explicit gemini_decoder(reply_context ctx)
      : ctx_(std::move(ctx)), call_id_base_(ctx_.fallback_id) {}

 private:
  status on_end(std::vector<json>& chunks) override {
    if (reader_.mid_event()) return error{"cut", "the stream ended in the middle of an event"};
    if (!complete()) return error{"cut", "the stream ended before its finishReason"};
    if (usage_.reported) {
      json last = chunk(ctx_, json::array());
      last["usage"] = gemini::usage_json({usage_, reasoning_tokens_});
      chunks.push_back(std::move(last));
    }
    return ok_status();
  }

  struct candidate_state {
    bool started = false;   // its role chunk was sent
    bool finished = false;  // its finish chunk was sent
    std::size_t calls = 0;  // tool calls sent so far
  };

  bool complete() const {
    bool any = false;
    for (const auto& state : candidates_) {
      if (state.started && !state.finished) return false;
      any = any || state.started;
    }
    return any;
  }

  status on_frame(const sse_event& event, std::vector<json>& chunks) override {
    auto parsed = parse_reply_json(event.data);
    if (!parsed) return parsed.err();
    const json& response = *parsed;
    if (!response.is_object()) return error{"bad_reply", "a stream event is not a JSON object"};
    if (auto err = response.find("error"); err != response.end() && !err->is_null()) {
      auto message = upstream_error_message(event.data);
      return error{"upstream_error", message.empty() ? "the upstream reported an error" : message};
    }
    if (!named_) name_from(response);
    if (auto usage = gemini::usage_of(response)) {
      usage_ = usage->tokens;
      reasoning_tokens_ = usage->reasoning_tokens;
    }
    auto candidates = response.find("candidates");
    if (candidates != response.end() && !candidates->is_null() && !candidates->is_array())
      return error{"bad_reply", "a stream event's candidates is not an array"};
    if (candidates == response.end() || candidates->is_null() || candidates->empty()) {
      if (gemini::prompt_blocked(response)) blocked(chunks);
      return ok_status();
    }
    for (std::size_t position = 0; position < candidates->size(); ++position)
      if (auto st = on_candidate((*candidates)[position], position, chunks); !st) return st;
    return ok_status();
  }

  // The id and model of every chunk, from the first event (they must stay
  // the same throughout).
  void name_from(const json& response) {
    named_ = true;
    for (auto [key, name] :
         {std::pair{"responseId", &ctx_.fallback_id}, {"modelVersion", &ctx_.model}})
      if (auto it = response.find(key);
          it != response.end() && it->is_string() && !it->get_ref<const std::string&>().empty())
        *name = it->get<std::string>();
  }

  status on_candidate(const json& candidate, std::size_t position, std::vector<json>& chunks) {
    if (!candidate.is_object()) return error{"bad_reply", "a stream candidate is not an object"};
    std::size_t index = position;
    if (auto it = candidate.find("index"); it != candidate.end()) {
      if (!it->is_number_unsigned() || it->get<std::size_t>() >= max_candidates)
        return error{"bad_reply", "a stream candidate's index is not one of a request's"};
      index = it->get<std::size_t>();
    }
    if (index >= candidates_.size()) candidates_.resize(index + 1);
    candidate_state& state = candidates_[index];
    if (state.finished) return ok_status();  // nothing counts after its finish chunk
    auto output = gemini::read_candidate(candidate, call_id_base_, state.calls);
    if (!output) return output.err();
    auto logprobs = gemini::logprobs_of(candidate);
    if (!logprobs) return logprobs.err();
    start(index, state, chunks);
    if (output->text && !output->text->empty()) {
      json choice = delta(index, {{"content", std::move(*output->text)}});
      if (!logprobs->is_null()) choice["logprobs"] = std::move(*logprobs);
      chunks.push_back(chunk(ctx_, json::array({std::move(choice)})));
    }
    for (auto& call : output->tool_calls)
      send_call(index, state, std::move(call), chunks);
    if (auto reason = candidate.find("finishReason");
        reason != candidate.end() && reason->is_string())
      end(index, state, gemini::finish_reason_of(reason->get<std::string>(), state.calls > 0),
          chunks);
    return ok_status();
  }

  // promptFeedback.blockReason without candidates: the prompt was refused.
  void blocked(std::vector<json>& chunks) {
    if (candidates_.empty()) candidates_.resize(1);
    if (candidates_[0].finished) return;
    start(0, candidates_[0], chunks);
    end(0, candidates_[0], "content_filter", chunks);
  }

  static json delta(std::size_t index, json delta) {
    return {{"index", index}, {"delta", std::move(delta)}, {"finish_reason", nullptr}};
  }

  void start(std::size_t index, candidate_state& state, std::vector<json>& chunks) {
    if (state.started) return;
    state.started = true;
    chunks.push_back(
        chunk(ctx_, json::array({delta(index, {{"role", "assistant"}, {"content", ""}})})));
  }

  // A call arrives whole: its header (id, name, "" arguments), then all of
  // its arguments in one delta, as wire_format.hpp's sequence has them.
  void send_call(std::size_t index, candidate_state& state, json call, std::vector<json>& chunks) {
    const std::size_t k = state.calls++;
    json arguments = std::move(call["function"]["arguments"]);
    call["index"] = k;
    call["function"]["arguments"] = "";
    chunks.push_back(
        chunk(ctx_, json::array({delta(index, {{"tool_calls", json::array({std::move(call)})}})})));
    json more{{"index", k}, {"function", {{"arguments", std::move(arguments)}}}};
    chunks.push_back(
        chunk(ctx_, json::array({delta(index, {{"tool_calls", json::array({std::move(more)})}})})));
  }

  void end(std::size_t index, candidate_state& state, const std::string& reason,
           std::vector<json>& chunks) {
    state.finished = true;
    json choice = delta(index, json::object());
    choice["finish_reason"] = reason;
    chunks.push_back(chunk(ctx_, json::array({std::move(choice)})));
  }

  reply_context ctx_;
  const std::string call_id_base_;  // fallback tool call ids: the context's id, as in replies
  std::vector<candidate_state> candidates_;  // by Candidate.index
  long long reasoning_tokens_ = 0;
  bool named_ = false;
};

}  // namespace

std::unique_ptr<stream_decoder> gemini_stream_decoder(const reply_context& ctx) {
  return std::make_unique<gemini_decoder>(ctx);
}

}  // namespace llmopt::wire
