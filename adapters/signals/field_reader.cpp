#include "adapters/signals/field_reader.hpp"

#include <cmath>

#include "adapters/signals/dead_letter.hpp"
#include "adapters/signals/error_detail.hpp"
#include "adapters/signals/timestamp.hpp"

namespace llmopt {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Integers up to 2^53 are exact in a double.
constexpr double max_exact_integer = 9007199254740992.0;

const char* domain_text(number_domain domain) {
  switch (domain) {
    case number_domain::finite:
      return "a finite number";
    case number_domain::non_negative:
      return "a number >= 0";
    case number_domain::duration_ms:
      return "a duration in ms in [0, 86400000] (a day)";
    case number_domain::unit_interval:
      return "a number in [0, 1]";
    case number_domain::rating:
      return "a number in [1, 5]";
  }
  return "a number";
}

bool in_domain(double v, number_domain domain) {
  if (!std::isfinite(v)) return false;
  switch (domain) {
    case number_domain::finite:
      return true;
    case number_domain::non_negative:
      return v >= 0;
    case number_domain::duration_ms:
      return v >= 0 && v <= max_duration_ms;
    case number_domain::unit_interval:
      return v >= 0 && v <= 1;
    case number_domain::rating:
      return v >= 1 && v <= 5;
  }
  return false;
}

}  // namespace

field_reader::field_reader(simdjson::dom::object object, std::optional<error>& first_error,
                           std::string_view name)
    : object_(object), first_error_(&first_error), name_(name) {}

field_reader::field_reader(simdjson::dom::object object, const field_reader& parent,
                           std::string_view name, long index)
    : object_(object),
      first_error_(parent.first_error_),
      parent_(&parent),
      name_(name),
      index_(index) {}

// -- lookup ---------------------------------------------------------------------

std::optional<field_reader::found> field_reader::find(std::string_view name) const {
  for (auto field : object_) {
    if (same_field(name, field.key)) {
      if (field.value.is_null()) return std::nullopt;
      return found{field.value, field.key};
    }
  }
  return std::nullopt;
}

std::optional<field_reader::found> field_reader::require(std::string_view name) {
  if (failed()) return std::nullopt;
  auto f = find(name);
  if (!f) fail(dead_letter::missing_field, name, "missing");
  return f;
}

bool field_reader::has(std::string_view name) const {
  return find(name).has_value();
}

// -- conversions of a present field ---------------------------------------------

std::string_view field_reader::text_of(const found& f) {
  std::string_view value;
  if (f.value.get_string().get(value)) fail_type(f.key, "a string", f.value);
  return value;
}

double field_reader::number_of(const found& f, number_domain domain) {
  double value = 0;
  if (f.value.get_double().get(value)) {
    fail_type(f.key, "a number", f.value);
    return 0;
  }
  if (!in_domain(value, domain)) {
    fail(dead_letter::out_of_range, f.key,
         std::string("expected ") + domain_text(domain) + ", got " + show_json_value(f.value));
    return 0;
  }
  return value;
}

long long field_reader::count_of(const found& f) {
  long long value = 0;
  switch (f.value.type()) {
    case element_type::INT64:
      value = f.value.get_int64().value_unsafe();
      break;
    case element_type::UINT64:
      fail(dead_letter::out_of_range, f.key,
           "expected an integer >= 0 below 2^63, got " + show_json_value(f.value));
      return 0;
    case element_type::DOUBLE: {
      double d = f.value.get_double().value_unsafe();
      if (d != std::floor(d) || std::fabs(d) > max_exact_integer) {
        fail_type(f.key, "an integer", f.value);
        return 0;
      }
      value = static_cast<long long>(d);
      break;
    }
    default:
      fail_type(f.key, "an integer", f.value);
      return 0;
  }
  if (value < 0) {
    fail(dead_letter::out_of_range, f.key,
         "expected an integer >= 0, got " + show_json_value(f.value));
    return 0;
  }
  return value;
}

time_ms field_reader::time_of(const found& f) {
  std::string_view text_value;
  if (!f.value.get_string().get(text_value)) {
    if (auto parsed = parse_rfc3339(text_value)) return *parsed;
  } else if (f.value.type() == element_type::INT64) {
    long long ms = f.value.get_int64().value_unsafe();
    if (ms >= 0 && ms <= max_epoch_ms) return ms;
  } else if (f.value.type() == element_type::DOUBLE) {
    double ms = f.value.get_double().value_unsafe();
    if (ms >= 0 && ms <= static_cast<double>(max_epoch_ms) && ms == std::floor(ms))
      return static_cast<time_ms>(ms);
  }
  fail(dead_letter::bad_timestamp, f.key,
       "expected an RFC 3339 date-time or epoch milliseconds, got " + show_json_value(f.value));
  return 0;
}

// -- public reads ---------------------------------------------------------------

std::string_view field_reader::text(std::string_view name) {
  auto f = require(name);
  if (!f) return {};
  std::string_view value = text_of(*f);
  if (value.empty() && !failed()) fail(dead_letter::missing_field, f->key, "empty string");
  return value;
}

