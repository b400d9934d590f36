#include "pages/html.hpp"

#include <cstdio>

#include <nlohmann/json.hpp>

namespace llmopt::pages {

std::string escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  std::string text = buf;
  if (text[0] == '-' && text.find_first_not_of("-0.") == std::string::npos) text.erase(0, 1);
  return text;
}

std::string script_json(const nlohmann::json& value) {
  // Invalid UTF-8 becomes U+FFFD rather than an exception.
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '<' && i + 1 < text.size() && text[i + 1] == '/') out += '\\';
  }
  return out;
}

const char* const shared_style =
    R"(body{font:14px/1.4 system-ui,sans-serif;color:#222;margin:24px;max-width:960px}
table{border-collapse:collapse;margin:8px 0 16px}
th,td{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right;font-variant-numeric:tabular-nums}
th:first-child,td:first-child{text-align:left}
figure{margin:12px 0}
figcaption{font-weight:600}
svg{max-width:100%;height:auto}
svg text{font-size:11px;fill:#333}
.grid{stroke:#e6e6e6}
.axis{stroke:#888}
.line{fill:none;stroke-width:2}
.event{stroke:#c0392b;stroke-dasharray:5 4}
svg text.event-label{fill:#c0392b}
)";

std::string html_page(const page_parts& page) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<title>" + escape(page.title) + "</title>\n";
  out += std::string("<style>\n") + shared_style + page.style + "</style>\n</head>\n<body>\n";
  out += page.body;
  if (!page.script.empty()) out += "<script>\n" + page.script + "</script>\n";
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace llmopt::pages
