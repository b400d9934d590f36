#include "actors/cached_answer.hpp"

namespace llmopt {
namespace {

using json = nlohmann::json;

const json* member(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

const std::string* text_at(const json& object, const char* key) {
  const json* v = member(object, key);
  return v && v->is_string() ? &v->get_ref<const std::string&>() : nullptr;
}

json chunk_with(const json& completion, const std::string& id, long long created, json choices) {
  const json* model = member(completion, "model");
  return {{"id", id},
          {"object", "chat.completion.chunk"},
          {"created", created},
          {"model", model ? *model : json("model")},
          {"choices", std::move(choices)}};
}

json delta_choice(json delta, json finish_reason = nullptr) {
  return json::array(
      {{{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", std::move(finish_reason)}}});
}

}  // namespace

std::vector<json> chunks_of(const json& completion, const std::string& id, long long created) {
  std::vector<json> out;
  auto add = [&](json choices) { out.push_back(chunk_with(completion, id, created, choices)); };
  add(delta_choice({{"role", "assistant"}, {"content", ""}}));
  const json* choices = member(completion, "choices");
  const json* choice =
      choices && choices->is_array() && !choices->empty() ? &(*choices)[0] : nullptr;
  const json* message = choice ? member(*choice, "message") : nullptr;
  if (message) {
    if (const auto* content = text_at(*message, "content"); content && !content->empty())
      add(delta_choice({{"content", *content}}));
    if (const auto* refusal = text_at(*message, "refusal"); refusal && !refusal->empty())
      add(delta_choice({{"refusal", *refusal}}));
    if (const json* calls = member(*message, "tool_calls"); calls && calls->is_array())
      for (std::size_t i = 0; i < calls->size(); ++i) {
        json call = (*calls)[i];
        call["index"] = i;
        add(delta_choice({{"tool_calls", json::array({std::move(call)})}}));
      }
  }
  const json* finish = choice ? member(*choice, "finish_reason") : nullptr;
  add(delta_choice(json::object(), finish ? *finish : json("stop")));
  if (const json* usage = member(completion, "usage"); usage && usage->is_object()) {
    json last = chunk_with(completion, id, created, json::array());
    last["usage"] = *usage;
    out.push_back(std::move(last));
  }
  return out;
}

json renamed(json completion, const std::string& id, long long created) {
  completion["id"] = id;
  completion["created"] = created;
  return completion;
}

void completion_builder::add(const json& chunk) {
  if (!started_) {
    started_ = true;
    for (const char* key : {"id", "created", "model"})
      if (const json* v = member(chunk, key)) head_[key] = *v;
  }
  if (const json* usage = member(chunk, "usage"); usage && usage->is_object()) usage_ = *usage;
  const json* choices = member(chunk, "choices");
  if (!choices || !choices->is_array()) return;
  for (const auto& choice : *choices) {
    if (const json* delta = member(choice, "delta")) add_delta(*delta);
    if (const json* finish = member(choice, "finish_reason"); finish && !finish->is_null())
      finish_reason_ = *finish;
  }
}

void completion_builder::add_delta(const json& delta) {
  auto append = [this](std::string& to, const std::string* text) {
    if (!text) return;
    to += *text;
    bytes_ += text->size();
  };
  append(content_, text_at(delta, "content"));
  append(refusal_, text_at(delta, "refusal"));
  const json* calls = member(delta, "tool_calls");
  if (!calls || !calls->is_array()) return;
  for (const auto& call : *calls) {
    const json* index = member(call, "index");
    auto& into = tool_calls_[index && index->is_number_integer() ? index->get<long long>() : 0];
    if (const auto* id = text_at(call, "id")) into.id = *id;
    if (const json* function = member(call, "function")) {
      append(into.name, text_at(*function, "name"));
      append(into.arguments, text_at(*function, "arguments"));
    }
  }
}

json completion_builder::completion() const {
  json message = {{"role", "assistant"},
                  {"content", content_.empty() && !tool_calls_.empty() ? json() : json(content_)}};
  if (!refusal_.empty()) message["refusal"] = refusal_;
  if (!tool_calls_.empty()) {
    json calls = json::array();
    for (const auto& [index, call] : tool_calls_)
      calls.push_back({{"id", call.id},
                       {"type", "function"},
                       {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
    message["tool_calls"] = std::move(calls);
  }
  json out = head_;
  out["object"] = "chat.completion";
  out["choices"] =
      json::array({{{"index", 0},
                    {"message", std::move(message)},
                    {"finish_reason", finish_reason_.is_null() ? json("stop") : finish_reason_}}});
  if (!usage_.is_null()) out["usage"] = usage_;
  return out;
}

}  // namespace llmopt
