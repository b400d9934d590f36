#include "actors/cached_reply.hpp"

#include "actors/cached_answer.hpp"

namespace llmopt {

http::response cached_reply::with_headers(http::response r, const std::string& model) const {
  for (const auto& h : client_.headers)
    r.headers.push_back(h);
  if (!model.empty()) r.headers.emplace_back("x-llmopt-model", model);
  r.headers.emplace_back("x-llmopt-attempts", "0");
  return r;
}

bool cached_reply::begin_stream(const std::string& model) {
  if (stream_) return true;
  http::response head;
  head.content_type = "text/event-stream";
  head.headers = {{"cache-control", "no-cache"}};
  stream_ = client_.reply.stream(with_headers(std::move(head), model));
  if (!stream_) {
    done_ = true;  // the client is gone
    return false;
  }
  encoder_ = std::make_unique<client_stream_encoder>(client_.api, client_.include_usage);
  return true;
}

void cached_reply::write(const nlohmann::json& chunk) {
  if (done_) return;
  nlohmann::json own = chunk;
  if (own.contains("id")) own["id"] = client_.id;
  if (own.contains("created")) own["created"] = client_.created;
  auto text = encoder_->chunk(own);
  if (!text.empty() && !stream_->write(std::move(text))) done_ = true;
  if (!done_ && stream_->queued_bytes() > max_queued) {
    stream_->write(encoder_->failed({502, "upstream_error", "client_too_slow",
                                     "the stream fell behind the call it shares", ""}));
    stream_->end();
    done_ = true;
  }
}

void cached_reply::chunks(const std::vector<nlohmann::json>& chunks, const std::string& model) {
  if (done_ || !client_.stream || chunks.empty() || !begin_stream(model)) return;
  for (const auto& c : chunks)
    write(c);
}

void cached_reply::answer(const nlohmann::json& completion, const std::string& model) {
  if (done_) return;
  if (!client_.stream) {
    http::response r;
    r.body = completion_answer(client_.api, renamed(completion, client_.id, client_.created));
    client_.reply(with_headers(std::move(r), model));
    done_ = true;
    return;
  }
  const bool replay = !stream_;
  if (!begin_stream(model)) return;
  if (replay)
    for (const auto& c : chunks_of(completion, client_.id, client_.created))
      write(c);
  if (done_) return;
  stream_->write(encoder_->done());
  stream_->end();
  done_ = true;
}

void cached_reply::failed(const api_error& e, std::optional<long long> retry_after_s) {
  if (done_) return;
  done_ = true;
  if (stream_) {
    stream_->write(encoder_->failed(e));
    stream_->end();
    return;
  }
  auto r = with_headers(error_answer(client_.api, e), {});
  if (retry_after_s) r.headers.emplace_back("retry-after", std::to_string(*retry_after_s));
  client_.reply(std::move(r));
}

}  // namespace llmopt
