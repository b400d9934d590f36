#include "config/loader.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <toml++/toml.h>

#include "config/consistency.hpp"
#include "config/field_check.hpp"
#include "config/schema.hpp"
#include "config/table_reader.hpp"

namespace llmopt {

namespace {

using namespace cfg;

error config_error(std::string detail) {
  return error{"config", std::move(detail)};
}

template <class T>
void apply_readings(const table_schema<T>& schema, const std::vector<field_reading>& readings,
                    T& target) {
  for (const auto& r : readings)
    apply_value(schema, r.index, r.value, target);
}

status read_top_level(const toml::table& root, const std::string& source, settings& s) {
  auto shape = shape_of(settings_schema());
  shape.read_elsewhere = array_names();
  auto readings = read_table(root, shape, table_place{source, "", {1, 1}});
  if (!readings) return readings.err();
  apply_readings(settings_schema(), *readings, s);
  return ok_status();
}

// Reads the array of tables `name` ([[name]] or name = [{...}]) into `out`.
template <class T>
status read_entries(const toml::table& root, const std::string& name, const table_schema<T>& schema,
                    const std::string& source, std::vector<T>& out) {
  const toml::node* node = root.get(name);
  if (!node) return ok_status();
  const auto* array = node->as_array();
  if (!array)
    return located_error(
        source, node->source().begin, name,
        "expected an array of tables [[" + name + "]], got " + describe(*node, false));
  auto shape = shape_of(schema);
  for (std::size_t i = 0; i < array->size(); ++i) {
    const auto& item = *array->get(i);
    std::string key = name + "[" + std::to_string(i) + "]";
    const auto* entry = item.as_table();
    if (!entry)
      return located_error(source, item.source().begin, key,
                           "expected a table, got " + describe(item, false));
    auto readings =
        read_table(*entry, shape, table_place{source, key + ".", entry->source().begin});
    if (!readings) return readings.err();
    T value{};
    apply_defaults(schema, value);
    apply_readings(schema, *readings, value);
    out.push_back(std::move(value));
  }
  return ok_status();
}

status apply_env(const env_lookup& env, settings& s) {
  if (!env) return ok_status();
  const auto& schema = settings_schema();
  for (std::size_t i = 0; i < schema.fields.size(); ++i) {
    const auto& spec = schema.fields[i].spec;
    if (spec.kind == value_kind::text_map) continue;  // tables have no override
    std::string name = env_name(spec);
    auto text = env(name);
    if (!text) continue;
    auto value = scalar_from_text(spec, *text);
    if (!value) return config_error("env " + name + ": " + value.err().detail);
    apply_value(schema, i, *value, s);
  }
  return ok_status();
}

std::string describe_default(const field_spec& spec, const std::vector<std::string>& optional) {
  if (spec.fallback) return " = " + render_value(*spec.fallback);
  for (const auto& section : optional)
    if (spec.name.compare(0, section.size() + 1, section + ".") == 0)
      return "  (required when " + section + " is given)";
  return "  (required)";
}

// One paragraph per field; top-level groups ("kafka", "http") apart.
template <class T>
void render_fields(std::ostream& out, const table_schema<T>& schema, bool top_level) {
  std::string indent = top_level ? "" : "  ";
  std::string group;
  for (const auto& f : schema.fields) {
    const auto& spec = f.spec;
    std::string this_group = spec.name.substr(0, spec.name.find('.'));
    if (top_level && !group.empty() && this_group != group) out << "\n";
    group = this_group;
    out << indent << spec.name << describe_default(spec, schema.optional_sections) << "\n";
    out << indent << "    " << spec.doc << "\n";
    out << indent << "    " << expectation(spec);
    if (top_level && spec.kind == value_kind::text_map)
      out << "; no env override (values may be ${NAME} references)";
    else if (top_level)
      out << "; env " << env_name(spec);
    out << "\n";
  }
}

}  // namespace

env_lookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  };
}

settings default_settings() {
  settings s;
  apply_defaults(settings_schema(), s);
  s.source = "<defaults>";
  return s;
}

result<settings> parse_settings(std::string_view toml_text, const std::string& source_name,
                                const env_lookup& env) {
  if (toml_text.size() > max_config_bytes)
    return config_error(source_name + ": " + std::to_string(toml_text.size()) +
                        " bytes; a configuration is read up to " +
                        std::to_string(max_config_bytes) + " bytes");
  toml::table root;
  try {
    root = toml::parse(toml_text, std::string_view(source_name));
  } catch (const toml::parse_error& e) {
    auto where = e.source().begin;
    return config_error(source_name + ":" + std::to_string(where.line) + ":" +
                        std::to_string(where.column) +
                        ": invalid TOML: " + std::string(e.description()));
  }
  settings s = default_settings();
  s.source = source_name;
  if (auto st = read_top_level(root, source_name, s); !st) return st.err();
  if (auto st = read_entries(root, "providers", provider_schema(), source_name, s.providers); !st)
    return st.err();
  if (auto st = read_entries(root, "models", model_schema(), source_name, s.models); !st)
    return st.err();
  if (auto st = read_entries(root, "routes", route_schema(), source_name, s.routes); !st)
    return st.err();
  if (auto st = apply_env(env, s); !st) return st.err();
  if (auto st = check_orderings(s, root, source_name, env); !st) return st.err();
  if (auto st = check_consistency(s, root, source_name); !st) return st.err();
  return s;
}

result<settings> load_settings_file(const std::string& path, const env_lookup& env) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return config_error(path + ": cannot read the config file: it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return config_error(path + ": cannot read the config file: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return config_error(path + ": cannot read the config file");
  return parse_settings(text.str(), path, env);
}

std::string render_defaults() {
  std::ostringstream out;
  out << "# llmopt settings: each key with its default, what it accepts and what it does.\n"
         "# Settings outside [[...]] can be overridden by the environment variable shown:\n"
         "# LLMOPT_ + the name in upper case with '.' as '_'.\n\n";
  render_fields(out, settings_schema(), true);
  out << "\n[[providers]]  any number; names unique\n";
  render_fields(out, provider_schema(), false);
  out << "\n[[models]]  any number; ids unique; simulation required when the provider is "
         "simulated\n";
  render_fields(out, model_schema(), false);
  out << "\n[[routes]]  any number; names unique\n";
  render_fields(out, route_schema(), false);
  return out.str();
}

result<std::string> resolve_secret(const std::string& reference, const env_lookup& env) {
  if (reference.empty()) return std::string();
  auto name = secret_reference_name(reference);
  if (!name)
    return config_error(
        "secret: expected a reference such as ${OPENAI_API_KEY}, got a literal value");
  std::string variable(*name);
  auto value = env ? env(variable) : std::nullopt;
  if (!value)
    return config_error("secret ${" + variable + "}: environment variable " + variable +
                        " is not set");
  return *value;
}

result<std::map<std::string, std::string>> resolve_properties(
    const std::map<std::string, std::string>& properties, const env_lookup& env) {
  std::map<std::string, std::string> resolved;
  for (const auto& [name, value] : properties) {
    auto reference = secret_reference_name(value);
    if (!reference) {
      resolved.emplace(name, value);
      continue;
    }
    std::string variable(*reference);
    auto text = env ? env(variable) : std::nullopt;
    if (!text)
      return config_error("kafka.properties." + render_string(name) + ": environment variable " +
                          variable + " is not set");
    resolved.emplace(name, std::move(*text));
  }
  return resolved;
}

}  // namespace llmopt
