#include "config/table_reader.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include "config/field_check.hpp"

namespace llmopt::cfg {

namespace {

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.size() >= prefix.size() && text.compare(0, prefix.size(), prefix) == 0;
}

// Edit distance, for "did you mean" suggestions.
std::size_t distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

bool before(toml::source_position a, toml::source_position b) {
  return a.line != b.line ? a.line < b.line : a.column < b.column;
}

// The entries of `table` in the order they are written.
std::vector<std::pair<const toml::key*, const toml::node*>> in_file_order(
    const toml::table& table) {
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  for (const auto& [key, node] : table)
    entries.emplace_back(&key, &node);
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return before(a.first->source().begin, b.first->source().begin);
  });
  return entries;
}

class table_reader {
 public:
  table_reader(const table_shape& shape, const table_place& place)
      : shape_(shape), place_(place), seen_(shape.fields.size(), false) {}

  // Reads the keys of `table`, whose own dotted path is `path` ("" or "kafka.").
  status walk(const toml::table& table, const std::string& path) {
    for (const auto& [key, node] : in_file_order(table)) {
      std::string name = path + std::string(key->str());
      if (path.empty() && is_read_elsewhere(name)) continue;
      status st = ok_status();
      if (auto index = field_index(name))
        st = read_field(*index, *node, name);
      else if (is_section(name))
        st = read_section(*node, name);
      else
        st = unknown_key(*key, name);
      if (!st) return st;
    }
    return ok_status();
  }

  status check_required(const toml::table& table) const {
    for (std::size_t i = 0; i < shape_.fields.size(); ++i) {
      const auto& spec = *shape_.fields[i];
      if (seen_[i] || !spec.required() || in_absent_section(table, spec.name)) continue;
      return located_error(place_.source, locate(table, spec.name, place_),
                           place_.key_prefix + spec.name,
                           "expected " + expectation(spec) + ", got nothing");
    }
    return ok_status();
  }

  std::vector<field_reading> take_readings() { return std::move(readings_); }

 private:
  std::optional<std::size_t> field_index(const std::string& name) const {
    for (std::size_t i = 0; i < shape_.fields.size(); ++i)
      if (shape_.fields[i]->name == name) return i;
    return std::nullopt;
  }

  bool is_section(const std::string& name) const {
    for (const auto* spec : shape_.fields)
      if (starts_with(spec->name, name + ".")) return true;
    return false;
  }

  bool is_read_elsewhere(const std::string& name) const {
    const auto& names = shape_.read_elsewhere;
    return std::find(names.begin(), names.end(), name) != names.end();
  }

  bool in_absent_section(const toml::table& table, const std::string& name) const {
    for (const auto& section : shape_.optional_sections)
      if (starts_with(name, section + ".") && !table.contains(section)) return true;
    return false;
  }

  status read_field(std::size_t index, const toml::node& node, const std::string& name) {
    const auto& spec = *shape_.fields[index];
    std::string key = place_.key_prefix + name;
    auto value = spec.kind == value_kind::text_list  ? read_list(spec, node, key)
                 : spec.kind == value_kind::text_map ? read_map(spec, node, key)
                                                     : read_scalar(spec, node, key);
    if (!value) return value.err();
    readings_.push_back({index, std::move(*value)});
    seen_[index] = true;
    return ok_status();
  }

  result<setting_value> read_scalar(const field_spec& spec, const toml::node& node,
                                    const std::string& key) const {
    auto value = scalar_from_toml(spec, node);
    if (!value) return located_error(place_.source, node.source().begin, key, value.err().detail);
    return value;
  }

