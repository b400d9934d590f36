#include "actors/chat_exchange.hpp"

#include "actors/call_reports.hpp"
#include "actors/gateway_metrics.hpp"

#include <algorithm>
#include <random>

#include <spdlog/spdlog.h>

#include "actors/messages.hpp"
#include "actors/shared_ledger.hpp"
#include "actors/wall_clock.hpp"
#include "adapters/providers/bounded_json.hpp"

namespace llmopt {
namespace {

// Above this much queued for the client, the upstream read pauses until
// the client has taken half of it.
constexpr std::size_t stream_high_mark = 256 * 1024;
// Chunks held before the first token (role chunks, empty deltas): a stream
// that sends more without a token is committed anyway.
constexpr std::size_t max_held_chunks = 256;

// Whole seconds for a Retry-After header: rounded up, at least 1.
long long retry_after_seconds(long long wait_ms) {
  return std::max(1LL, (wait_ms + 999) / 1000);
}

// A uniform draw in [0, 1) for jittered waits; the loop thread's own.
double jitter_draw() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0, 1)(rng);
}

class exchange : public std::enable_shared_from_this<exchange> {
 public:
  explicit exchange(exchange_setup setup)
      : s_(std::move(setup)),
        deadline_ms_(s_.timeout_ms > 0 ? steady_clock_ms() + s_.timeout_ms : 0) {}
  // Settles what the request reserved (on the loop thread, where the last
  // callback holding it ends).
  ~exchange();

  // On the loop thread.
  void start();
  void admit(std::variant<admission, refusal> verdict);
  void begin();
  void served_by_cache() const;
  void next_attempt();
  void abandon();

 private:
  const planned_attempt& current() const { return s_.plan.attempts[*current_]; }
  long long tokens() const { return s_.request.needs.context_tokens; }
  bool past_deadline(long long now) const { return deadline_ms_ > 0 && now >= deadline_ms_; }
  double cost(const planned_attempt& a) const;
  bool try_candidate(std::size_t index);
  bool take_budget(long long now);
  void call(std::size_t index, long long now);
  void retry_or_fail();
  void retry(std::size_t index);
  bool on_chunks(std::vector<nlohmann::json>& chunks);
  void on_done(upstream_reply reply);
  void commit();
  bool send(const nlohmann::json& chunk);
  bool write(std::string text);
  void finish_ok(const upstream_reply& reply);
  void fail_stream(const api_error& e);
  void fail_all();
  void fail_deadline();
  void fail_unavailable();
  void account(const upstream_reply& reply, bool cut_by_deadline);
  http::response with_headers(http::response r) const;
  cache_client as_cache_client() const;

  exchange_setup s_;
  const long long deadline_ms_;         // steady ms; 0: none
  std::size_t cursor_ = 0;              // the next candidate of the plan to consider
  std::optional<std::size_t> current_;  // the candidate of the last call
  std::size_t calls_ = 0;               // calls made, retries included
  std::size_t candidates_called_ = 0;   // ... of distinct candidates (at most max_attempts)
  int retries_waited_ = 0;
  long long last_wait_ms_ = 0;        // the retry policy's last wait
  bool limited_by_deadline_ = false;  // the call in flight ends at the deadline, if not before
  curl_loop::call_id call_ = 0;
  bool in_flight_ = false;
  bool abandoned_ = false;
  // The stream to the client, once committed.
  std::vector<nlohmann::json> held_;
  std::shared_ptr<http::response_stream> stream_;
  std::unique_ptr<client_stream_encoder> encoder_;
  // Failures so far.
  std::optional<upstream_reply> last_failure_;
  std::string last_model_;
  bool all_rate_limited_ = true;
  std::optional<long long> shortest_wait_ms_;
  // Candidates skipped without a call, why, and when the soonest is free.
  std::vector<std::pair<model_key, upstream_guard::skip>> skipped_;
  std::optional<long long> soonest_available_ms_;
  // The identical requests waiting on this one's call (answer_cache).
  std::shared_ptr<flight> flight_;
  // What the spend guard let through, and the calls billed since.
  std::optional<admission> admitted_;
  std::vector<spend_entry> billed_;
};

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : ",") + item;
  return out;
}

// The error a request error from upstream becomes for the client.
api_error passed_on(const upstream_reply& r) {
  api_error e;
  e.status = r.http_status;
  e.type = "invalid_request_error";
  switch (r.http_status) {
    case 404:
      e.code = "model_not_found";
      break;
    case 413:
      e.code = "request_too_large";
      break;
    default:
      e.code = "invalid_request";
  }
  e.message = r.error;
  return e;
}

