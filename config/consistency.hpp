#pragma once

#include <string>

#include <toml++/toml.h>

#include "config/loader.hpp"
#include "config/settings.hpp"
#include "decision/result.hpp"

namespace llmopt::cfg {

// Checks what no single field can, across the entries of [[providers]],
// [[models]] and [[routes]]:
//  * names are unique within providers, models and routes;
//  * an openai_compatible provider has a base_url;
//  * a model's provider is declared; a model of a simulated provider has a
//    simulation, and every simulation passes validate(model_behaviour);
//  * a route's candidates are declared models, listed once; its objective
//    weights sum to more than 0;
//  * cache.sampled_routes names declared routes.
// `root` is the parsed document `s` was read from: errors point at the
// offending value in it (error code "config", detail "FILE:LINE:COL: KEY: ...").
// REQUIRES: every field of `s` passed its own checks (cfg::read_table).
status check_consistency(const settings& s, const toml::table& root, const std::string& source);

// Checks that every top-level field declared less_than another (see
// field_spec::less_than) holds a smaller value. The error is about the value
// that was set: the lower one when both were, the upper one when only it
// was. Its place is the environment variable that set it (format of an env
// error), else its place in `root`:
//   "FILE:LINE:COL: collector.low_watermark: expected an integer less than
//    collector.high_watermark (50000), got 60000"
//   "FILE:LINE:COL: collector.high_watermark: expected an integer greater than
//    collector.low_watermark (25000), got 100"
// REQUIRES: every field of `s` passed its own checks, and `env` (which may be
// empty) is the environment the overrides were read from.
status check_orderings(const settings& s, const toml::table& root, const std::string& source,
                       const env_lookup& env);

}  // namespace llmopt::cfg
