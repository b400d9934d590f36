#pragma once

namespace llmopt::pages {

// The dashboard's script (dashboard_html.hpp), without its configuration:
// it expects `const CFG = {url, poll_ms, keep, layout, palette}` before it.
extern const char* const dashboard_script;

}  // namespace llmopt::pages
