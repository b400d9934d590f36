#include "adapters/signals/error_detail.hpp"

#include <cstdio>
#include <cstdlib>

namespace llmopt {

using simdjson::dom::element;
using simdjson::dom::element_type;

std::string quote_for_detail(std::string_view value) {
  constexpr std::size_t max_shown = 48;
  std::string out = "\"";
  for (std::size_t i = 0; i < value.size() && i < max_shown; ++i) {
    auto c = static_cast<unsigned char>(value[i]);
    if (c == '"' || c == '\\') {
      out.append(1, '\\').append(1, static_cast<char>(c));
    } else if (c < 0x20 || c >= 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += value.size() > max_shown ? "\"..." : "\"";
  return out;
}

const char* json_type_name(element value) {
  switch (value.type()) {
    case element_type::ARRAY:
      return "array";
    case element_type::OBJECT:
      return "object";
    case element_type::INT64:
    case element_type::UINT64:
      return "integer";
    case element_type::DOUBLE:
      return "number";
    case element_type::STRING:
      return "string";
    case element_type::BOOL:
      return "boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "value";
}

std::string show_json_value(element value) {
  char buffer[40];
  switch (value.type()) {
    case element_type::INT64:
      std::snprintf(buffer, sizeof buffer, "%lld",
                    static_cast<long long>(value.get_int64().value_unsafe()));
      return buffer;
    case element_type::UINT64:
      std::snprintf(buffer, sizeof buffer, "%llu",
                    static_cast<unsigned long long>(value.get_uint64().value_unsafe()));
      return buffer;
    case element_type::DOUBLE: {
      // The shortest of 15 or 17 significant digits that reads back exactly.
      double number = value.get_double().value_unsafe();
      std::snprintf(buffer, sizeof buffer, "%.15g", number);
      if (std::strtod(buffer, nullptr) != number)
        std::snprintf(buffer, sizeof buffer, "%.17g", number);
      return buffer;
    }
    case element_type::STRING:
      return quote_for_detail(value.get_string().value_unsafe());
    default:
      return json_type_name(value);
  }
}

std::string expected_but_got(std::string_view expected, element value) {
  std::string out = "expected ";
  out.append(expected).append(", got ");
  if (value.type() == element_type::DOUBLE)
    out.append(show_json_value(value));
  else
    out.append(json_type_name(value));
  return out;
}

}  // namespace llmopt
