#pragma once

#include <algorithm>
#include <cmath>
#include <optional>

#include "decision/model_key.hpp"
#include "decision/quality_change.hpp"

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
  double samples = 0;       // feedback received, not counting the prior
  time_ms at = 0;           // when the evidence was last faded; 0 = never
  quality_watch watch;      // tells a change of the good rate from the feedback
  feedback_by_time recent;  // the feedback by when it came
  quality_change change;    // the newest one told, by the watch or a drift signal

  // `good` and `bad` pseudo-observations, and no feedback.
  static quality_posterior pseudo(double good, double bad) {
    quality_posterior q;
    q.alpha = good;
    q.beta = bad;
    return q;
  }
  static quality_posterior from_prior(double mean, double strength) {
    return pseudo(mean * strength, (1 - mean) * strength);
  }

  // observe(), after testing `quality` against the mean for a change: when
  // the watch tells one, the evidence is only the prior's and that of the
  // run that told it (what the model does now). `given`: when the feedback
  // was given (at most `now`), for the drift's observation period.
  void observe_watching(double quality, time_ms given, time_ms now, const quality_posterior& prior,
                        const quality_change_test& test) {
    std::optional<quality_watch::side> run;
    if (test.threshold > 0 && evidence(prior) >= test.min_evidence)
      run = watch.observe(quality, mean(), test);
    if (!run) {
      observe(quality);
      recent.add(std::min(given, now), quality);
      return;
    }
    const double from = mean();
    alpha = prior.alpha + run->good;
    beta = prior.beta + run->answers - run->good;
    samples = run->answers;
    // The run's answers are the newest; when each came is not kept.
    recent.spans.assign(1, {now, run->good, run->answers});
    change = {quality_change_cause::feedback, now, from, mean(), run->answers};
  }

  // A drift signal says the model changed: the feedback before its
  // observation period (from `observed_from`; 0 when it gave none) counts
  // `kept` of what it did. The feedback since counts whole, as does the
  // run the watch follows for a drop (the answers since the good rate began
  // to look lower, likely the drift's own) when it is the longer of the two.
  // Both are the newest answers: the longer holds the other.
  void discount(time_ms now, time_ms observed_from, time_ms half_life_ms,
                const quality_posterior& prior, double kept) {
    if (kept >= 1) return;
    double whole_good = watch.down.good;
    double whole_bad = watch.down.answers - watch.down.good;
    if (observed_from > 0) {
      const auto observed = recent.since(observed_from, now, half_life_ms);
      if (observed.answers > whole_good + whole_bad) {
        whole_good = observed.good;
        whole_bad = observed.answers - observed.good;
      }
    }
    // Evidence below the prior's (a prior changed since a restore) is none.
    const double good = std::max(0.0, alpha - prior.alpha);
    const double bad = std::max(0.0, beta - prior.beta);
    whole_good = std::clamp(whole_good, 0.0, good);
    whole_bad = std::clamp(whole_bad, 0.0, bad);
    const double before_good = good - whole_good;
    const double before_bad = bad - whole_bad;
    const double whole = whole_good + whole_bad;
    const double from = mean();
    alpha = prior.alpha + before_good * kept + whole_good;
    beta = prior.beta + before_bad * kept + whole_bad;
    samples = whole + std::max(0.0, samples - whole) * kept;
    watch = {};
    change = {quality_change_cause::drift, now, from, mean(), whole};
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
      const double kept = kept_after(now - at, half_life_ms);
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
