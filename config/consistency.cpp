#include "config/consistency.hpp"

#include <algorithm>
#include <optional>

#include "config/field_check.hpp"
#include "config/schema.hpp"
#include "config/table_reader.hpp"

namespace llmopt::cfg {

namespace {

// Errors about entry `index` of the array `array` in the document.
class entry_errors {
 public:
  entry_errors(const toml::table& root, const std::string& source, std::string array)
      : root_(root), source_(source), array_(std::move(array)) {}

  // "providers[2]"
  std::string entry_name(std::size_t index) const {
    return array_ + "[" + std::to_string(index) + "]";
  }

  // "FILE:LINE:COL: array[index].field: expected EXPECTED, got <the value or nothing>"
  error expected(std::size_t index, const std::string& field, const std::string& what) const {
    table_place place{source_, key_prefix(index), header(index)};
    const toml::table* entry = entry_table(index);
    auto where = entry ? locate(*entry, field, place) : place.header;
    return located_error(source_, where, place.key_prefix + field,
                         "expected " + what + ", got " + got(entry, field));
  }

 private:
  std::string key_prefix(std::size_t index) const { return entry_name(index) + "."; }
  const toml::table* entry_table(std::size_t index) const {
    return root_[array_][index].as_table();
  }
  toml::source_position header(std::size_t index) const {
    const auto* entry = entry_table(index);
    return entry ? entry->source().begin : toml::source_position{};
  }
  // The value at `path` in `entry`, as messages show it ("nothing" if absent).
  static std::string got(const toml::table* entry, const std::string& path) {
    if (!entry) return "nothing";
    auto node = toml::at_path(*entry, path);
    return node ? describe(*node.node(), false) : "nothing";
  }

  const toml::table& root_;
  const std::string& source_;
  std::string array_;
};

// The first entry whose name equals an earlier one's, as an error.
template <class T, class Name>
status check_unique(const std::vector<T>& items, Name name, const entry_errors& errors,
                    const std::string& field, const std::string& what) {
  for (std::size_t i = 0; i < items.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (name(items[i]) == name(items[j]))
        return errors.expected(i, field, what + " not used by " + errors.entry_name(j));
  return ok_status();
}

status check_providers(const settings& s, const entry_errors& errors) {
  auto name = [](const provider_settings& p) { return p.name; };
  if (auto st = check_unique(s.providers, name, errors, "name", "a provider name"); !st) return st;
  for (std::size_t i = 0; i < s.providers.size(); ++i) {
    const auto& p = s.providers[i];
    if (p.kind == "openai_compatible" && !is_http_url(p.base_url))
      return errors.expected(i, "base_url",
                             "an http:// or https:// URL for kind \"openai_compatible\"");
    if (p.kind != "simulated" && p.format != "openai")
      return errors.expected(i, "format",
                             "no format for kind \"" + p.kind + "\" (only simulated takes one)");
  }
  return ok_status();
}

status check_models(const settings& s, const entry_errors& errors) {
  auto id = [](const model_settings& m) { return m.spec.id; };
  if (auto st = check_unique(s.models, id, errors, "id", "a model id"); !st) return st;
  for (std::size_t i = 0; i < s.models.size(); ++i) {
    const auto& m = s.models[i];
    const auto* provider = s.find_provider(std::string(provider_of(m.spec.id)));
    if (!provider)
      return errors.expected(i, "id", "a model of a provider declared in [[providers]]");
    if (provider->kind == "simulated" && !m.simulation)
      return errors.expected(i, "simulation",
                             "a table { latency_ms = { median, p95 }, error_rate, quality } "
                             "for a model of simulated provider \"" +
                                 provider->name + "\"");
    if (!m.simulation) continue;
    if (auto st = validate(*m.simulation); !st) {
      // validate() says "FIELD: expected WHAT"; FIELD is relative to the simulation.
      static const std::string marker = ": expected ";
      const auto& detail = st.err().detail;
      auto at = detail.find(marker);
      if (at == std::string::npos) return errors.expected(i, "simulation", detail);
      return errors.expected(i, "simulation." + detail.substr(0, at),
                             detail.substr(at + marker.size()));
    }
  }
  return ok_status();
}

status check_routes(const settings& s, const entry_errors& errors) {
  auto name = [](const route_spec& r) { return r.name; };
  if (auto st = check_unique(s.routes, name, errors, "name", "a route name"); !st) return st;
  for (std::size_t i = 0; i < s.routes.size(); ++i) {
    const auto& r = s.routes[i];
    const auto& candidates = r.candidates;
    for (auto it = candidates.begin(); it != candidates.end(); ++it) {
      auto j = static_cast<std::size_t>(it - candidates.begin());
      std::string field = "candidates[" + std::to_string(j) + "]";
      if (!s.find_model(*it)) return errors.expected(i, field, "a model declared in [[models]]");
      if (std::find(candidates.begin(), it, *it) != it)
        return errors.expected(i, field, "a model not already listed");
    }
    const auto& w = r.weights;
    if (!(w.quality + w.cost + w.latency > 0))
      return errors.expected(i, "objective", "weights quality, cost and latency with a sum > 0");
  }
  return ok_status();
}

// Every name in cache.sampled_routes is a declared route.
status check_cache_routes(const settings& s, const toml::table& root, const std::string& source) {
  const auto& names = s.cache.sampled_routes;
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto declared = [&](const route_spec& r) { return r.name == names[i]; };
    if (std::any_of(s.routes.begin(), s.routes.end(), declared)) continue;
    auto node = toml::at_path(root, "cache.sampled_routes");
    auto where = node ? node.node()->source().begin : toml::source_position{1, 1};
    return located_error(source, where, "cache.sampled_routes[" + std::to_string(i) + "]",
                         "expected a route declared in [[routes]], got " + render_string(names[i]));
  }
  return ok_status();
}

// -- orderings of top-level fields ------------------------------------------

double as_number(const setting_value& value) {
  if (const auto* i = std::get_if<long long>(&value)) return static_cast<double>(*i);
  return std::get<double>(value);
}

// Where the value of a top-level field came from, to place an error about it.
class value_origin {
 public:
  value_origin(const toml::table& root, const std::string& source, const env_lookup& env)
      : root_(root), source_(source), env_(env) {}

