#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "actors/wall_clock.hpp"
#include "cli/commands.hpp"
#include "decision/decision_record.hpp"
#include "store/api_keys.hpp"
#include "store/migrations.hpp"

namespace llmopt {
namespace {

struct keys_args {
  std::optional<std::string> config;
  // create
  std::string name;
  std::vector<std::string> routes;
  std::optional<double> budget_usd;
  std::string period = "month";
  std::optional<long long> rpm;
  std::optional<long long> tpm;
  bool import = false;  // the key from standard input, not a new one
  // list
  bool json = false;
  // revoke
  std::string id;
};

int failed(const std::string& what) {
  std::fprintf(stderr, "llmopt: %s\n", what.c_str());
  return 1;
}

// The store of the config's state dir, as `llmopt serve` with the same
// --config uses it; created when no daemon has run yet. The daemon may run
// meanwhile: the file is in WAL mode and writers wait for each other.
result<database> open_keys_store(const settings& s) {
  return open_store(s.store_path(), open_mode::read_write);
}

// An error naming --routes for a name that is neither a route nor a model.
std::optional<std::string> unknown_target(const settings& s,
                                          const std::vector<std::string>& names) {
  for (const auto& name : names) {
    const bool is_route = std::any_of(s.routes.begin(), s.routes.end(),
                                      [&](const route_spec& r) { return r.name == name; });
    if (!is_route && !s.find_model(name))
      return "--routes: \"" + name + "\" is neither a route nor a model of " + s.source;
  }
  return std::nullopt;
}

int create(const keys_args& args) {
  auto config = load_config(args.config);
  if (!config) return failed(config.err().detail);
  if (auto bad = unknown_target(config->values, args.routes)) return failed(*bad);
  key_policy policy;
  policy.routes = args.routes;
  policy.budget_usd = args.budget_usd;
  policy.period = args.period == "day" ? budget_period::day : budget_period::month;
  policy.rpm = args.rpm;
  policy.tpm = args.tpm;
  auto db = open_keys_store(config->values);
  if (!db) return failed(db.err().detail);
  if (args.import) {
    // One line, bounded: a key is 71 characters.
    char line[256] = {};
    if (!std::fgets(line, sizeof line, stdin)) return failed("--import: no key on standard input");
    std::string secret = line;
    while (!secret.empty() && std::isspace(static_cast<unsigned char>(secret.back())))
      secret.pop_back();
    auto imported = api_keys(*db).import(args.name, secret, policy, wall_clock_ms());
    if (!imported) return failed("--import: " + imported.err().detail);
    std::printf("id:  %s\n", imported->record.id.c_str());
    return 0;
  }
  auto created = api_keys(*db).create(args.name, policy, wall_clock_ms());
  if (!created) return failed(created.err().detail);
  std::printf("id:  %s\nkey: %s\n", created->record.id.c_str(), created->secret.c_str());
  std::fprintf(stderr,
               "llmopt: store this key now: it is not shown again (llmopt keeps only its "
               "hash)\n");
  return 0;
}

nlohmann::json json_of(const api_key_record& k) {
  const auto& p = k.policy;
  auto optional = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(); };
  return {{"id", k.id},
          {"name", k.name},
          {"routes", p.routes},
          {"budget_usd", optional(p.budget_usd)},
          {"period", p.period == budget_period::day ? "day" : "month"},
          {"rpm", optional(p.rpm)},
          {"tpm", optional(p.tpm)},
          {"created", format_time(k.created)},
          {"revoked", k.revoked ? nlohmann::json(format_time(*k.revoked)) : nlohmann::json()}};
}

std::string text_of(const std::vector<std::string>& routes) {
  if (routes.empty()) return "all";
  std::string out;
  for (const auto& r : routes)
    out += (out.empty() ? "" : ",") + r;
  return out;
}

std::string budget_text(const key_policy& p) {
  if (!p.budget_usd) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "$%.2f/%s", *p.budget_usd,
                p.period == budget_period::day ? "day" : "month");
  return buf;
}

std::string limit_text(const std::optional<long long>& limit) {
  return limit ? std::to_string(*limit) : "-";
}

