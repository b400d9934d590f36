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
// accept TOML integers and floats; a choice is a string from a fixed list; a
// text map is a table of names to strings, numbers or booleans, each kept as
// text ("1", "true"). A boolean must be a TOML boolean (true or false in an
// environment variable).
enum class value_kind { text, integer, number, choice, text_list, text_map, boolean };

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
  text_rule rule;                    // text, text_list elements, text_map string values
  bool secret = false;               // messages never repeat the value
  // text_map: an entry whose name contains one of these words (in any case)
  // holds a secret: its value must be a "${NAME}" reference.
  std::vector<std::string> secret_words;
  // integer, number: another field of the same table whose value this one
  // must stay below ("collector.high_watermark"); checked once all values
  // are known (cfg::check_orderings).
  std::string less_than;
  std::string doc;  // one line

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

// Every setting outside the arrays of tables, in documentation order.
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

// The value of field `index` of `target`.
// REQUIRES: index < schema.fields.size()
template <class T>
setting_value value_of(const table_schema<T>& schema, std::size_t index, const T& target) {
  LLMOPT_ASSERT(index < schema.fields.size());
  // A slot only takes the address of a member; nothing is written through it.
  return value_at(schema.fields[index].slot(const_cast<T&>(target)));
}

// The index of the field called `name`; nullopt when there is none.
template <class T>
std::optional<std::size_t> index_of(const table_schema<T>& schema, const std::string& name) {
  for (std::size_t i = 0; i < schema.fields.size(); ++i)
    if (schema.fields[i].spec.name == name) return i;
  return std::nullopt;
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
