#include "adapters/providers/gemini_wire.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <iterator>
#include <limits>

#include "adapters/providers/gemini_candidate.hpp"
#include "adapters/providers/gemini_contents.hpp"

// Gemini's own API (Gemini API reference: models.generateContent, and
// models.streamGenerateContent with alt=sse; base URL .../v1beta). The key
// travels in x-goog-api-key, which the transport adds.
//
// JSON Schemas (tool parameters, a json_schema response format) go as
// parametersJsonSchema and responseJsonSchema, which take JSON Schema as the
// client wrote it, not as parameters / responseSchema, which take an OpenAPI
// subset: converting would lose what the subset lacks ($ref, anyOf,
// additionalProperties, ...) and walk the client's schema recursively.

namespace llmopt::wire {
namespace {

using json = nlohmann::json;

constexpr long long int32_min = std::numeric_limits<std::int32_t>::min();
constexpr long long int32_max = std::numeric_limits<std::int32_t>::max();

error unsupported(std::string field, std::string detail) {
  return error{"unsupported", std::move(detail), std::move(field)};
}

error bad_reply(std::string detail) {
  return error{"bad_reply", std::move(detail)};
}

// Top-level fields translated below (a line per concern).
bool is_translated(std::string_view key) {
  // clang-format off
  static constexpr std::string_view keys[] = {
      "model", "messages", "stream", "stream_options",
      "temperature", "top_p", "presence_penalty", "frequency_penalty", "seed", "n", "stop",
      "max_tokens", "max_completion_tokens", "reasoning_effort",
      "logprobs", "top_logprobs", "logit_bias", "modalities", "response_format",
      "tools", "tool_choice", "parallel_tool_calls"};
  // clang-format on
  return std::find(std::begin(keys), std::end(keys), key) != std::end(keys);
}

// Top-level fields that tell the model nothing and have no place in Gemini's
// request: left out, and reported in upstream_request::dropped.
bool is_advisory(std::string_view key) {
  static constexpr std::string_view keys[] = {
      "user", "metadata", "store", "service_tier", "prompt_cache_key", "safety_identifier"};
  return std::find(std::begin(keys), std::end(keys), key) != std::end(keys);
}

// "/models/NAME:generateContent"; a name already in resource form
// ("models/...", "tunedModels/...") is not prefixed again.
result<std::string> path_for(const std::string& model, bool stream) {
  const bool name_ok = !model.empty() && std::all_of(model.begin(), model.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
           c == '/';
  });
  if (!name_ok)
    return unsupported("model", "'" + excerpt(model, 100) + "' is not a Gemini model name");
  const bool resource = model.rfind("models/", 0) == 0 || model.rfind("tunedModels/", 0) == 0;
  return "/" + (resource ? model : "models/" + model) +
         (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
}

// One chat request as a GenerateContentRequest.
class request_translator {
 public:
  explicit request_translator(const chat_request& request)
      : request_(request), body_(request.body) {}

  result<json> run(std::vector<std::string>& dropped) {
    if (auto err = top_level(dropped)) return *err;
    auto messages = gemini::translate_messages(body_["messages"]);
    if (!messages) return messages.err();
    if (!messages->system_parts.empty())
      out_["systemInstruction"] = {{"parts", std::move(messages->system_parts)}};
    out_["contents"] = std::move(messages->contents);
    dropped.insert(dropped.end(), messages->dropped.begin(), messages->dropped.end());
    if (messages->media_resolution) config_["mediaResolution"] = *messages->media_resolution;
    if (auto err = sampling()) return *err;
    if (auto err = logprobs()) return *err;
    if (auto err = switches()) return *err;
    if (auto err = tools()) return *err;
    if (auto err = tool_choice()) return *err;
    if (auto err = reasoning()) return *err;
    if (auto err = response_format(dropped)) return *err;
    if (!config_.empty()) out_["generationConfig"] = std::move(config_);
    return std::move(out_);
  }

 private:
  // Unknown fields are refused; null ones say nothing and are ignored.
  std::optional<error> top_level(std::vector<std::string>& dropped) const {
    for (const auto& [key, value] : body_.items()) {
      if (value.is_null() || is_translated(key)) continue;
      if (!is_advisory(key))
        return unsupported(
            key, "'" + excerpt(key, 60) + "' has no equivalent in Gemini's generateContent");
      dropped.push_back(key);
    }
    return std::nullopt;
  }

  const json* member(const char* key) const {
    auto it = body_.find(key);
    return it == body_.end() || it->is_null() ? nullptr : &*it;
  }

