#include <cstdio>

#include "adapters/providers/provider_sim.hpp"
#include "cli/commands.hpp"

namespace llmopt {
namespace {

struct provider_sim_args {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string models_file;
  std::uint64_t seed = 1;
  double output_tokens_mean = 300;
};

int run_provider_sim(const provider_sim_args& args) {
  auto models = load_simulated_models_file(args.models_file);
  if (!models) {
    std::fprintf(stderr, "llmopt: %s\n", models.err().detail.c_str());
    return 2;
  }
  block_control_signals();
  provider_sim_options options;
  options.listen = args.host + ":" + std::to_string(args.port);
  options.models = std::move(*models);
  options.seed = args.seed;
  options.output_tokens_mean = args.output_tokens_mean;
  const std::size_t count = options.models.size();
  auto sim = provider_sim::start(std::move(options));
  if (!sim) {
    std::fprintf(stderr, "llmopt: %s\n", sim.err().detail.c_str());
    return 1;
  }
  // The first line's form is what scripts and tests read the address from.
  std::printf("llmopt: provider-sim serving %zu models at %s\n", count, (*sim)->base_url().c_str());
  std::printf("llmopt: provider-sim bases: anthropic %s, gemini %s, ollama %s\n",
              (*sim)->base_url(sim_format::anthropic).c_str(),
              (*sim)->base_url(sim_format::gemini).c_str(),
              (*sim)->base_url(sim_format::ollama).c_str());
  std::fflush(stdout);
  wait_for_control_signal();
  (*sim)->stop();
  return 0;
}

}  // namespace

void add_provider_sim_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<provider_sim_args>();
  auto* cmd = app.add_subcommand(
      "provider-sim",
      "serve simulated models over the OpenAI, Anthropic, Gemini and Ollama APIs (streaming, "
      "tools, faults on demand)");
  cmd->add_option("--port,-p", args->port, "port (0 picks a free one)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--host", args->host, "address to listen on");
  cmd->add_option("--models,-m", args->models_file,
                  "JSON file: an array of models, or an object with \"models\" (a scenario)")
      ->required();
  cmd->add_option("--seed", args->seed, "seed of the simulated outcomes");
  cmd->add_option("--output-tokens-mean", args->output_tokens_mean,
                  "mean completion tokens per answer")
      ->check(CLI::PositiveNumber);
  cmd->callback([args, &exit_code] { exit_code = run_provider_sim(*args); });
}

}  // namespace llmopt
