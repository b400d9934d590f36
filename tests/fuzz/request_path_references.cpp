#include "tests/fuzz/request_path_references.hpp"

#include <algorithm>
#include <utility>

namespace llmopt::fuzz {

std::size_t depth_of(const nlohmann::json& value) {
  std::size_t deepest = 0;
  std::vector<std::pair<const nlohmann::json*, std::size_t>> pending{{&value, 0}};
  while (!pending.empty()) {
    auto [v, depth] = pending.back();
    pending.pop_back();
    if (!v->is_structured()) continue;
    deepest = std::max(deepest, depth + 1);
    for (const auto& child : *v)
      pending.emplace_back(&child, depth + 1);
  }
  return deepest;
}

bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t n = c < 0x80         ? 1
                          : (c >> 5) == 6  ? 2
                          : (c >> 4) == 14 ? 3
                          : (c >> 3) == 30 ? 4
                                           : 0;
    if (n == 0 || i + n > text.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

event_reading read_events(std::string_view text) {
  event_reading out;
  sse_event event;
  bool has_data = false;
  std::size_t begin = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n' && text[i] != '\r') continue;
    std::string_view line = text.substr(begin, i - begin);
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;  // CRLF
    begin = i + 1;
    if (line.empty()) {  // dispatch; an event without data is none
      if (has_data) out.events.push_back(event);
      event = {};
      has_data = false;
      continue;
    }
    const auto colon = line.find(':');
    if (colon == 0) continue;  // a comment
    std::string_view field = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
    if (field == "data") {
      if (has_data) event.data += '\n';
      event.data.append(value);
      has_data = true;
    } else if (field == "event") {
      event.name = std::string(value);
    }
  }
  // A name without data makes no event: only a partial line or data is pending.
  out.pending = begin < text.size() || has_data;
  return out;
}

line_reading read_lines(std::string_view text) {
  line_reading out;
  for (auto end = text.find('\n'); end != std::string_view::npos; end = text.find('\n')) {
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) out.lines.emplace_back(line);
    text.remove_prefix(end + 1);
  }
  out.rest = std::string(text);
  return out;
}

}  // namespace llmopt::fuzz
