#pragma once

// provider_sim's insides, shared by provider_sim.cpp (routing, answers) and
// sim_admin.cpp (the admin API and model lists). Not for other users.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "adapters/http/server.hpp"
#include "adapters/providers/provider_sim.hpp"
#include "adapters/providers/sim_api.hpp"
#include "adapters/providers/sim_faults.hpp"
#include "adapters/providers/sim_model_table.hpp"
#include "adapters/providers/sim_stats.hpp"

namespace llmopt {

// The largest request body the simulator reads, and how deep its JSON may
// nest (nlohmann's copy, dump and compare recurse).
inline constexpr std::size_t sim_max_body_bytes = 4u << 20;
inline constexpr std::size_t sim_max_json_depth = 64;

struct provider_sim::state {
  provider_sim_options options;
  std::unique_ptr<sim_model_table> table;
  // Declared before `server`, which is destroyed first: its handlers,
  // timers and abandon callbacks use these.
  sim_fault_table faults;
  sim_stats stats;
  std::atomic<std::uint64_t> next_request{0};
  std::unique_ptr<http::server> server;
  // `server` for handlers: null until start() has it (a request can only
  // arrive before that if a client guessed the port).
  std::atomic<http::server*> live{nullptr};

  // Every handler runs on a server I/O thread and never throws.
  void handle(http::request req, http::responder reply);
  void route(const http::request& req, const http::responder& reply);
  void gemini(const http::request& req, const http::responder& reply);

  // The answer endpoints (provider_sim.cpp).
  void answer(sim_format f, const http::request& req, const http::responder& reply,
              const std::string& path_model);

  // The admin API and model lists (sim_admin.cpp).
  http::response admin_model(const http::request& req);
  http::response admin_faults(const http::request& req);
  void admin_stats(const http::request& req, const http::responder& reply);
  http::response list_models() const;
  http::response ollama_tags() const;
};

// A JSON reply in OpenAI's error shape, as the routes outside any one
// provider's API use.
http::response sim_error(int status, const std::string& message, const std::string& code);

}  // namespace llmopt
