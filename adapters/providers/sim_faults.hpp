#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "adapters/providers/sim_model_table.hpp"
#include "decision/result.hpp"

namespace llmopt {

// Faults the simulator injects on demand, for tests (POST /admin/faults):
//   status      — the request is answered at once with this HTTP status in
//                 its API's error shape (streaming or not: before any byte),
//                 with Retry-After when retry_after_s is given;
//   cut         — a stream stops after `after_tokens` content pieces and the
//                 connection closes without the stream's end; a plain
//                 answer's connection closes halfway through its body;
//   error_event — a stream sends its API's in-stream error after
//                 `after_tokens` pieces and ends; a plain answer is a 500;
//   stall       — nothing more is sent after `after_tokens` pieces (a plain
//                 answer: nothing at all) and the request is held open until
//                 the client goes away.
// A fault applies to the next `count` requests for its model (or any model),
// whatever the world model drew for them.
enum class sim_fault_kind { status, cut, error_event, stall };

struct sim_fault {
  std::optional<std::size_t> model;  // index in the model table; none: any model
  std::string model_id;              // its full id, for display
  sim_fault_kind kind = sim_fault_kind::status;
  int status = 500;                        // kind status: 400..599
  std::optional<long long> retry_after_s;  // sets Retry-After
  std::size_t after_tokens = 0;            // 0: before the first content piece
  long long count = 1;                     // requests it still applies to
};

// Reads a POST /admin/faults body: {"model"?, "kind", "status"?,
// "retry_after_s"?, "after_tokens"?, "count"?}. Errors name the field;
// an unknown model is error code "unknown_model". Unknown fields are refused.
result<sim_fault> parse_fault(const nlohmann::json& body, const sim_model_table& models);

nlohmann::json to_json(const sim_fault& f);

// The faults waiting for requests, in the order they were added.
// Thread-safe.
class sim_fault_table {
 public:
  void add(sim_fault f);
  // Removes every fault; returns how many there were.
  std::size_t clear();
  // The first fault that applies to model `model`, counted down (and
  // removed when it reaches 0); none when no fault applies.
  std::optional<sim_fault> take(std::size_t model);
  // The pending faults, as an array.
  nlohmann::json to_json() const;

 private:
  mutable std::mutex mu_;
  std::deque<sim_fault> faults_;
};

}  // namespace llmopt
