#include "config/field_check.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace llmopt::cfg {

namespace {

constexpr std::size_t max_shown_chars = 80;

error mismatch(const std::string& expected, const std::string& got) {
  return error{"config", "expected " + expected + ", got " + got};
}

std::string shown_string(const std::string& text, bool secret) {
  if (secret) return "a literal value";
  if (text.size() <= max_shown_chars) return render_string(text);
  return render_string(text.substr(0, max_shown_chars)) + "...";
}

bool in_bounds(const field_spec& spec, double value) {
  bool above_min = spec.min_exclusive ? value > spec.min : value >= spec.min;
  return above_min && value <= spec.max;
}

// Checks a value already converted to the field's kind.
result<setting_value> checked(const field_spec& spec, setting_value value, const std::string& got) {
  switch (spec.kind) {
    case value_kind::integer:
      if (!in_bounds(spec, static_cast<double>(std::get<long long>(value))))
        return mismatch(expectation(spec), got);
      break;
    case value_kind::number:
      if (!in_bounds(spec, std::get<double>(value))) return mismatch(expectation(spec), got);
      break;
    case value_kind::choice: {
      const auto& text = std::get<std::string>(value);
      if (std::find(spec.choices.begin(), spec.choices.end(), text) == spec.choices.end())
        return mismatch(expectation(spec), got);
      break;
    }
    case value_kind::text:
      if (spec.rule.accepts && !spec.rule.accepts(std::get<std::string>(value)))
        return mismatch(expectation(spec), got);
      break;
    case value_kind::boolean:
      break;
    case value_kind::text_list:
    case value_kind::text_map:
      LLMOPT_ASSERT(false);
  }
  return value;
}

// "password, secret or key.pem"
std::string either(const std::vector<std::string>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i)
    out += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") + words[i];
  return out;
}

bool contains_word(const std::string& name, const std::vector<std::string>& words) {
  std::string lower;
  for (char c : name)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& word : words)
    if (lower.find(word) != std::string::npos) return true;
  return false;
}

// The dotted name of the first value under a table written by mistake for a
// dotted name: sasl.username = "x" under [kafka.properties] is the table
// "sasl" holding "username".
std::string first_dotted_name(std::string name, const toml::table& table) {
  const toml::table* at = &table;
  while (at && !at->empty()) {
    auto first = at->begin();
    name += "." + std::string(first->first.str());
    at = first->second.as_table();
  }
  return name;
}

}  // namespace

std::string expectation(const field_spec& spec) {
  auto below = [&] {
    return spec.less_than.empty() ? std::string() : ", less than " + spec.less_than;
  };
  auto range = [&] {
    return std::string(spec.min_exclusive ? "(" : "[") + render_number(spec.min) + ", " +
           render_number(spec.max) + "]";
  };
  switch (spec.kind) {
    case value_kind::text:
      return spec.rule.expectation.empty() ? "a string" : std::string(spec.rule.expectation);
    case value_kind::integer:
      return "an integer in " + range() + below();
    case value_kind::number:
      return (std::isinf(spec.min) && std::isinf(spec.max) ? "a number"
                                                           : "a number in " + range()) +
             below();
    case value_kind::choice: {
      std::string out = "one of ";
      for (std::size_t i = 0; i < spec.choices.size(); ++i)
        out += (i ? ", " : "") + spec.choices[i];
      return out;
    }
    case value_kind::boolean:
      return "true or false";
    case value_kind::text_list:
      return "a non-empty array of " +
             std::string(spec.rule.plural.empty() ? "strings" : spec.rule.plural);
    case value_kind::text_map: {
      std::string out = "a table of names to strings, numbers or booleans";
      if (!spec.secret_words.empty())
        out += "; a name containing " + either(spec.secret_words) + " takes a ${NAME} reference";
      return out;
    }
  }
  return {};
}

std::string describe(const toml::node& node, bool secret) {
  switch (node.type()) {
    case toml::node_type::string:
      return shown_string(node.as_string()->get(), secret);
    case toml::node_type::integer:
      return secret ? "a literal value" : std::to_string(node.as_integer()->get());
    case toml::node_type::floating_point:
      return secret ? "a literal value" : render_number(node.as_floating_point()->get());
    case toml::node_type::boolean:
      return node.as_boolean()->get() ? "true" : "false";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

result<std::string> text_from_toml(const text_rule& rule, bool secret, const toml::node& node) {
  std::string expected = rule.expectation.empty() ? "a string" : std::string(rule.expectation);
  const auto* text = node.as_string();
  if (!text) return mismatch(expected, describe(node, secret));
  if (rule.accepts && !rule.accepts(text->get())) return mismatch(expected, describe(node, secret));
  return text->get();
}

result<std::string> entry_from_toml(const field_spec& spec, const std::string& name,
                                    const toml::node& node) {
  LLMOPT_ASSERT(spec.kind == value_kind::text_map);
  if (contains_word(name, spec.secret_words)) return text_from_toml(secret_reference, true, node);
  switch (node.type()) {
    case toml::node_type::string:
      return text_from_toml(spec.rule, false, node);
    case toml::node_type::integer:
      return std::to_string(node.as_integer()->get());
    case toml::node_type::floating_point:
      if (std::isfinite(node.as_floating_point()->get()))
        return render_number(node.as_floating_point()->get());
      break;
    case toml::node_type::boolean:
      return std::string(node.as_boolean()->get() ? "true" : "false");
    case toml::node_type::table:
      return mismatch("a string, number or boolean",
                      "a table; write a dotted name in quotes: " +
                          render_string(first_dotted_name(name, *node.as_table())) + " = ...");
    default:
      break;
  }
  return mismatch("a string, number or boolean", describe(node, false));
}

result<setting_value> scalar_from_toml(const field_spec& spec, const toml::node& node) {
  LLMOPT_ASSERT(spec.kind != value_kind::text_list && spec.kind != value_kind::text_map);
  std::string got = describe(node, spec.secret);
  switch (spec.kind) {
    case value_kind::integer:
      if (const auto* i = node.as_integer())
        return checked(spec, static_cast<long long>(i->get()), got);
      break;
    case value_kind::number:
      if (const auto* i = node.as_integer())
        return checked(spec, static_cast<double>(i->get()), got);
      if (const auto* d = node.as_floating_point()) return checked(spec, d->get(), got);
      break;
    case value_kind::boolean:
      if (const auto* b = node.as_boolean()) return checked(spec, b->get(), got);
      break;
    default:
      if (const auto* s = node.as_string()) return checked(spec, s->get(), got);
      break;
  }
  return mismatch(expectation(spec), got);
}

result<setting_value> scalar_from_text(const field_spec& spec, const std::string& text) {
  LLMOPT_ASSERT(spec.kind != value_kind::text_list && spec.kind != value_kind::text_map);
  std::string got = shown_string(text, spec.secret);
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (spec.kind == value_kind::integer) {
    long long value = 0;
    auto [end, ec] = std::from_chars(first, last, value);
    if (text.empty() || ec != std::errc{} || end != last) return mismatch(expectation(spec), got);
    return checked(spec, value, got);
  }
  if (spec.kind == value_kind::number) {
    double value = 0;
    auto [end, ec] = std::from_chars(first, last, value);
    if (text.empty() || ec != std::errc{} || end != last || !std::isfinite(value))
      return mismatch(expectation(spec), got);
    return checked(spec, value, got);
  }
  if (spec.kind == value_kind::boolean) {
    if (text != "true" && text != "false") return mismatch(expectation(spec), got);
    return checked(spec, text == "true", got);
  }
  return checked(spec, text, got);
}

}  // namespace llmopt::cfg
