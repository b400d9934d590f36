#include "actors/chat_exchange.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "actors/messages.hpp"
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

class exchange : public std::enable_shared_from_this<exchange> {
 public:
  explicit exchange(exchange_setup setup) : s_(std::move(setup)) {}
  // Settles what the request reserved (on the loop thread, where the last
  // callback holding it ends).
  ~exchange();

  // On the loop thread.
  void start();
  void begin();
  void served_by_cache() const;
  void next_attempt();
  void abandon();

 private:
  const planned_attempt& current() const { return s_.plan.attempts[next_ - 1]; }
  bool on_chunks(std::vector<nlohmann::json>& chunks);
  void on_done(upstream_reply reply);
  void commit();
  bool send(const nlohmann::json& chunk);
  bool write(std::string text);
  void finish_ok(const upstream_reply& reply);
  void fail_stream(const upstream_reply& reply);
  void fail_all();
  void account(const upstream_reply& reply);
  http::response with_headers(http::response r) const;
  cache_client as_cache_client() const;

  exchange_setup s_;
  std::size_t next_ = 0;  // index of the next attempt
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
  std::optional<long long> shortest_retry_after_;
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
  if (admitted_) s_.guard->settle(*admitted_, std::move(billed_));
}

void exchange::start() {
  if (s_.guard) {
    const long long input = s_.request.estimated_input_tokens;
    const long long output = s_.request.max_output_tokens.value_or(s_.default_max_tokens);
    auto cost = [&](const planned_attempt& a) { return a.price->cost_usd(input, output); };
    spend_estimate estimate{input + output, 0};
    for (const auto& a : s_.plan.attempts)
      estimate.usd = std::max(estimate.usd, cost(a));
    auto verdict = s_.guard->admit(s_.who, s_.plan.route, estimate, wall_clock_ms());
    if (auto* refused = std::get_if<refusal>(&verdict)) {
      auto r = with_headers(error_answer(s_.api, refused->error));
      r.headers.insert(r.headers.end(), refused->headers.begin(), refused->headers.end());
      return s_.reply(std::move(r));
    }
    admitted_ = std::move(std::get<admission>(verdict));
    if (admitted_->past_soft_limit)
      std::stable_sort(s_.plan.attempts.begin(), s_.plan.attempts.end(),
                       [&](const auto& a, const auto& b) { return cost(a) < cost(b); });
  }
  begin();
}

http::response exchange::with_headers(http::response r) const {
  if (!s_.plan.route.empty()) r.headers.emplace_back("x-llmopt-route", s_.plan.route);
  if (next_ > 0) {
    r.headers.emplace_back("x-llmopt-model", current().model);
    if (!current().native.dropped.empty())
      r.headers.emplace_back("x-llmopt-dropped-params", joined(current().native.dropped));
  }
  if (!s_.plan.route.empty())
    r.headers.emplace_back("x-llmopt-decision", std::to_string(s_.plan.decision_id));
  r.headers.emplace_back("x-llmopt-attempts", std::to_string(next_));
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

void exchange::next_attempt() {
  if (abandoned_) return;
  if (next_ >= s_.plan.attempts.size()) return fail_all();
  ++next_;
  const auto& a = current();
  held_.clear();
  wire::reply_context ctx{std::string(model_name_of(a.model)), s_.id, s_.created};
  auto self = shared_from_this();
  in_flight_ = true;
  call_ = a.client->start(
      s_.request, ctx.model, a.native, ctx,
      [self](std::vector<nlohmann::json>& chunks) { return self->on_chunks(chunks); },
      [self](upstream_reply reply) { self->on_done(std::move(reply)); });
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
  account(reply);
  if (abandoned_ || reply.outcome == outcome_class::cancelled) return;
  switch (reply.outcome) {
    case outcome_class::ok:
      return finish_ok(reply);
    case outcome_class::request_error:
      if (stream_) return fail_stream(reply);  // cannot happen: errors come before bytes
      if (flight_) flight_->on_failure(passed_on(reply), std::nullopt);
      return s_.reply(with_headers(error_answer(s_.api, passed_on(reply))));
    case outcome_class::credentials_error:
    case outcome_class::model_failure:
    case outcome_class::cancelled:
      break;
  }
  spdlog::debug("request {}: {} failed ({}): {}", s_.id, current().model, to_string(reply.outcome),
                reply.error);
  if (stream_) return fail_stream(reply);
  all_rate_limited_ = all_rate_limited_ && reply.http_status == 429;
  if (reply.retry_after_s)
    shortest_retry_after_ =
        std::min(shortest_retry_after_.value_or(*reply.retry_after_s), *reply.retry_after_s);
  last_model_ = current().model;
  last_failure_ = std::move(reply);
  next_attempt();
}

void exchange::finish_ok(const upstream_reply& reply) {
  if (!s_.request.stream) {
    if (flight_) flight_->on_answer(reply.completion, current().model);
    http::response r;
    r.body = completion_answer(s_.api, reply.completion);
    return s_.reply(with_headers(std::move(r)));
  }
  if (!stream_) commit();  // a clean stream that never carried a token
  // The stream ended cleanly: the chunks teed are the answer, to share and store.
  if (flight_) flight_->on_answer(nlohmann::json(), current().model);
  if (!stream_) return;
  write(encoder_->done());
  stream_->end();
}

void exchange::fail_stream(const upstream_reply& reply) {
  api_error e{502, "upstream_error", "upstream_stream_failed",
              "the stream from " + current().model + " failed: " + reply.error, ""};
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
  if (all_rate_limited_ && shortest_retry_after_)
    r.headers.emplace_back("retry-after", std::to_string(*shortest_retry_after_));
  if (flight_) flight_->on_failure(e, all_rate_limited_ ? shortest_retry_after_ : std::nullopt);
  s_.reply(std::move(r));
}

void exchange::account(const upstream_reply& reply) {
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
  if (reply.outcome != outcome_class::cancelled)
    caf::anon_send(s_.accounting.router,
                   provider_call{std::string(provider_of(a.model)), reply.outcome,
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
  caf::anon_send(s_.accounting.aggregator,
                 router_call_signal(a.model, std::move(c), a.price, wall_clock_ms()));
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
