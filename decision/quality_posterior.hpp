#pragma once

#include <cmath>

#include "decision/model_key.hpp"

namespace llmopt {

// A Beta posterior over the probability that a model's answer is good,
// updated with feedback in [0, 1] (a fractional rating counts partly good).
//
// Evidence fades: forget() halves what feedback added over the prior every
// half-life, so an old verdict does not outweigh what the model does now,
// and a model that has not been tried for a while becomes uncertain again
// (and worth a look).
struct quality_posterior {
  double alpha = 1;
  double beta = 1;
  double samples = 0;  // feedback received, not counting the prior
  time_ms at = 0;      // when the evidence was last faded; 0 = never

  static quality_posterior from_prior(double mean, double strength) {
    return {mean * strength, (1 - mean) * strength, 0, 0};
  }

  void observe(double quality) {
    alpha += quality;
    beta += 1 - quality;
    samples += 1;
  }

  // Fades the evidence gathered over `prior` to what it is worth at `now`.
  // half_life_ms <= 0 keeps it forever.
  void forget(time_ms now, time_ms half_life_ms, const quality_posterior& prior) {
    if (half_life_ms > 0 && at > 0 && now > at) {
      const double kept = std::exp2(-static_cast<double>(now - at) / half_life_ms);
      alpha = prior.alpha + (alpha - prior.alpha) * kept;
      beta = prior.beta + (beta - prior.beta) * kept;
    }
    if (now > at) at = now;
  }

  // Feedback the posterior still rests on, beyond the prior.
  double evidence(const quality_posterior& prior) const {
    return alpha + beta - prior.alpha - prior.beta;
  }

  double mean() const { return alpha / (alpha + beta); }
  double variance() const {
    double n = alpha + beta;
    return alpha * beta / (n * n * (n + 1));
  }
};

}  // namespace llmopt