exchange::~exchange() {
  if (!admitted_) return;
  if (s_.ledger)
    s_.ledger->settle(*admitted_, std::move(billed_), wall_clock_ms());
  else
    s_.guard->settle(*admitted_, std::move(billed_), wall_clock_ms());
}

// What a candidate could cost this request at most: its prompt and all the
// output it may ask for.
double exchange::cost(const planned_attempt& a) const {
  const long long output = s_.request.max_output_tokens.value_or(s_.default_max_tokens);
  return a.price->cost_usd(s_.request.estimated_input_tokens, output);
}

void exchange::start() {
  if (!s_.guard) return begin();
  const long long output = s_.request.max_output_tokens.value_or(s_.default_max_tokens);
  spend_estimate estimate{s_.request.estimated_input_tokens + output, 0};
  for (const auto& a : s_.plan.attempts)
    estimate.usd = std::max(estimate.usd, cost(a));
  if (!s_.ledger) return admit(s_.guard->admit(s_.who, s_.plan.route, estimate, wall_clock_ms()));
  auto self = shared_from_this();
  s_.ledger->admit(
      s_.who, s_.plan.route, estimate, wall_clock_ms(), s_.timeout_ms,
      [self](std::variant<admission, refusal> verdict) { self->admit(std::move(verdict)); });
}

// The guard's or the shared ledger's verdict: refused, or let through (and
// what it reserved is settled when the exchange goes).
void exchange::admit(std::variant<admission, refusal> verdict) {
  if (auto* refused = std::get_if<refusal>(&verdict)) {
    if (s_.metrics)
      s_.metrics->refused(refused->error.code == "insufficient_quota"
                              ? "budget"
                              : "rate_limit_" + refused->error.type);
    auto r = with_headers(error_answer(s_.api, refused->error));
    r.headers.insert(r.headers.end(), refused->headers.begin(), refused->headers.end());
    return s_.reply(std::move(r));
  }
  admitted_ = std::move(std::get<admission>(verdict));
  if (abandoned_) return;  // the client left while the shared ledger answered
  if (admitted_->past_soft_limit)
    std::stable_sort(s_.plan.attempts.begin(), s_.plan.attempts.end(),
                     [&](const auto& a, const auto& b) { return cost(a) < cost(b); });
  begin();
}

http::response exchange::with_headers(http::response r) const {
  if (!s_.plan.route.empty()) r.headers.emplace_back("x-llmopt-route", s_.plan.route);
  if (current_) {
    r.headers.emplace_back("x-llmopt-model", current().model);
    if (!current().native.dropped.empty())
      r.headers.emplace_back("x-llmopt-dropped-params", joined(current().native.dropped));
  }
  if (!s_.plan.route.empty())
    r.headers.emplace_back("x-llmopt-decision", std::to_string(s_.plan.decision_id));
  r.headers.emplace_back("x-llmopt-attempts", std::to_string(calls_));
  r.headers.emplace_back("x-llmopt-cache", s_.cache.key.empty() ? "bypass" : "miss");
  if (admitted_)
    r.headers.insert(r.headers.end(), admitted_->headers.begin(), admitted_->headers.end());
  return r;
}

cache_client exchange::as_cache_client() const {
  cache_client c{s_.api,     s_.reply, s_.request.stream, s_.request.include_usage, s_.id,
                 s_.created, {}};
  if (!s_.plan.route.empty()) {
    c.headers.emplace_back("x-llmopt-route", s_.plan.route);
    c.headers.emplace_back("x-llmopt-decision", std::to_string(s_.plan.decision_id));
  }
  if (admitted_)
    c.headers.insert(c.headers.end(), admitted_->headers.begin(), admitted_->headers.end());
  return c;
}

// The cache's stage, before the first attempt: a hit or a join is answered
// by the cache; otherwise this request leads the call.
void exchange::begin() {
  if (s_.cache.key.empty()) return next_attempt();
  auto self = shared_from_this();
  std::weak_ptr<exchange> weak = self;  // the flight, held by this exchange, holds this
  answer_cache::lead_callbacks calls;
  calls.go = [self] { self->next_attempt(); };
  calls.cancel_call = [weak] {
    if (auto alive = weak.lock()) alive->abandon();
  };
  calls.served = [self] { self->served_by_cache(); };
  flight_ = s_.cache.cache->open(s_.cache.key, as_cache_client(), std::move(calls));
}