  // A non-empty array, each element checked by spec.rule.
  result<setting_value> read_list(const field_spec& spec, const toml::node& node,
                                  const std::string& key) const {
    const auto* array = node.as_array();
    if (!array || array->empty())
      return located_error(place_.source, node.source().begin, key,
                           "expected " + expectation(spec) + ", got " + describe(node, false));
    std::vector<std::string> items;
    for (std::size_t i = 0; i < array->size(); ++i) {
      const auto& item = *array->get(i);
      auto text = text_from_toml(spec.rule, spec.secret, item);
      if (!text)
        return located_error(place_.source, item.source().begin,
                             key + "[" + std::to_string(i) + "]", text.err().detail);
      items.push_back(std::move(*text));
    }
    return setting_value(std::move(items));
  }

  // A table of non-empty names, each value checked by entry_from_toml. An
  // entry's key in messages is quoted: kafka.properties."sasl.password".
  result<setting_value> read_map(const field_spec& spec, const toml::node& node,
                                 const std::string& key) const {
    const auto* table = node.as_table();
    if (!table)
      return located_error(place_.source, node.source().begin, key,
                           "expected " + expectation(spec) + ", got " + describe(node, false));
    text_entries entries;
    for (const auto& [name_key, value] : in_file_order(*table)) {
      std::string name(name_key->str());
      std::string entry_key = key + "." + render_string(name);
      if (name.empty())
        return located_error(place_.source, name_key->source().begin, entry_key,
                             "expected a non-empty name, got \"\"");
      auto text = entry_from_toml(spec, name, *value);
      if (!text)
        return located_error(place_.source, value->source().begin, entry_key, text.err().detail);
      entries.emplace_back(std::move(name), std::move(*text));
    }
    return setting_value(std::move(entries));
  }

  status read_section(const toml::node& node, const std::string& name) {
    if (const auto* table = node.as_table()) return walk(*table, name + ".");
    return located_error(place_.source, node.source().begin, place_.key_prefix + name,
                         "expected a table, got " + describe(node, false));
  }

  status unknown_key(const toml::key& key, const std::string& name) const {
    std::string message = "unknown key";
    if (auto near = nearest(name)) message += ", did you mean " + *near + "?";
    return located_error(place_.source, key.source().begin, place_.key_prefix + name, message);
  }

  // The known name closest to `name`, when it is close enough to be a typo.
  std::optional<std::string> nearest(const std::string& name) const {
    std::vector<std::string> known = shape_.read_elsewhere;
    for (const auto* spec : shape_.fields) {
      known.push_back(spec->name);
      for (auto dot = spec->name.find('.'); dot != std::string::npos;
           dot = spec->name.find('.', dot + 1))
        known.push_back(spec->name.substr(0, dot));
    }
    std::optional<std::string> best;
    std::size_t best_distance = std::max<std::size_t>(1, std::min<std::size_t>(3, name.size() / 3));
    for (const auto& candidate : known) {
      auto d = distance(name, candidate);
      if (d <= best_distance && (!best || d < distance(name, *best))) best = candidate;
    }
    return best;
  }

  const table_shape& shape_;
  const table_place& place_;
  std::vector<bool> seen_;
  std::vector<field_reading> readings_;
};

}  // namespace

error located_error(const std::string& source, toml::source_position where, const std::string& key,
                    const std::string& message) {
  return error{"config", source + ":" + std::to_string(where.line) + ":" +
                             std::to_string(where.column) + ": " + key + ": " + message};
}

result<std::vector<field_reading>> read_table(const toml::table& table, const table_shape& shape,
                                              const table_place& place) {
  table_reader reader(shape, place);
  if (auto st = reader.walk(table, ""); !st) return st.err();
  if (auto st = reader.check_required(table); !st) return st.err();
  return reader.take_readings();
}

toml::source_position locate(const toml::table& table, const std::string& path,
                             const table_place& place) {
  for (std::string prefix = path; !prefix.empty();) {
    if (auto node = toml::at_path(table, prefix)) return node.node()->source().begin;
    auto cut = prefix.find_last_of(".[");
    prefix.resize(cut == std::string::npos ? 0 : cut);
  }
  return place.header;
}

}  // namespace llmopt::cfg
