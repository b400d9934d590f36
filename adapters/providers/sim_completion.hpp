#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "decision/world_model.hpp"

namespace llmopt {

// The format-neutral pieces of a simulated answer: what a request asks (as
// each API's reader in sim_<format>.cpp extracts it) and what the simulator
// answers. Pure functions: an answer depends only on the request, the
// model, the seed and the request index.

// The provider APIs the simulator speaks.
enum class sim_format { openai, anthropic, gemini, ollama };
inline constexpr sim_format all_sim_formats[] = {sim_format::openai, sim_format::anthropic,
                                                 sim_format::gemini, sim_format::ollama};
std::string_view name_of(sim_format f);  // "openai", "anthropic", "gemini", "ollama"

// A tool the request offers, with the arguments a call to it carries.
struct sim_tool {
  std::string name;
  nlohmann::json arguments = nlohmann::json::object();
};

enum class sim_tool_choice { automatic, none, required, named };

// What a request asks for, whatever its format.
struct sim_request {
  std::string model;  // as named: a full id or a unique short name
  bool stream = false;
  bool include_usage = false;  // OpenAI: stream_options.include_usage
  bool sse = false;            // Gemini streaming: ?alt=sse (else a JSON array)
  std::size_t prompt_chars = 0;
  std::optional<long long> max_tokens;
  std::vector<sim_tool> tools;
  sim_tool_choice tool_choice = sim_tool_choice::automatic;
  std::string tool_name;  // the tool a named choice names (one of `tools`)
  bool parallel_tool_calls = true;
  bool last_is_tool_result = false;
};

struct sim_answer {
  std::uint64_t index = 0;  // the request index
  std::string model;        // echoed as the request named it
  long long created_s = 0;  // Unix seconds
  double latency_ms = 0;    // the drawn latency (Ollama reports durations)
  long long prompt_tokens = 1;
  long long completion_tokens = 1;
  bool truncated = false;  // cut at the request's max tokens
  // Non-empty: the answer is these calls and no text.
  std::vector<sim_tool> tool_calls;

  // Content pieces of a stream: the text's tokens, or one per tool call.
  std::size_t pieces() const;
  // Text token i: a word, after a space unless it is the first.
  // REQUIRES: tool_calls empty, i < completion_tokens.
  std::string token(std::size_t i) const;
  // All the tokens: the same text streamed or not. "" for tool calls.
  std::string text() const;
};

// About one token per 4 characters; at least 1.
long long tokens_of_chars(std::size_t chars);

// Characters of text in a message content: a string, or the "text" strings
// of an array's parts (OpenAI parts, Anthropic blocks, Gemini parts).
std::size_t text_chars(const nlohmann::json& content);

// The messages' text content in tokens (tokens_of_chars of text_chars of
// each message's "content"): OpenAI and Ollama messages.
long long estimate_prompt_tokens(const nlohmann::json& messages);

// Exponential with mean `mean`, rounded up; at least 1 and at most
// `max_tokens` when given. Depends only on (seed, request_index).
long long draw_completion_tokens(std::uint64_t seed, std::uint64_t request_index, double mean,
                                 std::optional<long long> max_tokens);

// The arguments the simulator calls a tool with: an object giving each
// required property of a JSON schema (or Gemini's upper-case variant) a
// value of its type: "sim", 1, true, [], {}, null; the first of an enum.
nlohmann::json arguments_for(const nlohmann::json& schema);

// The tools the answer calls: none without tools, with choice none, or
// after a tool result (unless a call is required or named); else the named
// tool, or the first tool, and the second too when there are two or more
// and parallel calls are allowed.
std::vector<sim_tool> plan_tool_calls(const sim_request& r);

// The answer to `r` from `m`: completion tokens are m.output_tokens or the
// draw, capped at the request's max tokens (then `truncated`); a tool-call
// answer counts its calls' text in tokens instead.
sim_answer make_answer(const sim_request& r, const simulated_model& m, std::uint64_t seed,
                       std::uint64_t request_index, double output_tokens_mean, long long now_s);

}  // namespace llmopt
