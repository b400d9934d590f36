#include "adapters/providers/sim_completion.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "adapters/providers/bounded_json.hpp"

namespace llmopt {
namespace {

// A stream of uniform draws of its own, apart from draw_request's streams
// (which are keyed by the model id's hash).
constexpr std::uint64_t completion_stream = 0x636f6d706c657465ULL;  // "complete"

// The words after "Simulated answer N from MODEL": plain ASCII, so a token
// is a word whatever the client's tokenizer.
constexpr const char* filler[] = {"the",    "model",  "says",   "this",    "is",    "a",
                                  "steady", "stream", "of",     "simple",  "words", "for",
                                  "tests",  "that",   "count",  "tokens",  "and",   "check",
                                  "every",  "event",  "parsed", "cleanly", "by",    "clients"};
constexpr std::size_t filler_count = sizeof(filler) / sizeof(filler[0]);

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The JSON type a property schema asks for: its "type", or the first
// non-null one of a list of types; "" when none is given.
std::string type_of(const nlohmann::json& property) {
  if (!property.is_object()) return "";
  auto type = property.find("type");
  if (type == property.end()) return "";
  if (type->is_string()) return lower(type->get<std::string>());
  if (type->is_array())
    for (const auto& t : *type)
      if (t.is_string() && lower(t.get<std::string>()) != "null")
        return lower(t.get<std::string>());
  return "";
}

nlohmann::json value_for(const nlohmann::json& property) {
  if (property.is_object())
    if (auto choices = property.find("enum"); choices != property.end() && choices->is_array() &&
                                              !choices->empty() &&
                                              !choices->front().is_structured())
      return choices->front();
  const std::string type = type_of(property);
  if (type == "integer" || type == "number") return 1;
  if (type == "boolean") return true;
  if (type == "array") return nlohmann::json::array();
  if (type == "object") return nlohmann::json::object();
  if (type == "null") return nullptr;
  return "sim";
}

}  // namespace

std::string_view name_of(sim_format f) {
  switch (f) {
    case sim_format::openai:
      return "openai";
    case sim_format::anthropic:
      return "anthropic";
    case sim_format::gemini:
      return "gemini";
    case sim_format::ollama:
      return "ollama";
  }
  return "openai";
}

std::size_t sim_answer::pieces() const {
  return tool_calls.empty() ? static_cast<std::size_t>(completion_tokens) : tool_calls.size();
}

std::string sim_answer::token(std::size_t i) const {
  std::string word;
  switch (i) {
    case 0:
      word = "Simulated";
      break;
    case 1:
      word = "answer";
      break;
    case 2:
      word = std::to_string(index);
      break;
    case 3:
      word = "from";
      break;
    case 4:
      word = model;
      break;
    default:
      word = filler[(i * 7 + index) % filler_count];
  }
  return i == 0 ? word : " " + word;
}

std::string sim_answer::text() const {
  if (!tool_calls.empty()) return "";
  std::string out;
  for (std::size_t i = 0; i < pieces(); ++i)
    out += token(i);
  return out;
}

long long tokens_of_chars(std::size_t chars) {
  return std::max<long long>(1, static_cast<long long>(chars / 4));
}

std::size_t text_chars(const nlohmann::json& content) {
  if (content.is_string()) return content.get_ref<const std::string&>().size();
  std::size_t n = 0;
  if (content.is_array())
    for (const auto& part : content)
      if (part.is_object())
        if (auto text = part.find("text"); text != part.end() && text->is_string())
          n += text->get_ref<const std::string&>().size();
  return n;
}

long long estimate_prompt_tokens(const nlohmann::json& messages) {
  std::size_t chars = 0;
  if (messages.is_array())
    for (const auto& m : messages)
      if (m.is_object())
        if (auto content = m.find("content"); content != m.end()) chars += text_chars(*content);
  return tokens_of_chars(chars);
}

long long draw_completion_tokens(std::uint64_t seed, std::uint64_t request_index, double mean,
                                 std::optional<long long> max_tokens) {
  const double u = uniform_draw(seed, request_index, completion_stream);
  double tokens = std::ceil(-mean * std::log1p(-u));  // u < 1, so finite
  if (!std::isfinite(tokens) || tokens < 1) tokens = 1;
  auto n = tokens > 1e12 ? static_cast<long long>(1e12) : static_cast<long long>(tokens);
  if (max_tokens) n = std::min(n, std::max<long long>(1, *max_tokens));
  return n;
}

nlohmann::json arguments_for(const nlohmann::json& schema) {
  auto args = nlohmann::json::object();
  if (!schema.is_object()) return args;
  auto required = schema.find("required");
  if (required == schema.end() || !required->is_array()) return args;
  const auto properties = schema.find("properties");
  for (const auto& name : *required) {
    if (!name.is_string()) continue;
    const auto& key = name.get_ref<const std::string&>();
    nlohmann::json property;
    if (properties != schema.end() && properties->is_object())
      if (auto p = properties->find(key); p != properties->end()) property = *p;
    args[key] = value_for(property);
  }
  return args;
}

std::vector<sim_tool> plan_tool_calls(const sim_request& r) {
  const bool forced =
      r.tool_choice == sim_tool_choice::required || r.tool_choice == sim_tool_choice::named;
  if (r.tools.empty() || r.tool_choice == sim_tool_choice::none) return {};
  if (r.last_is_tool_result && !forced) return {};
  if (r.tool_choice == sim_tool_choice::named) {
    for (const auto& t : r.tools)
      if (t.name == r.tool_name) return {t};
    return {};
  }
  if (r.tools.size() >= 2 && r.parallel_tool_calls) return {r.tools[0], r.tools[1]};
  return {r.tools[0]};
}

sim_answer make_answer(const sim_request& r, const simulated_model& m, std::uint64_t seed,
                       std::uint64_t request_index, double output_tokens_mean, long long now_s) {
  sim_answer a;
  a.index = request_index;
  a.model = r.model;
  a.created_s = now_s;
  a.prompt_tokens = tokens_of_chars(r.prompt_chars);
  a.tool_calls = plan_tool_calls(r);
  if (!a.tool_calls.empty()) {
    std::size_t chars = 0;
    for (const auto& call : a.tool_calls)
      chars += call.name.size() + dump_json(call.arguments).size();
    a.completion_tokens = tokens_of_chars(chars);
    return a;
  }
  const long long wanted =
      m.output_tokens ? *m.output_tokens
                      : draw_completion_tokens(seed, request_index, output_tokens_mean, {});
  a.completion_tokens =
      r.max_tokens ? std::min(wanted, std::max<long long>(1, *r.max_tokens)) : wanted;
  a.truncated = a.completion_tokens < wanted;
  return a;
}

}  // namespace llmopt
