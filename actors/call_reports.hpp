#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>

#include "actors/messages.hpp"
#include "adapters/kafka/producer.hpp"
#include "store/spend_ledger.hpp"

namespace llmopt {

class curl_loop;

// What the request path tells the actors about its calls: each call's
// outcome for its provider key (router), each model's call as a signal
// (aggregator), each billed call for the spend ledger (store). Sent one
// message per actor per report, an actor wakes and the scheduler's workers
// spin for every call: at thousands of calls a second that costs more CPU
// than the calls themselves. So reports are gathered and sent together:
//   - a report when nothing was sent for `interval` goes at once, so a
//     quiet gateway reports each call as it ends;
//   - later ones wait for the end of that interval and go in one message
//     per actor (provider_calls, signal_batch, spend_batch).
// A report is thus at most `interval` late; the decision engine ticks every
// second and breakers live on the loop itself, so neither notices.
//
// With calls shared (kafka.publish_calls), a model's call goes to the calls
// topic instead of the aggregator, with an id unique to this process and
// call; the collector reads it back as every instance's calls are read. A
// call the producer cannot take (its queue full) goes to the aggregator as
// before: counted here, if not elsewhere, rather than lost. One the broker
// never acknowledges (down for longer than message.timeout.ms) is lost to
// the statistics.
//
// Threading: every member runs on the curl loop's thread, except flush()
// once the loop has stopped (daemon shutdown: what is left goes then).
class call_reports {
 public:
  struct sharing {
    std::shared_ptr<kafka::producer> producer;
    std::string topic;
    std::string instance;  // unique to this process: the call ids' prefix
  };

  call_reports(curl_loop& loop, caf::actor router, caf::actor aggregator, caf::actor store,
               std::chrono::milliseconds interval, std::optional<sharing> shared = std::nullopt);

  void provider_called(provider_call call);
  void model_called(typed_signal call);
  void billed(std::vector<spend_entry> entries);

  // Sends everything gathered now.
  void flush();

 private:
  void gathered();

  curl_loop& loop_;
  caf::actor router_, aggregator_, store_;
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point last_sent_{};
  bool flush_due_ = false;  // a flush is scheduled on the loop
  std::optional<sharing> shared_;
  unsigned long long shared_calls_ = 0;
  provider_calls calls_;
  signal_batch signals_;
  spend_batch spend_;
};

}  // namespace llmopt
