#include "decision/outside_json.hpp"

#include <cmath>
#include <string>

namespace llmopt {

result<nlohmann::json> parse_outside_json(std::string_view text, std::size_t max_bytes,
                                          int max_depth) {
  if (text.size() > max_bytes)
    return error{"too_large", std::to_string(text.size()) + " bytes, over the bound of " +
                                  std::to_string(max_bytes)};
  struct too_deep {};
  struct out_of_range {};
  try {
    return nlohmann::json::parse(
        text.begin(), text.end(),
        [max_depth](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
          if (depth > max_depth) throw too_deep{};
          if (event == nlohmann::json::parse_event_t::value && parsed.is_number_float() &&
              !(std::abs(parsed.get<double>()) < 9e18))
            throw out_of_range{};
          return true;
        });
  } catch (const too_deep&) {
    return error{"too_deep", "nested over " + std::to_string(max_depth) + " deep"};
  } catch (const out_of_range&) {
    return error{"out_of_range", "a number out of range"};
  } catch (const nlohmann::json::exception& e) {
    return error{"invalid_json", e.what()};
  }
}

}  // namespace llmopt
