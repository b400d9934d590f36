#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

namespace llmopt::pages {

// Safe both as element text and inside a double-quoted attribute.
std::string escape(const std::string& text);

// `value` with `decimals` decimals; a value that rounds to zero prints
// without a minus sign ("-0.0" reads as a loss that is not there).
std::string fixed(double value, int decimals);

// `value` as a JSON literal safe inside an inline <script>: "</" is written
// "<\/", so no text from the document can close the script element.
std::string script_json(const nlohmann::json& value);

// The style sheet every page shares: text, tables, figures and the chart
// classes (grid, axis, event, area, legend) that both the static charts
// (chart_svg.hpp) and the dashboard's script draw with.
extern const char* const shared_style;

// One self-contained HTML document: no external URL, font or script.
struct page_parts {
  std::string title;   // text, escaped here
  std::string style;   // CSS after shared_style
  std::string body;    // HTML, as given
  std::string script;  // inline JavaScript run at the end of the body; none: no <script>
};
std::string html_page(const page_parts& page);

}  // namespace llmopt::pages