  bool was_set(const field_spec& spec) const {
    return env_text(spec).has_value() || toml::at_path(root_, spec.name);
  }

  // An error about the value of `spec`, "expected WHAT, got VALUE".
  error expected(const field_spec& spec, const setting_value& value,
                 const std::string& what) const {
    if (auto text = env_text(spec))
      return error{"config", "env " + env_name(spec) + ": expected " + what + ", got " +
                                 render_string(*text)};
    auto node = toml::at_path(root_, spec.name);
    auto where = node ? node.node()->source().begin : toml::source_position{1, 1};
    return located_error(source_, where, spec.name,
                         "expected " + what + ", got " + render_value(value));
  }

 private:
  std::optional<std::string> env_text(const field_spec& spec) const {
    return env_ ? env_(env_name(spec)) : std::nullopt;
  }

  const toml::table& root_;
  const std::string& source_;
  const env_lookup& env_;
};

std::string kind_name(const field_spec& spec) {
  return spec.kind == value_kind::integer ? "an integer" : "a number";
}

}  // namespace

status check_orderings(const settings& s, const toml::table& root, const std::string& source,
                       const env_lookup& env) {
  const auto& schema = settings_schema();
  value_origin origin(root, source, env);
  for (std::size_t i = 0; i < schema.fields.size(); ++i) {
    const auto& lower = schema.fields[i].spec;
    if (lower.less_than.empty()) continue;
    auto j = index_of(schema, lower.less_than);
    LLMOPT_ASSERT(j.has_value());
    const auto& upper = schema.fields[*j].spec;
    auto low = value_of(schema, i, s);
    auto high = value_of(schema, *j, s);
    if (as_number(low) < as_number(high)) continue;
    if (!origin.was_set(lower) && origin.was_set(upper))
      return origin.expected(
          upper, high,
          kind_name(upper) + " greater than " + lower.name + " (" + render_value(low) + ")");
    return origin.expected(
        lower, low,
        kind_name(lower) + " less than " + upper.name + " (" + render_value(high) + ")");
  }
  return ok_status();
}

status check_consistency(const settings& s, const toml::table& root, const std::string& source) {
  if (auto st = check_providers(s, entry_errors(root, source, "providers")); !st) return st;
  if (auto st = check_models(s, entry_errors(root, source, "models")); !st) return st;
  if (auto st = check_routes(s, entry_errors(root, source, "routes")); !st) return st;
  return check_cache_routes(s, root, source);
}

}  // namespace llmopt::cfg
