// Naming fields as an Anthropic client wrote them. A POST /v1/messages
// request is checked and served in llmopt's own (OpenAI) shape, so a refusal
// names a field of that shape ("messages[1].content[1]", "parallel_tool_calls");
// the client must be told the field of its own request. This replays how
// translate_conversation (anthropic_inbound_messages.cpp) laid the messages
// out, so the two must change together.

#include <cctype>
#include <vector>

#include "adapters/providers/anthropic_inbound.hpp"
#include "adapters/providers/anthropic_inbound_messages.hpp"

namespace llmopt::wire {
namespace {

using inbound::at;
using inbound::json;
using inbound::member;

// Where one chat message came from.
struct origin {
  std::string path;                // "system", "messages[3]" or a tool_result block
  bool whole = false;              // every field of it is the block at `path`
  std::vector<std::size_t> parts;  // content part index -> Anthropic block index
  std::vector<std::size_t> calls;  // tool_calls index -> Anthropic block index
};

bool is_type(const json& block, const char* type) {
  return block.is_object() && block.value("type", json()) == type;
}

void user_origins(const json& content, const std::string& path, std::vector<origin>& out) {
  if (!content.is_array()) return out.push_back({path, false, {}, {}});
  origin rest{path, false, {}, {}};
  bool had_tool_results = false;
  for (std::size_t k = 0; k < content.size(); ++k) {
    if (is_type(content[k], "tool_result")) {
      out.push_back({at(path + ".content", k), true, {}, {}});
      had_tool_results = true;
    } else {
      rest.parts.push_back(k);
    }
  }
  if (!rest.parts.empty() || !had_tool_results) out.push_back(std::move(rest));
}

void assistant_origin(const json& content, const std::string& path, std::vector<origin>& out) {
  origin o{path, false, {}, {}};
  if (content.is_array())
    for (std::size_t k = 0; k < content.size(); ++k)
      (is_type(content[k], "tool_use") ? o.calls : o.parts).push_back(k);
  out.push_back(std::move(o));
}

std::vector<origin> origins_of(const json& body) {
  std::vector<origin> out;
  if (const json* system = member(body, "system"))
    if ((system->is_string() && !system->get_ref<const std::string&>().empty()) ||
        (system->is_array() && !system->empty()))
      out.push_back({"system", true, {}, {}});
  const json* messages = member(body, "messages");
  if (!messages || !messages->is_array()) return out;
  for (std::size_t i = 0; i < messages->size(); ++i) {
    const json& m = (*messages)[i];
    if (!m.is_object()) continue;
    const json* content = member(m, "content");
    if (!content) continue;
    if (m.value("role", json()) == "assistant")
      assistant_origin(*content, at("messages", i), out);
    else
      user_origins(*content, at("messages", i), out);
  }
  return out;
}

// Reads "[N]" at the start of `rest`; advances past it.
std::optional<std::size_t> index_at(std::string_view& rest) {
  if (rest.size() < 3 || rest.front() != '[') return std::nullopt;
  std::size_t n = 0, i = 1;
  for (; i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i])); ++i)
    n = n * 10 + static_cast<std::size_t>(rest[i] - '0');
  if (i == 1 || i >= rest.size() || rest[i] != ']') return std::nullopt;
  rest.remove_prefix(i + 1);
  return n;
}

// "messages[J]REST" of the chat request, as the Anthropic request's field.
std::string message_field(const json& body, std::string_view rest) {
  auto j = index_at(rest);
  const auto origins = origins_of(body);
  if (!j || *j >= origins.size()) return "messages";
  const origin& o = origins[*j];
  if (o.whole) return o.path;
  for (const auto& [prefix, blocks] :
       {std::pair<std::string_view, const std::vector<std::size_t>*>{".content", &o.parts},
        {".tool_calls", &o.calls}}) {
    if (rest.substr(0, prefix.size()) != prefix) continue;
    std::string_view after = rest.substr(prefix.size());
    auto p = index_at(after);
    if (!p || *p >= blocks->size()) return o.path + ".content";
    return at(o.path + ".content", (*blocks)[*p]);
  }
  return o.path + std::string(rest);
}

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

std::string anthropic_field_of(const nlohmann::json& body, const std::string& chat_field) {
  if (!body.is_object()) return chat_field;
  if (starts_with(chat_field, "messages")) return message_field(body, chat_field.substr(8));
  if (starts_with(chat_field, "tools[")) {
    std::string_view rest = std::string_view(chat_field).substr(5);
    auto i = index_at(rest);
    if (!i) return "tools";
    if (rest.substr(0, 20) == ".function.parameters") return at("tools", *i) + ".input_schema";
    if (rest.substr(0, 9) == ".function") return at("tools", *i) + std::string(rest.substr(9));
    return at("tools", *i);
  }
  if (chat_field == "parallel_tool_calls") return "tool_choice.disable_parallel_tool_use";
  if (starts_with(chat_field, "tool_choice")) return "tool_choice";
  if (chat_field == "stop") return "stop_sequences";
  if (chat_field == "user") return "metadata.user_id";
  if (chat_field == "stream_options") return "stream";
  if (chat_field == "reasoning_effort") return "output_config.effort";
  if (starts_with(chat_field, "response_format"))
    return member(body, "output_format") ? "output_format" : "output_config.format";
  return chat_field;  // model, max_tokens, temperature, top_p, stream: the same names
}

}  // namespace llmopt::wire
