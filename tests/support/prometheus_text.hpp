#pragma once

#include <map>
#include <string>
#include <vector>

namespace llmopt::test {

// One sample of a Prometheus text exposition: `name{labels} value`.
struct prometheus_sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// The samples of `text` (comment lines skipped). Label values are
// unescaped (\\, \", \n). A line that is not a sample is skipped: the
// format itself is checked by promtool (promtool_check below).
std::vector<prometheus_sample> parse_prometheus_text(const std::string& text);

// The sum of the samples named `name` whose labels include every one of
// `labels`, and how many there were.
struct sample_sum {
  double value = 0;
  int samples = 0;
};
sample_sum sum_of(const std::vector<prometheus_sample>& samples, const std::string& name,
                  const std::map<std::string, std::string>& labels = {});

// Each sample's name and labels without its value, sorted: the series.
std::vector<std::string> series_of(const std::vector<prometheus_sample>& samples);

// `promtool check metrics` on `text`: "" when it passes, else its output.
std::string promtool_check(const std::string& text);

}  // namespace llmopt::test
