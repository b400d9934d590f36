#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "config/schema.hpp"
#include "decision/result.hpp"

namespace llmopt::cfg {

// Reads one TOML table against a declared list of fields, without knowing the
// struct the values land in (the caller applies them with apply_value).

// Where a table sits, for messages.
struct table_place {
  std::string source;              // the file name shown in messages
  std::string key_prefix;          // prefix of keys in messages: "" or "routes[1]."
  toml::source_position header{};  // where the table starts: missing keys point here
};

// What a table may contain.
struct table_shape {
  std::vector<const field_spec*> fields;
  std::vector<std::string> optional_sections;  // see table_schema
  std::vector<std::string> read_elsewhere;     // top-level keys the caller reads itself
};

template <class T>
table_shape shape_of(const table_schema<T>& schema) {
  return table_shape{specs_of(schema), schema.optional_sections, {}};
}

// One value found in the table: the index of its field in the shape, and the
// checked value.
struct field_reading {
  std::size_t index = 0;
  setting_value value;
};

// The error of a config file: code "config", detail "FILE:LINE:COL: KEY: MESSAGE".
error located_error(const std::string& source, toml::source_position where, const std::string& key,
                    const std::string& message);

// Reads `table`: every key must name a field or a section (a table holding
// fields, like "kafka.topics"); every value must pass its field's checks;
// every required field must be present (fields in an absent optional section
// excepted). Keys are visited in file order, and the first problem found is
// returned. Unknown keys get a "did you mean" suggestion when one is close.
result<std::vector<field_reading>> read_table(const toml::table& table, const table_shape& shape,
                                              const table_place& place);

// Where the value at `path` (e.g. "objective.quality", "candidates[2]") in
// `table` starts; when absent, where its deepest present enclosing value
// starts, and `place.header` when that is `table` itself.
toml::source_position locate(const toml::table& table, const std::string& path,
                             const table_place& place);

}  // namespace llmopt::cfg
