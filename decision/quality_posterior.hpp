#pragma once

namespace llmopt {

// A Beta posterior over the probability that a model's answer is good,
// updated with feedback in [0, 1] (a fractional rating counts partly good).
struct quality_posterior {
  double alpha = 1;
  double beta = 1;
  double samples = 0;  // feedback received, not counting the prior

  static quality_posterior from_prior(double mean, double strength) {
    return {mean * strength, (1 - mean) * strength, 0};
  }

  void observe(double quality) {
    alpha += quality;
    beta += 1 - quality;
    samples += 1;
  }

  double mean() const { return alpha / (alpha + beta); }
  double variance() const {
    double n = alpha + beta;
    return alpha * beta / (n * n * (n + 1));
  }
};

}  // namespace llmopt
