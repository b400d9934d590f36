#include "pages/model_colours.hpp"

namespace llmopt::pages {

const std::vector<std::string> model_palette = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2",
                                                "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
                                                "#9c755f", "#bab0ac"};

std::map<std::string, std::string> model_colours(
    const std::vector<std::vector<std::string>>& models_per_route) {
  std::map<std::string, std::string> colours;
  for (const auto& models : models_per_route)
    for (const auto& model : models)
      if (!colours.count(model))
        colours[model] = model_palette[colours.size() % model_palette.size()];
  return colours;
}

}  // namespace llmopt::pages
