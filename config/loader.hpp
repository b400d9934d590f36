#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "config/settings.hpp"
#include "decision/result.hpp"

namespace llmopt {

// Loading the configuration: TOML text → validated settings, with defaults
// from config/schema.cpp and overrides from the environment.
//
// Every error has code "config" and a detail that names the place:
//   "FILE:LINE:COL: KEY: expected WHAT, got WHAT"   a bad value
//   "FILE:LINE:COL: KEY: unknown key[, did you mean NAME?]"
//   "FILE:LINE:COL: invalid TOML: DESCRIPTION"       a syntax error
//   "env LLMOPT_X: expected WHAT, got "TEXT""        a bad override
// KEY is dotted from the top ("http.threads", "routes[1].objective.quality",
// entries of arrays counted from 0; an entry of a table of names is quoted:
// kafka.properties."sasl.password"). A required key missing from an entry of
// an array points at that entry's table header. Secrets are never repeated.

// Looks up an environment variable; nullopt when it is not set. Config code
// reads the environment only through this, so tests pass a map.
using env_lookup = std::function<std::optional<std::string>(const std::string&)>;

// The process environment (std::getenv). For main(); everything else takes
// an env_lookup as a parameter.
env_lookup process_env();

// Parses `toml_text`, applies defaults for absent keys, then the environment
// overrides: every setting outside the arrays of tables, except the table
// kafka.properties, is overridden by LLMOPT_ + its name uppercased with
// '.' → '_' (LLMOPT_HTTP_THREADS, LLMOPT_KAFKA_TOPICS_COST), checked against
// the same bounds. Then the checks across settings (collector.low_watermark <
// collector.high_watermark, the entries of the arrays). An empty `env`
// function means no overrides. The result's `source` is `source_name`, which
// is also the FILE of messages.
// A configuration longer than this is refused unread; toml++ bounds its
// nesting (TOML_MAX_NESTED_VALUES).
constexpr std::size_t max_config_bytes = 1 << 20;

result<settings> parse_settings(std::string_view toml_text, const std::string& source_name,
                                const env_lookup& env);

// parse_settings on the contents of the file at `path`; a file that cannot be
// read is an error naming `path`.
result<settings> load_settings_file(const std::string& path, const env_lookup& env);

// Every setting at its default; no providers, models or routes. source is
// "<defaults>".
settings default_settings();

// A listing of every setting for people (`llmopt config defaults`): name,
// default, what it accepts (bounds, choices), its environment variable and a
// one-line doc; then the keys of [[providers]], [[models]] and [[routes]].
std::string render_defaults();

// Resolves a secret reference such as provider_settings::api_key: "" → "";
// "${NAME}" → the value of NAME in `env`. A variable that is not set, or a
// reference of another form, is an error naming the variable (never a value).
result<std::string> resolve_secret(const std::string& reference, const env_lookup& env);

// kafka_settings::properties with every value that is exactly a "${NAME}"
// reference replaced by the value of NAME in `env`; other values as written.
// For the code that creates a Kafka client. A variable that is not set is an
// error naming the property and the variable, never a value:
//   kafka.properties."sasl.password": environment variable KAFKA_PASSWORD is not set
result<std::map<std::string, std::string>> resolve_properties(
    const std::map<std::string, std::string>& properties, const env_lookup& env);

}  // namespace llmopt
