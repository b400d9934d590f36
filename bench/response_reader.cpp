#include "bench/response_reader.hpp"

#include <algorithm>

#include "bench/http_scan.hpp"
#include "bench/stream_pieces.hpp"

namespace llmopt {

namespace {

constexpr std::size_t max_chunk_line_bytes = 4096;

bool digits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

void response_reader::start(stream_pieces* pieces) {
  state_ = state::head;
  pieces_ = pieces;
  head_.clear();
  status_ = 0;
  reusable_ = false;
  remaining_ = 0;
  body_read_ = 0;
  step_ = chunk_step::size_line;
  line_.clear();
  trailer_bytes_ = 0;
}

std::size_t response_reader::feed(std::string_view bytes, std::int64_t now_ns) {
  std::size_t used = 0;
  while (used < bytes.size() && (state_ == state::head || state_ == state::body)) {
    auto rest = bytes.substr(used);
    used += state_ == state::head ? read_head(rest) : read_body(rest, now_ns);
  }
  return used;
}

void response_reader::end_of_input() {
  if (state_ == state::body && framing_ == framing::until_close)
    state_ = state::done;
  else if (state_ != state::done)
    fail();
}

std::size_t response_reader::read_head(std::string_view bytes) {
  auto old = head_.size();
  auto take = std::min(bytes.size(), limits_.head_bytes - old);
  head_.append(bytes.substr(0, take));
  auto end = head_.find("\r\n\r\n", old < 3 ? 0 : old - 3);
  if (end == std::string::npos) {
    if (head_.size() >= limits_.head_bytes) fail();
    return take;
  }
  head_.resize(end + 4);
  parse_head();
  return end + 4 - old;
}

void response_reader::parse_head() {
  std::string_view head = head_;
  // "HTTP/1.x SSS" then a reason phrase or the end of the line.
  if (head.substr(0, 7) != "HTTP/1." || head[8] != ' ' || !digits(head.substr(9, 3)) ||
      (head[12] != ' ' && head[12] != '\r'))
    return fail();  // a head holds at least "\r\n\r\n": every index above is in it
  status_ = (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
  if (status_ < 200) {
    if (status_ < 100 || status_ == 101) return fail();  // no protocol switch here
    head_.clear();                                       // an interim answer: the real one follows
    return;
  }
  auto connection = scan::header_value(head, "Connection");
  reusable_ = head[7] == '1' && !(connection && scan::has_token(*connection, "close"));
  state_ = state::body;
  if (auto coding = scan::header_value(head, "Transfer-Encoding")) {
    framing_ = scan::has_token(*coding, "chunked") ? framing::chunked : framing::until_close;
  } else if (auto length = scan::header_value(head, "Content-Length")) {
    auto value = scan::parse_decimal(*length, limits_.body_bytes);
    if (!value) return fail();
    framing_ = framing::length;
    remaining_ = *value;
  } else if (status_ == 204 || status_ == 304) {
    framing_ = framing::length;
    remaining_ = 0;
  } else {
    framing_ = framing::until_close;
  }
  if (framing_ == framing::until_close) reusable_ = false;
  if (framing_ == framing::length && remaining_ == 0) state_ = state::done;
}

std::size_t response_reader::read_body(std::string_view bytes, std::int64_t now_ns) {
  switch (framing_) {
    case framing::length: {
      auto take = static_cast<std::size_t>(std::min<std::uint64_t>(bytes.size(), remaining_));
      deliver(bytes.substr(0, take), now_ns);
      remaining_ -= take;
      if (remaining_ == 0 && state_ == state::body) state_ = state::done;
      return take;
    }
    case framing::until_close:
      deliver(bytes, now_ns);
      return bytes.size();
    case framing::chunked:
      return read_chunked(bytes, now_ns);
  }
  return bytes.size();
}

std::size_t response_reader::read_chunked(std::string_view bytes, std::int64_t now_ns) {
  if (step_ == chunk_step::data) {
    auto take = static_cast<std::size_t>(std::min<std::uint64_t>(bytes.size(), remaining_));
    deliver(bytes.substr(0, take), now_ns);
    remaining_ -= take;
    if (remaining_ == 0) step_ = chunk_step::data_end;
    return take;
  }
  auto newline = bytes.find('\n');
  auto take = newline == std::string_view::npos ? bytes.size() : newline + 1;
  if (line_.size() + take > max_chunk_line_bytes) {
    fail();
    return take;
  }
  line_.append(bytes.substr(0, take));
  if (newline == std::string_view::npos) return take;
  std::string_view line = line_;
  line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  on_chunk_line(line);
  line_.clear();
  return take;
}

// A whole line of the chunked framing, without its end.
void response_reader::on_chunk_line(std::string_view line) {
  switch (step_) {
    case chunk_step::size_line: {
      auto size_text = line.substr(0, line.find(';'));  // chunk extensions ignored
      while (!size_text.empty() && (size_text.back() == ' ' || size_text.back() == '\t'))
        size_text.remove_suffix(1);
      auto size = scan::parse_hex(size_text, limits_.body_bytes - body_read_);
      if (!size) return fail();
      remaining_ = *size;
      step_ = remaining_ == 0 ? chunk_step::trailer : chunk_step::data;
      return;
    }
    case chunk_step::data_end:
      if (!line.empty()) return fail();
      step_ = chunk_step::size_line;
      return;
    case chunk_step::trailer:
      trailer_bytes_ += line.size() + 2;
      if (line.empty()) state_ = state::done;
      if (trailer_bytes_ > limits_.head_bytes) fail();
      return;
    case chunk_step::data:
      return;  // not a line
  }
}

void response_reader::deliver(std::string_view data, std::int64_t now_ns) {
  if (data.size() > limits_.body_bytes - body_read_) return fail();
  body_read_ += data.size();
  if (pieces_ && !data.empty()) pieces_->feed(data, now_ns);
}

}  // namespace llmopt
