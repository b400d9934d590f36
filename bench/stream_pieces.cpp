#include "bench/stream_pieces.hpp"

#include "bench/http_scan.hpp"

namespace llmopt {

stream_pieces::stream_pieces(const std::vector<std::string>& expected) : expected_(expected) {
  times_.reserve(expected.size() + 1);
}

void stream_pieces::reset() {
  partial_line_.clear();
  data_.clear();
  event_has_data_ = false;
  done_ = false;
  wrong_ = false;
  pieces_ = 0;
  times_.clear();
}

void stream_pieces::feed(std::string_view body, std::int64_t now_ns) {
  while (!body.empty()) {
    auto newline = body.find('\n');
    if (newline == std::string_view::npos) {
      partial_line_.append(body);
      return;
    }
    if (partial_line_.empty()) {
      on_line(body.substr(0, newline), now_ns);
    } else {
      partial_line_.append(body.substr(0, newline));
      on_line(partial_line_, now_ns);
      partial_line_.clear();
    }
    body.remove_prefix(newline + 1);
  }
}

bool stream_pieces::ok() const {
  return done_ && !wrong_ && (expected_.empty() || pieces_ == expected_.size());
}

void stream_pieces::on_line(std::string_view line, std::int64_t now_ns) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) return on_event(now_ns);
  if (line.substr(0, 5) != "data:") return;  // event:, id:, comments
  line.remove_prefix(5);
  if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  if (event_has_data_) data_ += '\n';
  data_.append(line);
  event_has_data_ = true;
}

void stream_pieces::on_event(std::int64_t now_ns) {
  if (!event_has_data_) return;
  std::string_view data = data_;
  if (done_) {
    wrong_ = true;  // nothing may follow [DONE]
  } else if (data == "[DONE]") {
    done_ = true;
  } else if (auto at = scan::json_value_at(data, "content");
             at != std::string_view::npos && at < data.size() && data[at] == '"') {
    if (scan::read_json_string(data, at + 1, piece_) == std::string_view::npos) {
      wrong_ = true;
    } else if (!piece_.empty()) {
      if (!expected_.empty() && (pieces_ >= expected_.size() || piece_ != expected_[pieces_]))
        wrong_ = true;
      ++pieces_;
      if (!wrong_) times_.push_back(now_ns);  // a wrong stream's times are not used
    }
  }
  data_.clear();
  event_has_data_ = false;
}

}  // namespace llmopt
