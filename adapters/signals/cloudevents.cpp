#include "adapters/signals/cloudevents.hpp"

#include <string>

#include "adapters/signals/dead_letter.hpp"
#include "adapters/signals/error_detail.hpp"

namespace llmopt {
namespace {

error bad_envelope(std::string_view attribute, std::string_view what) {
  std::string detail{attribute};
  detail.append(": ").append(what);
  return error{std::string(dead_letter::bad_envelope), std::move(detail)};
}

// An optional string attribute; false (and `out` untouched) if present with
// another type.
bool optional_string(simdjson::dom::object message, std::string_view name, std::string_view& out) {
  simdjson::dom::element value;
  if (message.at_key(name).get(value) || value.is_null()) return true;
  return !value.get_string().get(out);
}

// application/json, text/json, or any "+json" structured suffix, with
// optional parameters ("; charset=utf-8").
bool is_json_content_type(std::string_view type) {
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ')
    type.remove_suffix(1);
  auto ends_with = [&](std::string_view suffix) {
    return type.size() >= suffix.size() &&
           type.compare(type.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return type == "application/json" || type == "text/json" || ends_with("+json");
}

}  // namespace

bool is_cloudevent(simdjson::dom::object message) {
  simdjson::dom::element ignored;
  return !message.at_key("specversion").get(ignored);
}

result<cloudevent> open_cloudevent(simdjson::dom::object message) {
  simdjson::dom::element version = message.at_key("specversion").value_unsafe();
  std::string_view version_text;
  if (version.get_string().get(version_text) || version_text != "1.0")
    return bad_envelope("specversion", "expected \"1.0\", got " + show_json_value(version));

  cloudevent event;
  simdjson::dom::element data;
  if (message.at_key("data").get(data) || data.is_null()) {
    simdjson::dom::element ignored;
    if (!message.at_key("data_base64").get(ignored))
      return bad_envelope("data_base64", "binary data is not supported, expected data");
    return bad_envelope("data", "missing");
  }
  if (data.get_object().get(event.data))
    return bad_envelope("data", expected_but_got("an object", data));

  std::string_view type, content_type;
  if (!optional_string(message, "id", event.defaults.id))
    return bad_envelope("id", "expected a string");
  if (!optional_string(message, "type", type)) return bad_envelope("type", "expected a string");
  if (!optional_string(message, "datacontenttype", content_type))
    return bad_envelope("datacontenttype", "expected a string");
  if (!content_type.empty() && !is_json_content_type(content_type))
    return bad_envelope("datacontenttype", "not JSON: " + quote_for_detail(content_type));
  event.family = topic_named_by_event_type(type);

  std::optional<error> time_error;
  field_reader envelope{message, time_error};
  event.defaults.time = envelope.optional_time("time");
  if (time_error) return std::move(*time_error);
  return event;
}

}  // namespace llmopt
