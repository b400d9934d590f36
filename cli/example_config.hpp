#pragma once

namespace llmopt {

// The text of config/llmopt.example.toml, compiled in: the configuration
// `llmopt serve` runs on when no --config is given.
extern const char* const example_config_text;

}  // namespace llmopt
