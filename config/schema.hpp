#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "config/setting_value.hpp"
#include "config/settings.hpp"
#include "config/text_rules.hpp"
#include "decision/assert.hpp"

namespace llmopt::cfg {

// -- fields ------------------------------------------------------------------

// The kinds of value a setting holds. Integers must be TOML integers; numbers
// accept TOML integers and floats; a choice is a string from a fixed list.
enum class value_kind { text, integer, number, choice, text_list };

// Everything about one setting except where it lands: the single place its
// name, type, default, bounds and doc are declared.
struct field_spec {
  std::string name;  // dotted, relative to its table: "http.threads", "objective.quality"
  value_kind kind = value_kind::text;
  std::optional<setting_value> fallback;  // the default; none means required
  double min = 0;                         // integer and number: bounds
  double max = 0;                         //   (inclusive, except min when min_exclusive)
  bool min_exclusive = false;
  std::vector<std::string> choices;  // choice: the allowed values
  text_rule rule;                    // text, text_list elements
  bool secret = false;               // messages never repeat the value
  std::string doc;                   // one line

  bool required() const { return !fallback.has_value(); }
};

// A field of the typed struct T: its spec and the member it sets.
template <class T>
struct field {
  field_spec spec;
  setting_ref (*slot)(T&);
};

// The fields of one table. A field whose name lies in an optional section
// ("simulation.quality" in section "simulation") is required only when that
// section is present.
template <class T>
struct table_schema {
  std::vector<field<T>> fields;
  std::vector<std::string> optional_sections;
};

// -- the declarations --------------------------------------------------------

// Every scalar setting outside the arrays of tables, in documentation order.
const table_schema<settings>& settings_schema();
// The fields of one [[providers]], [[models]] and [[routes]] entry.
const table_schema<provider_settings>& provider_schema();
const table_schema<model_settings>& model_schema();
const table_schema<route_spec>& route_schema();

// The names of the top-level arrays of tables, in documentation order.
const std::vector<std::string>& array_names();

// The environment variable that overrides a top-level setting:
// "LLMOPT_" + name uppercased with '.' replaced by '_'.
std::string env_name(const field_spec& spec);

// -- applying ----------------------------------------------------------------

// Sets every field of `target` that has a default to that default.
template <class T>
void apply_defaults(const table_schema<T>& schema, T& target) {
  for (const auto& f : schema.fields)
    if (f.spec.fallback) assign(f.slot(target), *f.spec.fallback);
}

// The specs of a schema, for code that needs no knowledge of T.
template <class T>
std::vector<const field_spec*> specs_of(const table_schema<T>& schema) {
  std::vector<const field_spec*> out;
  for (const auto& f : schema.fields)
    out.push_back(&f.spec);
  return out;
}

// Sets field `index` of `target` to `value`.
// REQUIRES: index < schema.fields.size()
template <class T>
void apply_value(const table_schema<T>& schema, std::size_t index, const setting_value& value,
                 T& target) {
  LLMOPT_ASSERT(index < schema.fields.size());
  assign(schema.fields[index].slot(target), value);
}

}  // namespace llmopt::cfg
