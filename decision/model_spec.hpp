#pragma once

#include "decision/model_key.hpp"

namespace llmopt {

// List prices in USD per million tokens.
struct model_price {
  double in_per_mtok = 0;
  double out_per_mtok = 0;

  double cost_usd(long long input_tokens, long long output_tokens) const {
    return (static_cast<double>(input_tokens) * in_per_mtok +
            static_cast<double>(output_tokens) * out_per_mtok) /
           1e6;
  }
};

// What the decision engine knows of a model before any signal arrives.
struct model_spec {
  model_key id;
  model_price price;
  double quality_prior = 0.5;  // prior mean of the probability of a good answer
};

}  // namespace llmopt
