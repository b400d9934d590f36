#include "adapters/providers/sse_reader.hpp"

namespace llmopt {
namespace {

error too_large(std::size_t max) {
  return error{"too_large", "a stream event is longer than " + std::to_string(max) + " bytes"};
}

}  // namespace

void sse_reader::take_line(std::vector<sse_event>& out) {
  if (line_.empty()) {  // blank line: dispatch
    if (has_data_) out.push_back(std::move(event_));
    event_ = {};
    has_data_ = false;
    return;
  }
  if (line_.front() == ':') return line_.clear();  // comment
  const auto colon = line_.find(':');
  std::string_view field(line_.data(), colon == std::string::npos ? line_.size() : colon);
  std::string_view value;
  if (colon != std::string::npos) {
    value = std::string_view(line_).substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (has_data_) event_.data.push_back('\n');
    event_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    event_.name.assign(value);
  }
  line_.clear();
}

status sse_reader::feed(std::string_view bytes, std::vector<sse_event>& out) {
  if (failed_) return too_large(max_);
  for (char c : bytes) {
    if (c == '\n' && after_cr_) {
      after_cr_ = false;
      continue;
    }
    after_cr_ = c == '\r';
    if (c == '\n' || c == '\r') {
      take_line(out);
      continue;
    }
    if (line_.size() + event_.data.size() >= max_) {
      failed_ = true;
      return too_large(max_);
    }
    line_.push_back(c);
  }
  return ok_status();
}

status line_reader::feed(std::string_view bytes, std::vector<std::string>& out) {
  if (failed_) return too_large(max_);
  while (!bytes.empty()) {
    const auto newline = bytes.find('\n');
    const auto piece = bytes.substr(0, newline);
    if (line_.size() + piece.size() > max_) {
      failed_ = true;
      return too_large(max_);
    }
    line_.append(piece);
    if (newline == std::string_view::npos) break;
    bytes.remove_prefix(newline + 1);
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    if (!line_.empty()) out.push_back(std::move(line_));
    line_.clear();
  }
  return ok_status();
}

}  // namespace llmopt
