#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <string>

#include "adapters/providers/openai_client.hpp"
#include "adapters/providers/provider_sim.hpp"

namespace llmopt::test {

inline simulated_model sim_model(const std::string& id, double median_ms, double p95_ms,
                                 double error_rate = 0, double quality = 0.8) {
  simulated_model m;
  m.id = id;
  m.price = {1.0, 2.0};
  m.behaviour = {median_ms, p95_ms, error_rate, quality};
  return m;
}

inline std::unique_ptr<provider_sim> start_sim(std::vector<simulated_model> models,
                                               std::uint64_t seed = 1) {
  provider_sim_options o;
  o.models = std::move(models);
  o.seed = seed;
  auto sim = provider_sim::start(std::move(o));
  REQUIRE(sim.ok());
  return std::move(sim.value());
}

inline chat_call hello_call(const std::string& model) {
  chat_call c;
  c.upstream_model = model;
  c.body = {{"messages", {{{"role", "user"}, {"content", "Say hello to the simulator."}}}}};
  return c;
}

// Sends one call and waits for its reply (bounded: fails the test after 10 s).
inline chat_reply send_and_wait(provider_client& client, chat_call call) {
  auto promise = std::make_shared<std::promise<chat_reply>>();
  auto future = promise->get_future();
  client.send(std::move(call), [promise](chat_reply r) { promise->set_value(std::move(r)); });
  REQUIRE(future.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  return future.get();
}

}  // namespace llmopt::test