// A hit, or a join of the identical call in flight: the cache answers the
// client and no call is made for this request, so nothing is accounted for
// it (no call outcome, no provider call, nothing billed: its reservation
// settles at 0 when the exchange goes).
void exchange::served_by_cache() const {
  spdlog::debug("request {}: answered by the cache", s_.id);
}

// The next candidate that may be called now; when none is left (or
// max_attempts were called), a wait and another try of the last one.
void exchange::next_attempt() {
  if (abandoned_) return;
  if (past_deadline(steady_clock_ms())) return fail_deadline();
  while (candidates_called_ < s_.plan.max_attempts && cursor_ < s_.plan.attempts.size())
    if (try_candidate(cursor_++)) return;
  retry_or_fail();
}

// Calls the candidate unless the guard holds it back; true when the request
// went on (a call, or an answer because the retry budget is spent).
bool exchange::try_candidate(std::size_t index) {
  const auto now = steady_clock_ms();
  const auto& model = s_.plan.attempts[index].model;
  const auto verdict = s_.upstream->check(model, tokens(), now);
  if (verdict.why != upstream_guard::skip::none) {
    skipped_.emplace_back(model, verdict.why);
    soonest_available_ms_ =
        std::min(soonest_available_ms_.value_or(verdict.available_at_ms), verdict.available_at_ms);
    return false;
  }
  if (!take_budget(now)) {
    fail_all();
    return true;
  }
  ++candidates_called_;
  call(index, now);
  return true;
}

// Every call after a request's first is a retry, and takes one from the
// budget shared by all requests.
bool exchange::take_budget(long long now) {
  if (calls_ == 0) {
    s_.upstream->budget().record_request(now);
    return true;
  }
  if (s_.upstream->budget().try_retry(now)) return true;
  spdlog::debug("request {}: the retry budget is spent", s_.id);
  return false;
}

void exchange::call(std::size_t index, long long now) {
  current_ = index;
  ++calls_;
  const auto& a = current();
  held_.clear();
  const long time_left = deadline_ms_ > 0 ? static_cast<long>(deadline_ms_ - now) : 0;
  limited_by_deadline_ = deadline_ms_ > 0 && time_left < a.client->endpoint().timeout_ms;
  s_.upstream->started(a.model, tokens(), now);
  wire::reply_context ctx{std::string(model_name_of(a.model)), s_.id, s_.created};
  auto self = shared_from_this();
  in_flight_ = true;
  call_ = a.client->start(
      s_.request, ctx.model, a.native, ctx,
      [self](std::vector<nlohmann::json>& chunks) { return self->on_chunks(chunks); },
      [self](upstream_reply reply) { self->on_done(std::move(reply)); }, time_left);
}

// No other candidate is left: the last one called is tried again after the
// policy's wait (and at least what it asked for, or until its breaker lets a
// probe through), if that is before the deadline.
void exchange::retry_or_fail() {
  if (calls_ == 0) return fail_unavailable();
  if (retries_waited_ >= s_.retry.max_retries) return fail_all();
  const auto index = *current_;
  const auto now = steady_clock_ms();
  const long long policy_wait =
      retry_delay_ms(s_.retry, retries_waited_ + 1, last_wait_ms_, jitter_draw());
  long long at = now + std::max(policy_wait, last_failure_->wait_ms.value_or(0));
  const auto verdict = s_.upstream->check(current().model, tokens(), now);
  if (verdict.why != upstream_guard::skip::none) at = std::max(at, verdict.available_at_ms);
  if (deadline_ms_ > 0 && at >= deadline_ms_) return fail_all();
  ++retries_waited_;
  last_wait_ms_ = policy_wait;
  auto self = shared_from_this();
  s_.loop->post_after(static_cast<long>(at - now), [self, index] { self->retry(index); });
}

void exchange::retry(std::size_t index) {
  if (abandoned_) return;
  const auto now = steady_clock_ms();
  if (past_deadline(now)) return fail_deadline();
  if (s_.upstream->check(s_.plan.attempts[index].model, tokens(), now).why !=
      upstream_guard::skip::none)
    return fail_all();
  if (!take_budget(now)) return fail_all();
  call(index, now);
}

void exchange::abandon() {
  if (flight_ && flight_->leader_left()) {
    // Others wait on this call: it goes on for them, its stream to nobody.
    if (!encoder_) encoder_ = std::make_unique<client_stream_encoder>(s_.api, false);
    stream_ = discarding_stream();
    return;
  }
  abandoned_ = true;
  if (in_flight_) current().client->cancel(call_);
}

