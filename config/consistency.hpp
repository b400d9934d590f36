#pragma once

#include <string>

#include <toml++/toml.h>

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
//    weights sum to more than 0.
// `root` is the parsed document `s` was read from: errors point at the
// offending value in it (error code "config", detail "FILE:LINE:COL: KEY: ...").
// REQUIRES: every field of `s` passed its own checks (cfg::read_table).
status check_consistency(const settings& s, const toml::table& root, const std::string& source);

}  // namespace llmopt::cfg
