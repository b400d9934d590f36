#include "config/setting_value.hpp"

#include <cstdio>
#include <iomanip>
#include <sstream>
#include <type_traits>

#include "decision/assert.hpp"

namespace llmopt::cfg {

void assign(const setting_ref& ref, const setting_value& value) {
  std::visit(
      [&](auto* target) {
        using member = std::remove_pointer_t<decltype(target)>;
        if constexpr (std::is_same_v<member, int> || std::is_same_v<member, long long>) {
          LLMOPT_ASSERT(std::holds_alternative<long long>(value));
          *target = static_cast<member>(std::get<long long>(value));
        } else if constexpr (std::is_same_v<member, std::map<std::string, std::string>>) {
          LLMOPT_ASSERT(std::holds_alternative<text_entries>(value));
          const auto& entries = std::get<text_entries>(value);
          *target = member(entries.begin(), entries.end());
        } else {
          LLMOPT_ASSERT(std::holds_alternative<member>(value));
          *target = std::get<member>(value);
        }
      },
      ref);
}

setting_value value_at(const setting_ref& ref) {
  return std::visit(
      [](auto* source) -> setting_value {
        using member = std::remove_pointer_t<decltype(source)>;
        if constexpr (std::is_same_v<member, int>)
          return static_cast<long long>(*source);
        else if constexpr (std::is_same_v<member, std::map<std::string, std::string>>)
          return text_entries(source->begin(), source->end());
        else
          return *source;
      },
      ref);
}

std::string render_number(double value) {
  std::ostringstream out;
  out << std::setprecision(15) << value;
  return out.str();
}

std::string render_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned char>(c));
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string render_value(const setting_value& value) {
  if (auto* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  if (auto* i = std::get_if<long long>(&value)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&value)) return render_number(*d);
  if (auto* s = std::get_if<std::string>(&value)) return render_string(*s);
  if (auto* entries = std::get_if<text_entries>(&value)) {
    std::string out = "{";
    for (const auto& [name, text] : *entries)
      out += (out.size() > 1 ? ", " : " ") + render_string(name) + " = " + render_string(text);
    return out + (entries->empty() ? "}" : " }");
  }
  std::string out = "[";
  for (const auto& item : std::get<std::vector<std::string>>(value)) {
    if (out.size() > 1) out += ", ";
    out += render_string(item);
  }
  return out + "]";
}

}  // namespace llmopt::cfg