bool exchange::on_chunks(std::vector<nlohmann::json>& chunks) {
  if (abandoned_) return false;
  if (!stream_) {
    bool token = false;
    for (auto& c : chunks) {
      token = token || carries_token(c);
      held_.push_back(std::move(c));
    }
    if (!token && held_.size() < max_held_chunks) return true;
    commit();
    if (!stream_) return false;
  } else {
    for (const auto& c : chunks)
      if (!send(c)) return false;
  }
  if (stream_->queued_bytes() <= stream_high_mark) return true;
  auto* client = current().client;
  const auto id = call_;
  stream_->when_drained(stream_high_mark / 2, [client, id] { client->resume(id); });
  return false;
}

// Starts the answer to the client: the first token has come (or the stream
// ended cleanly without one). What was held goes first.
void exchange::commit() {
  http::response head;
  head.content_type = "text/event-stream";
  head.headers = {{"cache-control", "no-cache"}};
  stream_ = s_.reply.stream(with_headers(std::move(head)));
  if (!stream_) abandon();  // the client is gone (the call may go on for others)
  if (!stream_) return;
  encoder_ = std::make_unique<client_stream_encoder>(s_.api, s_.request.include_usage);
  for (const auto& c : held_)
    send(c);
  held_.clear();
}

// One chunk to the client, and to the requests that share this call.
bool exchange::send(const nlohmann::json& chunk) {
  if (flight_) flight_->on_chunk(chunk, current().model);
  return write(encoder_->chunk(chunk));
}

bool exchange::write(std::string text) {
  if (text.empty()) return true;
  return stream_->write(std::move(text));
}

void exchange::on_done(upstream_reply reply) {
  in_flight_ = false;
  // A call cut by the request's deadline is nobody's failure: the model had
  // less time than its provider's timeout.
  const bool cut_by_deadline = limited_by_deadline_ && reply.status == call_status::timeout;
  s_.upstream->finished(current().model, reply, cut_by_deadline, steady_clock_ms());
  account(reply, cut_by_deadline);
  if (abandoned_ || reply.outcome == outcome_class::cancelled) return;
  switch (reply.outcome) {
    case outcome_class::ok:
      return finish_ok(reply);
    case outcome_class::request_error:
      if (stream_) break;  // cannot happen: errors come before bytes
      if (flight_) flight_->on_failure(passed_on(reply), std::nullopt);
      return s_.reply(with_headers(error_answer(s_.api, passed_on(reply))));
    case outcome_class::credentials_error:
    case outcome_class::model_failure:
    case outcome_class::cancelled:
      break;
  }
  spdlog::debug("request {}: {} failed ({}): {}", s_.id, current().model, to_string(reply.outcome),
                reply.error);
  if (stream_ && cut_by_deadline) return fail_deadline();
  if (stream_)
    return fail_stream({502, "upstream_error", "upstream_stream_failed",
                        "the stream from " + current().model + " failed: " + reply.error, ""});
  all_rate_limited_ = all_rate_limited_ && reply.http_status == 429;
  if (reply.wait_ms)
    shortest_wait_ms_ = std::min(shortest_wait_ms_.value_or(*reply.wait_ms), *reply.wait_ms);
  last_model_ = current().model;
  last_failure_ = std::move(reply);
  if (cut_by_deadline) return fail_deadline();
  next_attempt();
}

void exchange::finish_ok(const upstream_reply& reply) {
  if (!s_.request.stream) {
    if (flight_) flight_->on_answer(reply.completion, current().model);
    http::response r;
    r.body = completion_answer(s_.api, reply.completion);
    s_.reply(with_headers(std::move(r)));
    if (s_.metrics && calls_ == 1) {
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - s_.read_at;
      s_.metrics->added(took.count() - reply.latency_ms / 1000.0);
    }
    return;
  }
  if (!stream_) commit();  // a clean stream that never carried a token
  // The stream ended cleanly: the chunks teed are the answer, to share and store.
  if (flight_) flight_->on_answer(nlohmann::json(), current().model);
  if (!stream_) return;
  write(encoder_->done());
  stream_->end();
}

void exchange::fail_stream(const api_error& e) {
  if (flight_) flight_->on_failure(e, std::nullopt);
  write(encoder_->failed(e));
  stream_->end();
}

void exchange::fail_all() {
  api_error e;
  const auto& last = *last_failure_;
  e.message = "every candidate failed; last: " + last_model_ + ": " + last.error;
  if (all_rate_limited_) {
    e.status = 429;
    e.type = "rate_limit_error";
    e.code = "upstream_rate_limited";
  } else if (last.status == call_status::timeout) {
    e.status = 504;
    e.type = "upstream_error";
    e.code = "upstream_timeout";
  } else {
    e.status = 502;
    e.type = "upstream_error";
    e.code = "upstream_failed";
  }
  auto r = with_headers(error_answer(s_.api, e));
  std::optional<long long> retry_after;
  if (all_rate_limited_ && shortest_wait_ms_) retry_after = retry_after_seconds(*shortest_wait_ms_);
  if (retry_after) r.headers.emplace_back("retry-after", std::to_string(*retry_after));
  if (flight_) flight_->on_failure(e, retry_after);
  s_.reply(std::move(r));
}

