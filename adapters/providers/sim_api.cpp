#include "adapters/providers/sim_api.hpp"

#include "adapters/providers/bounded_json.hpp"

namespace llmopt {

const sim_api& api_of(sim_format f) {
  switch (f) {
    case sim_format::openai:
      return openai_api();
    case sim_format::anthropic:
      return anthropic_api();
    case sim_format::gemini:
      return gemini_api();
    case sim_format::ollama:
      return ollama_api();
  }
  return openai_api();
}

error bad_field(const std::string& field, const std::string& what) {
  return error{"invalid_request", field + ": " + what, field};
}

const nlohmann::json* member(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

status read_bool(const nlohmann::json& obj, const char* key, const std::string& field, bool& out) {
  const auto* value = member(obj, key);
  if (!value) return ok_status();
  if (!value->is_boolean()) return bad_field(field, "expected a boolean");
  out = value->get<bool>();
  return ok_status();
}

status read_positive_int(const nlohmann::json& obj, const char* key, const std::string& field,
                         std::optional<long long>& out) {
  const auto* value = member(obj, key);
  if (!value) return ok_status();
  // A JSON integer beyond long long parses as unsigned or float: refused too.
  if (!value->is_number_integer() ||
      (value->is_number_unsigned() && value->get<std::uint64_t>() > 1000000000000ULL))
    return bad_field(field, "expected an integer >= 1");
  const auto n = value->get<long long>();
  if (n < 1) return bad_field(field, "expected an integer >= 1");
  out = n;
  return ok_status();
}

http::response json_reply(int status, const nlohmann::json& body, std::string content_type) {
  http::response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = dump_json(body);
  return r;
}

std::string sse_event(std::string_view name, const nlohmann::json& data) {
  std::string out;
  if (!name.empty()) out.append("event: ").append(name).append("\n");
  return out.append("data: ").append(dump_json(data)).append("\n\n");
}

}  // namespace llmopt
