#include "config/config_changes.hpp"

#include <map>
#include <set>

#include "config/schema.hpp"

namespace llmopt {
namespace {

template <class T>
bool same_fields(const cfg::table_schema<T>& schema, T a, T b) {
  // Copies: a slot of an optional section emplaces it (model simulation),
  // the same way on both sides.
  for (const auto& f : schema.fields)
    if (cfg::value_at(f.slot(a)) != cfg::value_at(f.slot(b))) return false;
  return true;
}

// The names of the entries added, removed or changed, in the order of
// `running` then of what `next` adds.
template <class T, class Name>
std::vector<std::string> changed_entries(const cfg::table_schema<T>& schema,
                                         const std::vector<T>& running, const std::vector<T>& next,
                                         Name name_of) {
  std::map<std::string, const T*> after;
  for (const auto& e : next)
    after[name_of(e)] = &e;
  std::vector<std::string> out;
  std::set<std::string> before;
  for (const auto& e : running) {
    before.insert(name_of(e));
    auto it = after.find(name_of(e));
    if (it == after.end() || !same_fields(schema, e, *it->second)) out.push_back(name_of(e));
  }
  for (const auto& e : next)
    if (!before.count(name_of(e))) out.push_back(name_of(e));
  return out;
}

}  // namespace

bool config_changes::empty() const {
  return settings.empty() && providers.empty() && models.empty() && routes.empty();
}

std::vector<std::string> config_changes::restart_only() const {
  std::vector<std::string> out;
  for (const auto& s : settings)
    if (!applies_live(s)) out.push_back(s);
  return out;
}

std::vector<std::string> config_changes::all() const {
  std::vector<std::string> out;
  for (const auto& s : settings)
    out.push_back("setting " + s);
  for (const auto& p : providers)
    out.push_back("provider " + p);
  for (const auto& m : models)
    out.push_back("model " + m);
  for (const auto& r : routes)
    out.push_back("route " + r);
  return out;
}

config_changes changes_between(const settings& running, const settings& next) {
  config_changes c;
  const auto& schema = cfg::settings_schema();
  for (std::size_t i = 0; i < schema.fields.size(); ++i)
    if (cfg::value_of(schema, i, running) != cfg::value_of(schema, i, next))
      c.settings.push_back(schema.fields[i].spec.name);
  c.providers = changed_entries(cfg::provider_schema(), running.providers, next.providers,
                                [](const provider_settings& p) { return p.name; });
  c.models = changed_entries(cfg::model_schema(), running.models, next.models,
                             [](const model_settings& m) { return m.spec.id; });
  c.routes = changed_entries(cfg::route_schema(), running.routes, next.routes,
                             [](const route_spec& r) { return r.name; });
  return c;
}

bool applies_live(const std::string& name) {
  auto in = [&name](const char* section) { return name.rfind(section, 0) == 0; };
  if (name == "decision.tick_ms") return false;
  // The shared ledger's connection is made once, at the start.
  if (name == "budgets.redis" || name == "budgets.redis_timeout_ms") return false;
  return in("router.") || in("budgets.") || in("decision.");
}

}  // namespace llmopt
