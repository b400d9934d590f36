#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "pages/decision_explanation.hpp"
#include "store/database.hpp"
#include "store/decision_log.hpp"
#include "store/migrations.hpp"
#include "store/spend_ledger.hpp"

namespace llmopt {
namespace {

struct decisions_args {
  std::optional<std::string> config;
  std::optional<std::string> route;
  int limit = 20;
  bool json = false;
  long long id = 0;
};

// Opens the store that `llmopt serve` with the same --config writes.
result<database> open_configured_store(const decisions_args& args) {
  auto config = load_config(args.config);
  if (!config) return config.err();
  return open_store(config->values.store_path(), open_mode::read_only);
}

std::string weights_text(const decision& d) {
  std::string out;
  char buf[160];
  for (const auto& c : d.candidates) {
    std::snprintf(buf, sizeof buf, "%s%s=%.3f", out.empty() ? "" : " ", c.model.c_str(), c.weight);
    out += buf;
  }
  return out;
}

int list(const decisions_args& args) {
  auto db = open_configured_store(args);
  if (!db) {
    std::fprintf(stderr, "llmopt: %s\n", db.err().detail.c_str());
    return 1;
  }
  auto found = decision_log(*db).list(args.route, args.limit);
  if (!found) {
    std::fprintf(stderr, "llmopt: %s\n", found.err().detail.c_str());
    return 1;
  }
  if (args.json) {
    std::printf("%s\n", nlohmann::json(*found).dump().c_str());
    return 0;
  }
  for (const auto& d : *found) {
    std::printf("%-6lld %s  %-16s %s\n       %s\n", d.id, format_time(d.at).c_str(),
                d.route.c_str(), describe(d.trigger).c_str(), weights_text(d).c_str());
  }
  return 0;
}

int explain_one(const decisions_args& args) {
  auto db = open_configured_store(args);
  if (!db) {
    std::fprintf(stderr, "llmopt: %s\n", db.err().detail.c_str());
    return 1;
  }
  auto found = decision_log(*db).find(args.id);
  if (!found) {
    std::fprintf(stderr, "llmopt: %s\n", found.err().detail.c_str());
    return 1;
  }
  if (!*found) {
    std::fprintf(stderr, "llmopt: no decision %lld\n", args.id);
    return 1;
  }
  // The calls this decision's weights routed (none from a store older than
  // the spend ledger).
  auto routed = spend_ledger(*db).of_decision(args.id);
  const auto& calls = routed ? *routed : std::vector<spend_entry>{};
  if (args.json) {
    std::printf("%s\n", pages::explanation_json(**found, calls).dump(2).c_str());
    return 0;
  }
  std::fputs(pages::explanation_text(**found, calls).c_str(), stdout);
  return 0;
}

void add_store_options(CLI::App* cmd, const std::shared_ptr<decisions_args>& args) {
  cmd->add_option_function<std::string>(
      "--config,-c", [args](const std::string& p) { args->config = p; },
      "configuration file whose store to read (default: the built-in one, ./var/llmopt.db)");
  cmd->add_flag("--json", args->json, "print JSON");
}

}  // namespace

void add_decisions_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<decisions_args>();
  auto* cmd = app.add_subcommand("decisions", "list routing decisions, newest first");
  add_store_options(cmd, args);
  cmd->add_option_function<std::string>(
      "--route,-r", [args](const std::string& r) { args->route = r; }, "only this route");
  cmd->add_option("--limit,-n", args->limit, "at most N decisions")->check(CLI::Range(1, 100000));

  auto* explain_cmd = cmd->add_subcommand("explain", "show one decision with its reasons");
  add_store_options(explain_cmd, args);
  explain_cmd->add_option("ID", args->id, "decision id")->required();
  explain_cmd->callback([args, &exit_code] { exit_code = explain_one(*args); });

  cmd->callback([args, cmd, &exit_code] {
    if (cmd->got_subcommand("explain")) return;
    exit_code = list(*args);
  });
}

}  // namespace llmopt
