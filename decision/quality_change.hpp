#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <deque>
#include <optional>
#include <string_view>

#include "decision/model_key.hpp"

namespace llmopt {

// How a change of a model's judged-good rate is told from its feedback.
struct quality_change_test {
  double min_change = 0.15;  // the smallest change of the good rate worth telling
  double threshold = 14;     // the log-likelihood ratio that tells it; 0 tells none
  double min_evidence = 20;  // feedback behind the mean tested against; less is not tested
};

// Why a posterior last changed other than by gathering feedback.
enum class quality_change_cause {
  none,
  feedback,  // its watch told a change of the good rate
  drift,     // a drift signal discounted the feedback before it
};

// Names as stored: "none", "feedback", "drift"; parse gives nullopt for any
// other.
std::string_view to_string(quality_change_cause c);
std::optional<quality_change_cause> parse_quality_change_cause(std::string_view s);

struct quality_change {
  quality_change_cause cause = quality_change_cause::none;
  time_ms at = 0;
  double from = 0;     // the posterior mean before
  double to = 0;       // ... and after
  double answers = 0;  // the feedback of the run kept whole
};

// What evidence `elapsed` old is still worth when it counts half every
// `half_life_ms`: all of it when half_life_ms <= 0 (kept forever) or when it
// is not older than now.
inline double kept_after(time_ms elapsed, time_ms half_life_ms) {
  if (half_life_ms <= 0 || elapsed <= 0) return 1;
  return std::exp2(-static_cast<double>(elapsed) / static_cast<double>(half_life_ms));
}

// A posterior's feedback by when it came, in spans of a minute, the newest
// 128 apart and all older ones in one: what a drift's observation period
// holds of it.
struct feedback_by_time {
  static constexpr time_ms span_ms = 60'000;
  static constexpr std::size_t max_spans = 128;
  struct span {
    time_ms from = 0;  // its first answer (the oldest span: its oldest)
    double good = 0;
    double answers = 0;
  };
  std::deque<span> spans;  // oldest first

  void add(time_ms now, double quality) {
    if (spans.empty() || now >= spans.back().from + span_ms) spans.push_back({now, 0, 0});
    spans.back().good += quality;
    spans.back().answers += 1;
    if (spans.size() > max_spans) {
      spans[1].from = spans[0].from;
      spans[1].good += spans[0].good;
      spans[1].answers += spans[0].answers;
      spans.pop_front();
    }
  }

  // The feedback of the spans that began at or after `t`, each faded to what
  // it is worth at `now` as the posterior fades (half_life_ms <= 0: not).
  span since(time_ms t, time_ms now, time_ms half_life_ms) const {
    span out{t, 0, 0};
    for (const auto& s : spans) {
      if (s.from < t) continue;
      const double kept = kept_after(now - s.from, half_life_ms);
      out.good += s.good * kept;
      out.answers += s.answers * kept;
    }
    return out;
  }
};

// Two one-sided CUSUM tests of each answer's feedback against the good rate
// the posterior holds: one for a drop of min_change, one for a rise. Each
// keeps the feedback of the run that raised it (since it last fell to 0):
// when a test tells a change, that run is what the model does now.
struct quality_watch {
  struct side {
    double llr = 0;   // log-likelihood ratio of the changed rate over the run
    double good = 0;  // the run's feedback
    double answers = 0;
  };
  side down, up;

  // The run that tells a change, if `quality` (one answer's feedback, in
  // [0, 1]) completes one against a good rate of `rate`.
  std::optional<side> observe(double quality, double rate, const quality_change_test& test) {
    rate = std::clamp(rate, 0.01, 0.99);
    auto step = [&](side& s, double changed) -> bool {
      // A changed rate outside (0, 1) is not tested: clamped, its test would
      // rise on every answer and tell a change that is not there.
      if (changed < 0.005 || changed > 0.995) {
        s = {};
        return false;
      }
      const double llr =
          quality * std::log(changed / rate) + (1 - quality) * std::log((1 - changed) / (1 - rate));
      s.llr = std::max(0.0, s.llr + llr);
      if (s.llr == 0) {
        s = {};
        return false;
      }
      s.good += quality;
      s.answers += 1;
      return s.llr >= test.threshold;
    };
    const bool fell = step(down, rate - test.min_change);
    const bool rose = step(up, rate + test.min_change);
    if (!fell && !rose) return std::nullopt;
    side run = fell ? down : up;
    down = {};
    up = {};
    return run;
  }
};

}  // namespace llmopt