  std::optional<error> sampling() {
    for (auto [openai, gemini] : {std::pair{"temperature", "temperature"},
                                  {"top_p", "topP"},
                                  {"presence_penalty", "presencePenalty"},
                                  {"frequency_penalty", "frequencyPenalty"}})
      if (const json* value = member(openai)) config_[gemini] = *value;
    if (request_.max_output_tokens) {
      if (*request_.max_output_tokens > int32_max)
        return unsupported(member("max_completion_tokens") ? "max_completion_tokens" : "max_tokens",
                           "Gemini's maxOutputTokens is a 32-bit integer");
      config_["maxOutputTokens"] = *request_.max_output_tokens;
    }
    if (const json* seed = member("seed")) {
      const long long value = seed->get<long long>();
      if (seed->is_number_unsigned() ? seed->get<unsigned long long>() > int32_max
                                     : value < int32_min || value > int32_max)
        return unsupported("seed", "Gemini's seed is a 32-bit integer");
      config_["seed"] = value;
    }
    if (const json* n = member("n"); n && n->get<long long>() > 1) config_["candidateCount"] = *n;
    if (const json* stop = member("stop"))
      config_["stopSequences"] = stop->is_string() ? json::array({*stop}) : *stop;
    return std::nullopt;
  }

  std::optional<error> logprobs() {
    const json* wanted = member("logprobs");
    const json* top = member("top_logprobs");
    const long long top_n = top ? top->get<long long>() : 0;
    if (!wanted || !wanted->get<bool>()) {
      if (top_n > 0) return unsupported("top_logprobs", "top_logprobs needs logprobs: true");
      return std::nullopt;
    }
    config_["responseLogprobs"] = true;
    if (top_n > 0) config_["logprobs"] = top_n;
    return std::nullopt;
  }

  // Parameters Gemini has no switch for, accepted at their no-op values.
  std::optional<error> switches() {
    if (const json* bias = member("logit_bias"); bias && !bias->empty())
      return unsupported("logit_bias", "Gemini has no logit bias");
    if (const json* parallel = member("parallel_tool_calls"); parallel && !parallel->get<bool>())
      return unsupported("parallel_tool_calls",
                         "Gemini may call several functions at once and has no switch against it");
    if (const json* modalities = member("modalities");
        modalities && *modalities != json::array({"text"}))
      return unsupported("modalities", "llmopt asks Gemini for text only");
    return std::nullopt;
  }

  std::optional<error> tools() {
    const json* tools = member("tools");
    if (!tools || tools->empty()) return std::nullopt;
    json declarations = json::array();
    for (std::size_t i = 0; i < tools->size(); ++i) {
      const json& tool = (*tools)[i];
      if (tool["type"] != "function")
        return unsupported("tools[" + std::to_string(i) + "].type",
                           "Gemini's function declarations are functions only");
      const json& function = tool["function"];
      json declaration{{"name", function["name"]}};
      if (auto it = function.find("description"); it != function.end())
        declaration["description"] = *it;
      if (auto it = function.find("parameters"); it != function.end())
        declaration["parametersJsonSchema"] = *it;
      if (auto it = function.find("strict"); it != function.end() && it->get<bool>())
        strict_tools_ = true;
      declarations.push_back(std::move(declaration));
    }
    out_["tools"] = json::array({{{"functionDeclarations", std::move(declarations)}}});
    return std::nullopt;
  }

  // tool_choice as FunctionCallingConfig.mode. A strict function asks for
  // calls that match its schema: VALIDATED is AUTO with calls checked by
  // constrained decoding, ANY constrains calls always.
  std::optional<error> tool_choice() {
    const json* choice = member("tool_choice");
    json config;
    if (!choice) {
      if (!strict_tools_) return std::nullopt;
      config["mode"] = "VALIDATED";
    } else if (*choice == "none") {
      config["mode"] = "NONE";
    } else if (*choice == "auto") {
      config["mode"] = strict_tools_ ? "VALIDATED" : "AUTO";
    } else if (*choice == "required") {
      config["mode"] = "ANY";
    } else {
      config["mode"] = "ANY";
      config["allowedFunctionNames"] = json::array({(*choice)["function"]["name"]});
    }
    out_["toolConfig"] = {{"functionCallingConfig", std::move(config)}};
    return std::nullopt;
  }

  // reasoning_effort as ThinkingConfig.thinkingLevel, which Gemini 3 models
  // take (Gemini 2.5 models take a thinkingBudget instead and refuse it).
  std::optional<error> reasoning() {
    const json* effort = member("reasoning_effort");
    if (!effort) return std::nullopt;
    for (auto [openai, level] :
         {std::pair{"minimal", "MINIMAL"}, {"low", "LOW"}, {"medium", "MEDIUM"}, {"high", "HIGH"}})
      if (*effort == openai) {
        config_["thinkingConfig"] = {{"thinkingLevel", level}};
        return std::nullopt;
      }
    return unsupported("reasoning_effort",
                       "Gemini's thinking levels are minimal, low, medium and high");
  }