void exchange::fail_deadline() {
  api_error e{504, "upstream_error", "deadline_exceeded",
              "the request's deadline of " + std::to_string(s_.timeout_ms) + " ms passed after " +
                  std::to_string(calls_) + " call(s)",
              ""};
  if (last_failure_) e.message += "; last: " + last_model_ + ": " + last_failure_->error;
  if (stream_) return fail_stream(e);
  if (flight_) flight_->on_failure(e, std::nullopt);
  s_.reply(with_headers(error_answer(s_.api, e)));
}

// No candidate could be called: each was held back by its breaker or its
// provider's limits.
void exchange::fail_unavailable() {
  bool breaker = false;
  std::string why;
  for (const auto& [model, skip] : skipped_) {
    breaker = breaker || skip == upstream_guard::skip::breaker_open;
    why += (why.empty() ? "" : ", ") + model + ": " + to_string(skip);
  }
  api_error e;
  if (breaker) {
    e = {503, "service_unavailable", "circuit_open", "", ""};
  } else {
    e = {429, "rate_limit_error", "upstream_rate_limited", "", ""};
  }
  e.message = "no candidate can take a call now (" + why + ")";
  auto r = with_headers(error_answer(s_.api, e));
  const auto wait = soonest_available_ms_.value_or(0) - steady_clock_ms();
  r.headers.emplace_back("retry-after", std::to_string(retry_after_seconds(wait)));
  if (flight_) flight_->on_failure(e, retry_after_seconds(wait));
  s_.reply(std::move(r));
}

// What a call was billed always counts; a call cut by the request's
// deadline counts against neither the model nor the provider key.
void exchange::account(const upstream_reply& reply, bool cut_by_deadline) {
  const auto& a = current();
  if (reply.usage.reported || reply.usage.billed_usd) {
    spend_entry e;
    e.at_ms = wall_clock_ms();
    e.key_id = s_.who.key_id;
    e.route = s_.plan.route;
    e.model = a.model;
    e.decision_id = s_.plan.decision_id;
    e.request_id = s_.id;
    e.input_tokens = reply.usage.input_tokens;
    e.output_tokens = reply.usage.output_tokens;
    e.usd = reply.usage.billed_usd
                ? *reply.usage.billed_usd
                : a.price->cost_usd(reply.usage.input_tokens, reply.usage.output_tokens);
    billed_.push_back(std::move(e));
  }
  if (s_.metrics)
    s_.metrics->called(a.model, s_.plan.route,
                       cut_by_deadline ? std::string_view{"deadline"} : to_string(reply.outcome),
                       reply);
  if (cut_by_deadline) return;
  if (reply.outcome != outcome_class::cancelled)
    s_.reports->provider_called(provider_call{std::string(provider_of(a.model)), reply.outcome,
                                              reply.http_status, reply.error});
  if (reply.outcome != outcome_class::ok && reply.outcome != outcome_class::model_failure) return;
  call_outcome c;
  c.route = s_.plan.route;
  c.status = reply.status;
  c.latency_ms = reply.latency_ms;
  c.input_tokens = reply.usage.input_tokens;
  c.output_tokens = reply.usage.output_tokens;
  c.billed_usd = reply.usage.billed_usd;
  c.ttft_ms = reply.ttft_ms;
  c.inter_token_ms = reply.inter_token_ms;
  c.output_tokens_per_s = reply.output_tokens_per_s;
  s_.reports->model_called(router_call_signal(a.model, std::move(c), a.price, wall_clock_ms()));
}

}  // namespace

void start_exchange(exchange_setup setup) {
  auto* loop = setup.loop;
  http::responder reply = setup.reply;
  auto ex = std::make_shared<exchange>(std::move(setup));
  // The callback is held by the request's reply slot, which the exchange
  // holds: a weak reference, so neither keeps the other alive.
  std::weak_ptr<exchange> weak = ex;
  reply.on_abandon([weak, loop] {
    loop->post([weak] {
      if (auto alive = weak.lock()) alive->abandon();
    });
  });
  loop->post([ex] { ex->start(); });
}

}  // namespace llmopt
