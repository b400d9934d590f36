#include <algorithm>
#include <cstdio>
#include <vector>

#include "cli/commands.hpp"
#include "cli/daemon_client.hpp"

namespace llmopt {
namespace {

struct live_args {
  std::optional<std::string> config;
  std::optional<std::string> url;
  bool json = false;
};

void add_live_options(CLI::App* cmd, const std::shared_ptr<live_args>& args) {
  cmd->add_option_function<std::string>(
      "--config,-c", [args](const std::string& p) { args->config = p; },
      "the running daemon's configuration file (default: the built-in one)");
  cmd->add_option_function<std::string>(
      "--url", [args](const std::string& u) { args->url = u; },
      "the daemon's address, e.g. http://127.0.0.1:8080 (default: what it wrote at start)");
  cmd->add_flag("--json", args->json, "print the daemon's JSON");
}

// The admin document at `path`, or a message on stderr and nullopt.
std::optional<nlohmann::json> ask(const live_args& args, const std::string& path) {
  auto config = load_config(args.config);
  if (!config) {
    std::fprintf(stderr, "llmopt: %s\n", config.err().detail.c_str());
    return std::nullopt;
  }
  auto doc = daemon_get(*config, path, args.url);
  if (!doc) {
    std::fprintf(stderr, "llmopt: %s\n", doc.err().detail.c_str());
    return std::nullopt;
  }
  return std::move(*doc);
}

// doc[member] when doc is an object that has one, else null.
nlohmann::json member_of(const nlohmann::json& doc, const char* member) {
  if (!doc.is_object()) return nullptr;
  auto it = doc.find(member);
  return it == doc.end() ? nullptr : *it;
}

std::string number(const nlohmann::json& v, const char* format) {
  if (!v.is_number()) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v.get<double>());
  return buf;
}

int routes(const live_args& args) {
  auto doc = ask(args, "/admin/v1/routes");
  if (!doc) return 1;
  if (args.json) {
    std::printf("%s\n", doc->dump().c_str());
    return 0;
  }
  const auto all = member_of(*doc, "routes");
  if (!all.is_object()) return 0;
  for (const auto& [name, r] : all.items()) {
    std::printf("%s  (decision %s)\n", name.c_str(),
                number(member_of(r, "decision_id"), "%.0f").c_str());
    std::vector<std::pair<double, std::string>> weights;
    const auto shares = member_of(r, "weights");
    if (shares.is_object())
      for (const auto& [model, w] : shares.items())
        weights.emplace_back(w.is_number() ? w.get<double>() : 0.0, model);
    std::sort(weights.rbegin(), weights.rend());  // heaviest first
    for (const auto& [w, model] : weights)
      std::printf("  %-40s %.3f\n", model.c_str(), w);
  }
  return 0;
}

int models(const live_args& args) {
  auto doc = ask(args, "/admin/v1/models");
  if (!doc) return 1;
  if (args.json) {
    std::printf("%s\n", doc->dump().c_str());
    return 0;
  }
  std::printf("%-36s %7s %7s %8s %8s %9s %8s %12s\n", "model", "calls", "errors", "p50 ms",
              "p95 ms", "ttft p50", "quality", "$/request");
  const auto all = member_of(*doc, "models");
  if (!all.is_object()) return 0;
  for (const auto& [model, m] : all.items()) {
    const auto window = member_of(m, "window");
    std::printf("%-36s %7s %7s %8s %8s %9s %8s %12s\n", model.c_str(),
                number(member_of(window, "calls"), "%.0f").c_str(),
                number(member_of(window, "error_rate"), "%.3f").c_str(),
                number(member_of(window, "p50_ms"), "%.0f").c_str(),
                number(member_of(window, "p95_ms"), "%.0f").c_str(),
                number(member_of(window, "p50_ttft_ms"), "%.0f").c_str(),
                number(member_of(member_of(m, "quality"), "mean"), "%.3f").c_str(),
                number(member_of(window, "cost_per_request_usd"), "%.6f").c_str());
  }
  return 0;
}

}  // namespace

void add_routes_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<live_args>();
  auto* r = app.add_subcommand("routes", "each route's weights now, from the running daemon");
  add_live_options(r, args);
  r->callback([args, &exit_code] { exit_code = routes(*args); });
  auto* m = app.add_subcommand(
      "models", "each model's live statistics (calls, errors, latency, quality, cost), from the "
                "running daemon");
  add_live_options(m, args);
  m->callback([args, &exit_code] { exit_code = models(*args); });
}

}  // namespace llmopt