  std::optional<error> response_format(std::vector<std::string>& dropped) {
    const json* format = member("response_format");
    if (!format || (*format)["type"] == "text") return std::nullopt;
    config_["responseMimeType"] = "application/json";
    if ((*format)["type"] == "json_object") return std::nullopt;
    const json& spec = (*format)["json_schema"];
    auto schema = spec.find("schema");
    if (auto description = spec.find("description"); description != spec.end()) {
      // The schema's own description is where Gemini reads what the answer is for.
      if (schema == spec.end() || schema->contains("description"))
        return unsupported("response_format.json_schema.description",
                           "Gemini has no place for a response format's description beside "
                           "its schema's own");
      config_["responseJsonSchema"] = *schema;
      config_["responseJsonSchema"]["description"] = *description;
    } else if (schema != spec.end()) {
      config_["responseJsonSchema"] = *schema;
    }
    dropped.push_back("response_format.json_schema.name");  // a label Gemini has no place for
    return std::nullopt;
  }

  const chat_request& request_;
  const json& body_;
  json out_ = json::object();
  json config_ = json::object();  // generationConfig
  bool strict_tools_ = false;     // some function asks for strict schema adherence
};

// One Candidate as an OpenAI choice.
result<json> choice_of(const json& candidate, std::size_t index, const std::string& call_id_base) {
  if (!candidate.is_object()) return bad_reply("a candidate is not an object");
  auto output = gemini::read_candidate(candidate, call_id_base, 0);
  if (!output) return output.err();
  std::string reason = "STOP";  // a whole reply without one has stopped
  if (auto it = candidate.find("finishReason"); it != candidate.end() && it->is_string())
    reason = it->get<std::string>();
  auto logprobs = gemini::logprobs_of(candidate);
  if (!logprobs) return logprobs.err();
  json message{{"role", "assistant"},
               {"content", output->text ? json(*output->text) : json(nullptr)}};
  if (!output->tool_calls.empty()) message["tool_calls"] = output->tool_calls;
  json choice{{"index", index},
              {"message", std::move(message)},
              {"finish_reason", gemini::finish_reason_of(reason, !output->tool_calls.empty())}};
  if (!logprobs->is_null()) choice["logprobs"] = std::move(*logprobs);
  return choice;
}

std::string string_or(const json& object, const char* key, const std::string& fallback) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() && !it->get_ref<const std::string&>().empty()
             ? it->get<std::string>()
             : fallback;
}

}  // namespace

result<upstream_request> gemini_request(const chat_request& request, const std::string& model) {
  upstream_request out;
  auto path = path_for(model, request.stream);
  if (!path) return path.err();
  auto body = request_translator(request).run(out.dropped);
  if (!body) return body.err();
  out.path = std::move(*path);
  out.body = dump_json(*body);
  return out;
}

// A reply without candidates is a blocked prompt when promptFeedback gives
// a blockReason: one choice, content null, finish_reason content_filter.
result<chat_completion> gemini_reply(std::string_view text, const reply_context& ctx) {
  auto parsed = parse_reply_json(text);
  if (!parsed) return parsed.err();
  const json& reply = *parsed;
  if (!reply.is_object()) return bad_reply("the reply is not a JSON object");
  auto candidates = reply.find("candidates");
  if (candidates != reply.end() && !candidates->is_null() && !candidates->is_array())
    return bad_reply("the reply's candidates is not an array");
  json choices = json::array();
  if (candidates == reply.end() || candidates->is_null() || candidates->empty()) {
    if (!gemini::prompt_blocked(reply))
      return bad_reply("the reply has no candidates: " + excerpt(text));
    choices.push_back({{"index", 0},
                       {"message", {{"role", "assistant"}, {"content", nullptr}}},
                       {"finish_reason", "content_filter"}});
  } else {
    for (std::size_t i = 0; i < candidates->size(); ++i) {
      auto choice = choice_of((*candidates)[i], i, ctx.fallback_id);
      if (!choice) return choice.err();
      choices.push_back(std::move(*choice));
    }
  }
  chat_completion out;
  out.body = {{"id", string_or(reply, "responseId", ctx.fallback_id)},
              {"object", "chat.completion"},
              {"created", ctx.created},
              {"model", string_or(reply, "modelVersion", ctx.model)},
              {"choices", std::move(choices)}};
  if (auto usage = gemini::usage_of(reply)) {
    out.usage = usage->tokens;
    out.body["usage"] = gemini::usage_json(*usage);
  }
  return out;
}

}  // namespace llmopt::wire
