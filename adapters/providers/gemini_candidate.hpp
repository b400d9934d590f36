#pragma once

// Reading Gemini's GenerateContentResponse (Gemini API reference,
// generate-content: GenerateContentResponse, Candidate, Part,
// UsageMetadata, LogprobsResult), shared by the reply (gemini_wire.cpp) and
// the stream (gemini_stream.cpp). The response is the upstream's, untrusted:
// every member is type-checked before it is read, and a wrong shape is a
// bad_reply, never an exception. Members Gemini omits at their default
// (proto3 JSON leaves out 0, "" and false) read as that default.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/providers/wire_format.hpp"

namespace llmopt::wire::gemini {

// usageMetadata, with the thinking tokens it counts among the output.
//   input  = promptTokenCount + toolUsePromptTokenCount
//   output = candidatesTokenCount + thoughtsTokenCount (thoughts are billed as output)
//   cached = cachedContentTokenCount (at most input)
struct usage_report {
  token_usage tokens;
  long long reasoning_tokens = 0;  // thoughtsTokenCount
};
// The response's usageMetadata; nullopt when it has none.
std::optional<usage_report> usage_of(const nlohmann::json& response);
// The OpenAI usage object: openai_usage(), plus
// completion_tokens_details.reasoning_tokens when the model thought.
nlohmann::json usage_json(const usage_report& usage);

// What one candidate (or one streamed piece of it) says, in OpenAI's terms.
struct candidate_output {
  // The text parts joined, thoughts (parts with thought: true) left out:
  // they are the model's reasoning, not its answer. nullopt when the
  // candidate had no text part.
  std::optional<std::string> text;
  // functionCall parts as OpenAI tool calls {"id", "type": "function",
  // "function": {"name", "arguments": JSON text}}. The id is the part's own
  // when Gemini gave one, else call_id_base + "_call_" + k, k counting this
  // candidate's calls from first_call.
  std::vector<nlohmann::json> tool_calls;
};
// Reads candidate.content.parts (a candidate without content, as a blocked
// one is, has neither text nor calls). Parts of other kinds (inline data,
// executable code) are not part of a chat completion and are skipped.
result<candidate_output> read_candidate(const nlohmann::json& candidate,
                                        const std::string& call_id_base, std::size_t first_call);

// An OpenAI finish_reason for a Candidate.finishReason: STOP is "stop", or
// "tool_calls" when the candidate called functions; MAX_TOKENS "length";
// the safety and policy stops "content_filter"; anything else "stop".
std::string finish_reason_of(std::string_view reason, bool made_calls);

// True when promptFeedback.blockReason says the prompt itself was blocked.
bool prompt_blocked(const nlohmann::json& response);

// candidate.logprobsResult as an OpenAI choice's "logprobs" ({"content":
// [{"token", "logprob", "bytes", "top_logprobs"}], "refusal": null}); null
// when the candidate has none.
result<nlohmann::json> logprobs_of(const nlohmann::json& candidate);

}  // namespace llmopt::wire::gemini