int list(const keys_args& args) {
  auto config = load_config(args.config);
  if (!config) return failed(config.err().detail);
  auto db = open_keys_store(config->values);
  if (!db) return failed(db.err().detail);
  auto keys = api_keys(*db).list();
  if (!keys) return failed(keys.err().detail);
  if (args.json) {
    auto out = nlohmann::json::array();
    for (const auto& k : *keys)
      out.push_back(json_of(k));
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  std::printf("%-16s  %-16s  %-20s  %-14s  %-6s  %-8s  %-24s  %s\n", "ID", "NAME", "ROUTES",
              "BUDGET", "RPM", "TPM", "CREATED", "STATUS");
  for (const auto& k : *keys) {
    const std::string status = k.revoked ? "revoked " + format_time(*k.revoked) : "active";
    std::printf("%-16s  %-16s  %-20s  %-14s  %-6s  %-8s  %-24s  %s\n", k.id.c_str(), k.name.c_str(),
                text_of(k.policy.routes).c_str(), budget_text(k.policy).c_str(),
                limit_text(k.policy.rpm).c_str(), limit_text(k.policy.tpm).c_str(),
                format_time(k.created).c_str(), status.c_str());
  }
  return 0;
}

int revoke(const keys_args& args) {
  auto config = load_config(args.config);
  if (!config) return failed(config.err().detail);
  auto db = open_keys_store(config->values);
  if (!db) return failed(db.err().detail);
  auto revoked = api_keys(*db).revoke(args.id, wall_clock_ms());
  if (!revoked) return failed(revoked.err().detail);
  if (!*revoked) return failed("no API key " + args.id + " (see `llmopt keys list`)");
  std::printf("revoked %s\n", args.id.c_str());
  return 0;
}

// Validators whose messages read as the rest of llmopt's: CLI11 puts the
// flag's name before them ("--rpm: expected a positive integer, got 0").
CLI::Validator positive_integer() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        char* end = nullptr;
        errno = 0;
        const long long value = std::strtoll(text.c_str(), &end, 10);
        if (text.empty() || *end || errno || value < 1)
          return "expected a positive integer, got " + text;
        return {};
      },
      "N > 0");
}

CLI::Validator non_negative_usd() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        char* end = nullptr;
        const double value = std::strtod(text.c_str(), &end);
        if (text.empty() || *end || !std::isfinite(value) || value < 0)
          return "expected an amount in USD >= 0, got " + text;
        return {};
      },
      "USD >= 0");
}

void add_config_option(CLI::App* cmd, const std::shared_ptr<keys_args>& args) {
  cmd->add_option_function<std::string>(
      "--config,-c", [args](const std::string& p) { args->config = p; },
      "configuration file whose store holds the keys (default: the built-in one, "
      "./var/llmopt.db)");
}

}  // namespace

void add_keys_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<keys_args>();
  auto* keys = app.add_subcommand("keys", "API keys of the gateway: create, list, revoke");
  keys->require_subcommand(1);

  auto* create_cmd = keys->add_subcommand("create", "make a key; prints it once");
  add_config_option(create_cmd, args);
  create_cmd->add_option("--name", args->name, "who the key is for")
      ->required()
      ->check([](const std::string& v) { return v.empty() ? "must not be empty" : ""; });
  create_cmd
      ->add_option("--routes", args->routes,
                   "routes and provider:model ids the key may use, comma-separated (default: "
                   "all)")
      ->delimiter(',');
  auto* budget = create_cmd
                     ->add_option_function<double>(
                         "--budget-usd", [args](double v) { args->budget_usd = v; },
                         "spend allowed per period, in USD")
                     ->check(non_negative_usd());
  create_cmd->add_option("--period", args->period, "the budget's period: day or month")
      ->check(CLI::IsMember({"day", "month"}))
      ->needs(budget);
  create_cmd
      ->add_option_function<long long>(
          "--rpm", [args](long long v) { args->rpm = v; }, "requests per minute")
      ->check(positive_integer());
  create_cmd
      ->add_option_function<long long>(
          "--tpm", [args](long long v) { args->tpm = v; }, "tokens per minute")
      ->check(positive_integer());
  create_cmd->add_flag("--import", args->import,
                       "store the key read from standard input (one created on another "
                       "instance, so that both count it as one in budgets.redis) instead of "
                       "making a new one");
  create_cmd->callback([args, &exit_code] { exit_code = create(*args); });

  auto* list_cmd = keys->add_subcommand("list", "every key, without secrets");
  add_config_option(list_cmd, args);
  list_cmd->add_flag("--json", args->json, "print JSON");
  list_cmd->callback([args, &exit_code] { exit_code = list(*args); });

  auto* revoke_cmd = keys->add_subcommand("revoke", "refuse a key from now on (within a second)");
  add_config_option(revoke_cmd, args);
  revoke_cmd->add_option("ID", args->id, "the key's id, key_...")->required();
  revoke_cmd->callback([args, &exit_code] { exit_code = revoke(*args); });
}

}  // namespace llmopt
