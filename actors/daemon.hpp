#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/loader.hpp"
#include "config/settings.hpp"
#include "decision/result.hpp"

namespace llmopt {

// One running llmopt daemon: store, Kafka (embedded or external), simulated
// providers, the actors and the gateway, wired from one `settings`.
//
// start() returns once everything listens; the startup lines (broker
// address, provider simulators, gateway address) are printed on stdout, and
// "llmopt: ready" follows when the collector consumes and the first routing
// table is in place. stop() shuts down in order: the gateway stops taking
// requests, the collector commits its offsets, the other actors finish,
// then the store closes. Neither is thread-safe; call them from one thread.
class daemon {
 public:
  // `config_text` is the configuration as written (secret references only),
  // kept as a snapshot in the store.
  static result<std::unique_ptr<daemon>> start(const settings& s, const std::string& config_text,
                                               const env_lookup& env);
  ~daemon();

  void stop();
  // Reads the configuration file again and applies what changed (SIGHUP);
  // returns at once. The outcome is logged: applied, with the snapshot it
  // was saved as, or refused with the reason, nothing changed.
  void reload_file();
  // The gateway's address, "host:port".
  std::string gateway_address() const;

  struct parts;  // defined in daemon.cpp

 private:
  explicit daemon(std::unique_ptr<parts> p);
  std::unique_ptr<parts> parts_;
};

}  // namespace llmopt
