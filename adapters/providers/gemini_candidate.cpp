#include "adapters/providers/gemini_candidate.hpp"

#include <algorithm>

namespace llmopt::wire::gemini {
namespace {

using json = nlohmann::json;

error bad_reply(std::string detail) {
  return error{"bad_reply", std::move(detail)};
}

// A non-negative integer member, 0 when absent (or of another type). Counts
// past 2^50 are not believed, as in anthropic_reply.cpp: the sums of counts
// must not overflow.
long long count_at(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return 0;
  const long long n = it->get<long long>();
  return n > 0 && n < (1LL << 50) ? n : 0;
}

// A member that must be a string when present; "" when absent.
result<std::string> string_at(const json& object, const char* key, const char* what) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::string();
  if (!it->is_string()) return bad_reply(std::string(what) + "." + key + " is not a string");
  return it->get<std::string>();
}

result<json> tool_call_of(const json& call, const std::string& fallback_id) {
  if (!call.is_object()) return bad_reply("a functionCall part is not an object");
  auto name = call.find("name");
  if (name == call.end() || !name->is_string() || name->get_ref<const std::string&>().empty())
    return bad_reply("a functionCall has no name");
  auto id = string_at(call, "id", "functionCall");
  if (!id) return id.err();
  std::string arguments = "{}";  // a call without args takes none
  if (auto args = call.find("args"); args != call.end() && !args->is_null()) {
    if (!args->is_object()) return bad_reply("functionCall.args is not an object");
    arguments = dump_json(*args);
  }
  return json{{"id", id->empty() ? fallback_id : *id},
              {"type", "function"},
              {"function", {{"name", *name}, {"arguments", std::move(arguments)}}}};
}

json token_bytes(const std::string& token) {
  json bytes = json::array();
  for (unsigned char c : token)
    bytes.push_back(static_cast<int>(c));
  return bytes;
}

// One LogprobsResult.Candidate as an OpenAI {"token", "logprob", "bytes"}.
result<json> token_logprob(const json& entry) {
  if (!entry.is_object()) return bad_reply("a logprobs candidate is not an object");
  auto token = string_at(entry, "token", "logprobs candidate");
  if (!token) return token.err();
  double logprob = 0;
  if (auto it = entry.find("logProbability"); it != entry.end()) {
    if (!it->is_number()) return bad_reply("logProbability is not a number");
    logprob = it->get<double>();
  }
  return json{{"token", *token}, {"logprob", logprob}, {"bytes", token_bytes(*token)}};
}

// The array member `key` of `object`; an empty array when absent.
result<const json*> array_at(const json& object, const char* key) {
  static const json empty = json::array();
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return &empty;
  if (!it->is_array()) return bad_reply(std::string("logprobsResult.") + key + " is not an array");
  return &*it;
}

result<json> top_logprobs_at(const json& top, std::size_t i) {
  json out = json::array();
  if (i >= top.size()) return out;
  if (!top[i].is_object()) return bad_reply("a logprobs topCandidates entry is not an object");
  auto candidates = array_at(top[i], "candidates");
  if (!candidates) return candidates.err();
  for (const auto& entry : **candidates) {
    auto item = token_logprob(entry);
    if (!item) return item.err();
    out.push_back(std::move(*item));
  }
  return out;
}

}  // namespace

std::optional<usage_report> usage_of(const json& response) {
  auto it = response.find("usageMetadata");
  if (it == response.end() || !it->is_object()) return std::nullopt;
  usage_report u;
  u.tokens.reported = true;
  u.tokens.input_tokens =
      count_at(*it, "promptTokenCount") + count_at(*it, "toolUsePromptTokenCount");
  u.reasoning_tokens = count_at(*it, "thoughtsTokenCount");
  u.tokens.output_tokens = count_at(*it, "candidatesTokenCount") + u.reasoning_tokens;
  u.tokens.cached_input_tokens =
      std::min(count_at(*it, "cachedContentTokenCount"), u.tokens.input_tokens);
  return u;
}

json usage_json(const usage_report& usage) {
  json out = openai_usage(usage.tokens);
  if (usage.reasoning_tokens > 0)
    out["completion_tokens_details"] = {{"reasoning_tokens", usage.reasoning_tokens}};
  return out;
}

result<candidate_output> read_candidate(const json& candidate, const std::string& call_id_base,
                                        std::size_t first_call) {
  candidate_output out;
  auto content = candidate.find("content");
  if (content == candidate.end() || content->is_null()) return out;
  if (!content->is_object()) return bad_reply("candidate.content is not an object");
  auto parts = content->find("parts");
  if (parts == content->end() || parts->is_null()) return out;
  if (!parts->is_array()) return bad_reply("candidate.content.parts is not an array");
  for (const auto& part : *parts) {
    if (!part.is_object()) return bad_reply("a content part is not an object");
    if (auto thought = part.find("thought");
        thought != part.end() && thought->is_boolean() && thought->get<bool>())
      continue;
    if (auto text = part.find("text"); text != part.end()) {
      if (!text->is_string()) return bad_reply("a part's text is not a string");
      if (!out.text) out.text.emplace();
      out.text->append(text->get_ref<const std::string&>());
    }
    if (auto call = part.find("functionCall"); call != part.end()) {
      const std::size_t k = first_call + out.tool_calls.size();
      auto tool_call = tool_call_of(*call, call_id_base + "_call_" + std::to_string(k));
      if (!tool_call) return tool_call.err();
      out.tool_calls.push_back(std::move(*tool_call));
    }
  }
  return out;
}

std::string finish_reason_of(std::string_view reason, bool made_calls) {
  if (reason == "MAX_TOKENS") return "length";
  for (std::string_view filtered :
       {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION"})
    if (reason == filtered) return "content_filter";
  return reason == "STOP" && made_calls ? "tool_calls" : "stop";
}

bool prompt_blocked(const json& response) {
  auto feedback = response.find("promptFeedback");
  if (feedback == response.end() || !feedback->is_object()) return false;
  auto reason = feedback->find("blockReason");
  return reason != feedback->end() && reason->is_string();
}

result<json> logprobs_of(const json& candidate) {
  auto it = candidate.find("logprobsResult");
  if (it == candidate.end() || it->is_null()) return json(nullptr);
  if (!it->is_object()) return bad_reply("candidate.logprobsResult is not an object");
  auto chosen = array_at(*it, "chosenCandidates");
  if (!chosen) return chosen.err();
  auto top = array_at(*it, "topCandidates");
  if (!top) return top.err();
  json content = json::array();
  for (std::size_t i = 0; i < (*chosen)->size(); ++i) {
    auto item = token_logprob((**chosen)[i]);
    if (!item) return item.err();
    auto alternatives = top_logprobs_at(**top, i);
    if (!alternatives) return alternatives.err();
    (*item)["top_logprobs"] = std::move(*alternatives);
    content.push_back(std::move(*item));
  }
  return json{{"content", std::move(content)}, {"refusal", nullptr}};
}

}  // namespace llmopt::wire::gemini
