#include "adapters/providers/bounded_json.hpp"

namespace llmopt {
namespace {

// The scan's result: the depth reached (capped at limit + 1) and, when it
// passed the limit, the top-level member it passed it under.
struct depth_scan {
  std::size_t depth = 0;
  std::string member;
};

depth_scan scan_depth(std::string_view text, std::size_t limit) {
  depth_scan out;
  std::size_t depth = 0;
  std::size_t key_begin = 0, key_end = 0;  // the last string seen at depth 1
  bool root_is_object = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      const std::size_t begin = i + 1;
      for (++i; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\') ++i;  // the escaped character cannot close the string
      if (depth == 1 && root_is_object) {
        key_begin = begin;
        key_end = std::min(i, text.size());
      }
    } else if (c == '[' || c == '{') {
      if (depth == 0) root_is_object = c == '{';
      if (++depth > out.depth) out.depth = depth;
      if (depth > limit) {
        if (root_is_object) out.member = std::string(text.substr(key_begin, key_end - key_begin));
        return out;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return out;
}

}  // namespace

std::size_t json_depth(std::string_view text, std::size_t limit) {
  return scan_depth(text, limit).depth;
}

result<nlohmann::json> parse_bounded_json(std::string_view text, const json_bounds& bounds) {
  if (text.size() > bounds.max_bytes)
    return error{"too_large",
                 "the JSON document is larger than " + std::to_string(bounds.max_bytes) + " bytes"};
  auto scan = scan_depth(text, bounds.max_depth);
  if (scan.depth > bounds.max_depth) {
    // A member name from outside goes into the message: keep it short.
    if (scan.member.size() > 64) scan.member = scan.member.substr(0, 64) + "...";
    error e{"too_deep",
            (scan.member.empty() ? std::string("the JSON document") : "'" + scan.member + "'") +
                " is nested deeper than " + std::to_string(bounds.max_depth) + " levels"};
    e.field = scan.member;
    return e;
  }
  // nlohmann's lexer takes a NUL byte for the end of the input, so it would
  // read "{...}\0anything" as "{...}". JSON text never holds a raw NUL.
  if (text.find('\0') != std::string_view::npos) return error{"invalid_json", "not valid JSON"};
  auto value = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (value.is_discarded()) return error{"invalid_json", "not valid JSON"};
  return value;
}

std::string dump_json(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace llmopt
