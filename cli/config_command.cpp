#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/daemon_client.hpp"
#include "config/loader.hpp"
#include "config/text_diff.hpp"
#include "decision/decision_record.hpp"
#include "store/config_snapshots.hpp"
#include "store/migrations.hpp"

namespace llmopt {
namespace {

struct snapshot_args {
  std::optional<std::string> config;
  bool json = false;
  int limit = 20;
  long long id = 0, other = 0;
  std::optional<std::string> url;
};

// The snapshots `llmopt serve` with the same --config saved, read only.
template <class F>
int with_snapshots(const snapshot_args& args, F use) {
  auto config = load_config(args.config);
  if (!config) {
    std::fprintf(stderr, "llmopt: %s\n", config.err().detail.c_str());
    return 2;
  }
  auto db = open_store(config->values.store_path(), open_mode::read_only);
  if (!db) {
    std::fprintf(stderr, "llmopt: %s\n", db.err().detail.c_str());
    return 2;
  }
  config_snapshots snapshots(*db);
  return use(snapshots);
}

// The snapshot `id`, or a message and nullopt.
std::optional<config_snapshot> snapshot_of(config_snapshots& snapshots, long long id) {
  auto found = snapshots.find(id);
  if (!found) {
    std::fprintf(stderr, "llmopt: %s\n", found.err().detail.c_str());
    return std::nullopt;
  }
  if (!*found) std::fprintf(stderr, "llmopt: no config snapshot %lld\n", id);
  return *found;
}

std::string label_of(const config_snapshot& s) {
  return "snapshot " + std::to_string(s.id) + " (" + format_time(s.at) + ", " + s.source + ")";
}

int list(const snapshot_args& args) {
  return with_snapshots(args, [&](config_snapshots& snapshots) {
    auto found = snapshots.list(args.limit);
    if (!found) {
      std::fprintf(stderr, "llmopt: %s\n", found.err().detail.c_str());
      return 2;
    }
    if (args.json) {
      auto out = nlohmann::json::array();
      for (const auto& s : *found)
        out.push_back(
            {{"id", s.id}, {"at", format_time(s.at)}, {"source", s.source}, {"sha256", s.sha256}});
      std::printf("%s\n", out.dump().c_str());
      return 0;
    }
    for (const auto& s : *found)
      std::printf("%-6lld %s  %.12s  %s\n", s.id, format_time(s.at).c_str(), s.sha256.c_str(),
                  s.source.c_str());
    return 0;
  });
}

int show(const snapshot_args& args) {
  return with_snapshots(args, [&](config_snapshots& snapshots) {
    auto s = snapshot_of(snapshots, args.id);
    if (!s) return 2;
    std::fputs(s->text.c_str(), stdout);
    return 0;
  });
}

// As diff(1): 0 when equal, 1 when they differ, 2 on trouble.
int diff(const snapshot_args& args) {
  return with_snapshots(args, [&](config_snapshots& snapshots) {
    auto a = snapshot_of(snapshots, args.id);
    auto b = a ? snapshot_of(snapshots, args.other) : std::nullopt;
    if (!a || !b) return 2;
    const auto d = unified_diff(a->text, b->text, label_of(*a), label_of(*b));
    std::fputs(d.c_str(), stdout);
    return d.empty() ? 0 : 1;
  });
}

void add_store_options(CLI::App* cmd, const std::shared_ptr<snapshot_args>& args) {
  cmd->add_option_function<std::string>(
      "--config,-c", [args](const std::string& p) { args->config = p; },
      "configuration file whose store to read (default: the built-in one, ./var/llmopt.db)");
}

// Applies snapshot args.id to the running daemon: 0 applied, 1 refused
// (the daemon's reason on stderr), 2 the daemon not reached.
int rollback(const snapshot_args& args) {
  auto config = load_config(args.config);
  if (!config) {
    std::fprintf(stderr, "llmopt: %s\n", config.err().detail.c_str());
    return 2;
  }
  const nlohmann::json body{{"id", args.id}};
  auto answer = daemon_call(*config, "POST", "/admin/v1/config/rollback", body.dump(), args.url);
  if (!answer) {
    std::fprintf(stderr, "llmopt: %s\n", answer.err().detail.c_str());
    return 2;
  }
  const auto& doc = answer->body;
  if (answer->status != 200) {
    const auto message = doc.is_object() && doc.contains("error") && doc["error"].is_object()
                             ? doc["error"].value("message", std::string{})
                             : doc.dump();
    std::fprintf(stderr, "llmopt: not applied (HTTP %ld): %s\n", answer->status, message.c_str());
    return 1;
  }
  std::printf("applied as snapshot %lld (%s)\n", doc.value("snapshot", 0LL),
              doc.value("source", std::string{}).c_str());
  if (doc.contains("changes") && doc["changes"].is_array())
    for (const auto& change : doc["changes"])
      if (change.is_string()) std::printf("  %s\n", change.get<std::string>().c_str());
  return 0;
}

}  // namespace

void add_config_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "config",
      "check a configuration file, list the settings, read the saved snapshots, roll back");
  cmd->require_subcommand(1);

  auto* check = cmd->add_subcommand("check", "validate FILE; exit 0 when it is valid");
  auto file = std::make_shared<std::string>();
  check->add_option("FILE", *file, "configuration file (TOML)")->required();
  check->callback([file, &exit_code] {
    auto config = load_config(*file);
    if (!config) {
      std::fprintf(stderr, "%s\n", config.err().detail.c_str());
      exit_code = 1;
      return;
    }
    const auto& s = config->values;
    std::printf("%s: ok (%zu providers, %zu models, %zu routes)\n", file->c_str(),
                s.providers.size(), s.models.size(), s.routes.size());
  });

  auto* defaults = cmd->add_subcommand("defaults", "list every setting with default and bounds");
  defaults->callback([] { std::fputs(render_defaults().c_str(), stdout); });

  // The configuration as `llmopt serve` saved it at each start (secrets as
  // the ${NAME} references the file holds).
  auto args = std::make_shared<snapshot_args>();
  auto* snapshots = cmd->add_subcommand("snapshots", "list the saved configurations, newest first");
  add_store_options(snapshots, args);
  snapshots->add_flag("--json", args->json, "print JSON");
  snapshots->add_option("--limit,-n", args->limit, "at most N snapshots")
      ->check(CLI::Range(1, 100000));
  snapshots->callback([args, &exit_code] { exit_code = list(*args); });

  auto* show_cmd = cmd->add_subcommand("show", "print the saved configuration ID");
  add_store_options(show_cmd, args);
  show_cmd->add_option("ID", args->id, "snapshot id")->required();
  show_cmd->callback([args, &exit_code] { exit_code = show(*args); });

  auto* diff_cmd = cmd->add_subcommand(
      "diff", "a unified diff from snapshot A to snapshot B; exit 0 equal, 1 different");
  add_store_options(diff_cmd, args);
  diff_cmd->add_option("A", args->id, "snapshot id")->required();
  diff_cmd->add_option("B", args->other, "snapshot id")->required();
  diff_cmd->callback([args, &exit_code] { exit_code = diff(*args); });

  auto* rollback_cmd = cmd->add_subcommand(
      "rollback", "apply snapshot ID to the running daemon, as a reload would; saved as a new one");
  add_store_options(rollback_cmd, args);
  rollback_cmd->add_option("ID", args->id, "snapshot id")->required();
  rollback_cmd->add_option_function<std::string>(
      "--url", [args](const std::string& u) { args->url = u; },
      "the daemon's address (default: what it wrote at start)");
  rollback_cmd->callback([args, &exit_code] { exit_code = rollback(*args); });
}

}  // namespace llmopt
