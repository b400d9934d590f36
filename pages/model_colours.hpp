#pragma once

#include <map>
#include <string>
#include <vector>

namespace llmopt::pages {

// The colours charts give models: Tableau 10, distinct and kinder to
// colour-blind readers than pure hues.
extern const std::vector<std::string> model_palette;

// A colour per model, in order of first appearance over `models_per_route`
// (each route's models in candidate order, routes by name), so that a model
// keeps its colour in every chart of a page, and in both the simulate report
// and the dashboard for the same routes. Past ten models colours repeat.
std::map<std::string, std::string> model_colours(
    const std::vector<std::vector<std::string>>& models_per_route);

}  // namespace llmopt::pages
