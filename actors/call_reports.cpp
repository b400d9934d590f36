#include "actors/call_reports.hpp"

#include <caf/send.hpp>

#include "adapters/providers/curl_loop.hpp"
#include "adapters/signals/calls_topic.hpp"

namespace llmopt {

call_reports::call_reports(curl_loop& loop, caf::actor router, caf::actor aggregator,
                           caf::actor store, std::chrono::milliseconds interval,
                           std::optional<sharing> shared)
    : loop_(loop),
      router_(std::move(router)),
      aggregator_(std::move(aggregator)),
      store_(std::move(store)),
      interval_(interval),
      shared_(std::move(shared)) {}

void call_reports::provider_called(provider_call call) {
  calls_.calls.push_back(std::move(call));
  gathered();
}

void call_reports::model_called(typed_signal call) {
  if (shared_) {
    call.id = shared_->instance + ":" + std::to_string(++shared_calls_);
    if (shared_->producer->produce(shared_->topic, call.model,
                                   call_message(call, shared_->instance)))
      return gathered();
  }
  signals_.signals.push_back({signal_source::router, std::move(call)});
  ++signals_.received[static_cast<std::size_t>(signal_source::router)];
  gathered();
}

void call_reports::billed(std::vector<spend_entry> entries) {
  for (auto& e : entries)
    spend_.entries.push_back(std::move(e));
  gathered();
}

void call_reports::gathered() {
  if (flush_due_) return;
  const auto next = last_sent_ + interval_;
  const auto now = std::chrono::steady_clock::now();
  if (now >= next) return flush();
  flush_due_ = true;
  const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count();
  loop_.post_after(std::max<long>(1, static_cast<long>(wait)), [this] {
    flush_due_ = false;
    flush();
  });
}

void call_reports::flush() {
  last_sent_ = std::chrono::steady_clock::now();
  if (shared_) shared_->producer->poll();  // serves its delivery reports
  if (!calls_.calls.empty()) caf::anon_send(router_, std::exchange(calls_, {}));
  if (!signals_.signals.empty()) caf::anon_send(aggregator_, std::exchange(signals_, {}));
  if (!spend_.entries.empty()) caf::anon_send(store_, std::exchange(spend_, {}));
}

}  // namespace llmopt
