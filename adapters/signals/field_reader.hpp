#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "decision/model_key.hpp"
#include "decision/result.hpp"

namespace llmopt {

// A latency or span longer than a day is no call's: a unit or clock error,
// which would swamp a model's mean latency.
inline constexpr double max_duration_ms = 86'400'000;

// The domain of a number field. A value outside it is out_of_range, and the
// error detail states the domain.
enum class number_domain {
  finite,         // any finite number
  non_negative,   // >= 0: costs, counts of things
  duration_ms,    // [0, 1 day] in milliseconds: latencies, span durations
  unit_interval,  // [0, 1]: probabilities, confidences, scores
  rating          // [1, 5]: star ratings
};

// Reads the fields of one JSON object on behalf of an adapter.
//
// Names: each field is named once, in camelCase; a lookup also accepts its
// snake_case spelling ("p95Ms" finds "p95Ms" or "p95_ms"). When a field
// occurs more than once (duplicate keys, or both spellings) the first in
// document order wins. JSON null counts as absent.
//
// Errors are sticky: the first failure is stored in the error slot shared by
// a root reader and its nested readers, and every later read returns a
// default without looking. An adapter reads all its fields in order, then
// its caller checks the slot once. Error codes are the dead_letter reasons;
// the detail starts with the field's path as spelled on the wire, e.g.
// "data.metadata.route: expected a string, got integer".
//
// Strings returned as views point into the simdjson document: valid until
// the parser that produced it parses again. Not thread-safe.
class field_reader {
 public:
  // A reader of a top-level object. `first_error` must outlive this reader
  // and its nested readers. `name` prefixes every path in error details
  // ("data" for a CloudEvents payload; empty for a bare object).
  field_reader(simdjson::dom::object object, std::optional<error>& first_error,
               std::string_view name = {});

  // True once any read through this reader or a related one has failed.
  bool failed() const { return first_error_->has_value(); }

  // True if the field is present and not null. Never fails.
  bool has(std::string_view name) const;

  // A required non-empty string (missing_field if absent or "").
  std::string_view text(std::string_view name);
  // An optional string; "" when absent (or present and empty).
  std::string_view optional_text(std::string_view name);

  double number(std::string_view name, number_domain domain);
  std::optional<double> optional_number(std::string_view name, number_domain domain);

  // A count: an integer >= 0 (a float with an integral value is accepted;
  // a fractional one is wrong_type, a negative one out_of_range).
  long long count(std::string_view name);
  std::optional<long long> optional_count(std::string_view name);

  std::optional<bool> optional_flag(std::string_view name);

  // A timestamp: an RFC 3339 string or integer epoch milliseconds in
  // [0, max_epoch_ms]. Any other value, of any type, is bad_timestamp.
  time_ms time(std::string_view name);
  std::optional<time_ms> optional_time(std::string_view name);

  // A required enumeration value. `parse` is tried on the string as given,
  // then on its ASCII lower-case form ("Critical" → "critical").
  template <class E>
  E enumeration(std::string_view name, std::optional<E> (*parse)(std::string_view)) {
    std::string_view wire_key = name;
    std::string_view value = enum_text(name, wire_key);
    if (failed()) return E{};
    if (auto parsed = parse(value)) return *parsed;
    char lower[32];
    if (auto folded = to_lower(value, lower))
      if (auto parsed = parse(*folded)) return *parsed;
    fail_unknown_enum(wire_key, value);
    return E{};
  }

  // A nested object as a reader: nullopt when absent, or after a failure
  // (wrong_type if the field is not an object). The result refers to this
  // reader, which must outlive it.
  std::optional<field_reader> object(std::string_view name);

  // An optional array of strings, copied; empty when absent.
  std::vector<std::string> strings(std::string_view name);

  // An optional array of objects: calls visit(field_reader&) for each
  // element until a read fails. An element that is not an object is
  // wrong_type.
  template <class Visit>
  void for_each_object(std::string_view name, Visit&& visit) {
    simdjson::dom::array items;
    std::string_view key;
    if (!array(name, items, key)) return;
    long index = 0;
    for (simdjson::dom::element item : items) {
      simdjson::dom::object item_object;
      if (item.get_object().get(item_object)) {
        fail_item_type(key, index, "an object", item);
        return;
      }
      field_reader item_reader{item_object, *this, key, index++};
      visit(item_reader);
      if (failed()) return;
    }
  }

  // Records an error about `field` (a name in this object; empty for the
  // object itself) unless one is recorded already: detail =
  // "<path>.<field>: <what>".
  void fail(std::string_view code, std::string_view field, std::string_view what);

 private:
  struct found {
    simdjson::dom::element value;
    std::string_view key;  // as spelled on the wire
  };

  field_reader(simdjson::dom::object object, const field_reader& parent, std::string_view name,
               long index);

  // The first field spelled `name`, not null; nullopt when absent.
  std::optional<found> find(std::string_view name) const;
  // find(), recording missing_field when absent.
  std::optional<found> require(std::string_view name);

  // Conversions of a present field; on failure record it and return 0/"".
  std::string_view text_of(const found& f);
  double number_of(const found& f, number_domain domain);
  long long count_of(const found& f);
  time_ms time_of(const found& f);

  std::string_view enum_text(std::string_view name, std::string_view& wire_key);
  bool array(std::string_view name, simdjson::dom::array& out, std::string_view& wire_key);
  void fail_type(std::string_view field, std::string_view expected, simdjson::dom::element got);
  void fail_item_type(std::string_view field, long index, std::string_view expected,
                      simdjson::dom::element got);
  void fail_unknown_enum(std::string_view field, std::string_view value);
  void append_path(std::string& out) const;
  static std::optional<std::string_view> to_lower(std::string_view s, char (&buffer)[32]);

  simdjson::dom::object object_;
  std::optional<error>* first_error_;
  const field_reader* parent_ = nullptr;
  std::string_view name_;
  long index_ = -1;  // >= 0 for an element of the array `name_`
};

// True when `key` spells the camelCase name `camel` in camelCase or in
// snake_case: each upper-case letter of `camel` may appear as '_' followed
// by its lower-case form ("stdDevMs" matches "stdDevMs" and "std_dev_ms").
// REQUIRES: `camel` is not empty and starts with a lower-case letter, digit
// or '_' (so both spellings start with the same byte).
inline bool same_field(std::string_view camel, std::string_view key) {
  // Fast rejects: almost every key differs in its first byte or its length.
  if (key.empty() || key[0] != camel[0] || key.size() < camel.size() ||
      key.size() > 2 * camel.size())
    return false;
  std::size_t j = 0;
  for (char c : camel) {
    if (j < key.size() && key[j] == c) {
      ++j;
    } else if (c >= 'A' && c <= 'Z' && j + 1 < key.size() && key[j] == '_' &&
               key[j + 1] == c - 'A' + 'a') {
      j += 2;
    } else {
      return false;
    }
  }
  return j == key.size();
}

}  // namespace llmopt