std::string_view field_reader::optional_text(std::string_view name) {
  if (failed()) return {};
  auto f = find(name);
  return f ? text_of(*f) : std::string_view{};
}

double field_reader::number(std::string_view name, number_domain domain) {
  auto f = require(name);
  return f ? number_of(*f, domain) : 0;
}

std::optional<double> field_reader::optional_number(std::string_view name, number_domain domain) {
  if (failed()) return std::nullopt;
  auto f = find(name);
  if (!f) return std::nullopt;
  double value = number_of(*f, domain);
  return failed() ? std::nullopt : std::optional<double>{value};
}

long long field_reader::count(std::string_view name) {
  auto f = require(name);
  return f ? count_of(*f) : 0;
}

std::optional<long long> field_reader::optional_count(std::string_view name) {
  if (failed()) return std::nullopt;
  auto f = find(name);
  if (!f) return std::nullopt;
  long long value = count_of(*f);
  return failed() ? std::nullopt : std::optional<long long>{value};
}

std::optional<bool> field_reader::optional_flag(std::string_view name) {
  if (failed()) return std::nullopt;
  auto f = find(name);
  if (!f) return std::nullopt;
  bool value = false;
  if (f->value.get_bool().get(value)) {
    fail_type(f->key, "a boolean", f->value);
    return std::nullopt;
  }
  return value;
}

time_ms field_reader::time(std::string_view name) {
  auto f = require(name);
  return f ? time_of(*f) : 0;
}

std::optional<time_ms> field_reader::optional_time(std::string_view name) {
  if (failed()) return std::nullopt;
  auto f = find(name);
  if (!f) return std::nullopt;
  time_ms value = time_of(*f);
  return failed() ? std::nullopt : std::optional<time_ms>{value};
}

std::string_view field_reader::enum_text(std::string_view name, std::string_view& wire_key) {
  auto f = require(name);
  if (!f) return {};
  wire_key = f->key;
  std::string_view value;
  if (f->value.get_string().get(value)) fail_type(f->key, "a string", f->value);
  return value;
}

std::optional<field_reader> field_reader::object(std::string_view name) {
  if (failed()) return std::nullopt;
  auto f = find(name);
  if (!f) return std::nullopt;
  simdjson::dom::object nested;
  if (f->value.get_object().get(nested)) {
    fail_type(f->key, "an object", f->value);
    return std::nullopt;
  }
  return field_reader{nested, *this, f->key, -1};
}

bool field_reader::array(std::string_view name, simdjson::dom::array& out,
                         std::string_view& wire_key) {
  if (failed()) return false;
  auto f = find(name);
  if (!f) return false;
  wire_key = f->key;
  if (f->value.get_array().get(out)) {
    fail_type(f->key, "an array", f->value);
    return false;
  }
  return true;
}

std::vector<std::string> field_reader::strings(std::string_view name) {
  std::vector<std::string> out;
  simdjson::dom::array items;
  std::string_view key;
  if (!array(name, items, key)) return out;
  long index = 0;
  for (element item : items) {
    std::string_view value;
    if (item.get_string().get(value)) {
      fail_item_type(key, index, "a string", item);
      return {};
    }
    out.emplace_back(value);
    ++index;
  }
  return out;
}

// -- errors ---------------------------------------------------------------------

void field_reader::fail(std::string_view code, std::string_view field, std::string_view what) {
  if (failed()) return;
  std::string detail;
  append_path(detail);
  if (!detail.empty() && !field.empty()) detail += '.';
  detail.append(field);
  if (!detail.empty()) detail.append(": ");
  detail.append(what);
  *first_error_ = error{std::string(code), std::move(detail)};
}

void field_reader::fail_type(std::string_view field, std::string_view expected, element got) {
  fail(dead_letter::wrong_type, field, expected_but_got(expected, got));
}

void field_reader::fail_item_type(std::string_view field, long index, std::string_view expected,
                                  element got) {
  std::string indexed{field};
  indexed.append("[").append(std::to_string(index)).append("]");
  fail_type(indexed, expected, got);
}

void field_reader::fail_unknown_enum(std::string_view field, std::string_view value) {
  fail(dead_letter::unknown_enum, field, "unknown value " + quote_for_detail(value));
}

void field_reader::append_path(std::string& out) const {
  if (parent_) parent_->append_path(out);
  if (name_.empty()) return;
  if (!out.empty()) out += '.';
  out.append(name_);
  if (index_ >= 0) out.append("[").append(std::to_string(index_)).append("]");
}

std::optional<std::string_view> field_reader::to_lower(std::string_view s, char (&buffer)[32]) {
  if (s.size() > sizeof buffer) return std::nullopt;
  bool changed = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
      changed = true;
    }
    buffer[i] = c;
  }
  if (!changed) return std::nullopt;
  return std::string_view{buffer, s.size()};
}

}  // namespace llmopt
