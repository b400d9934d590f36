#include "tests/support/prometheus_text.hpp"

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "tests/support/process.hpp"

namespace llmopt::test {

namespace {

// Reads `name="value",...}` from `line` at `i` (just after '{'); false on a
// malformed label list.
bool read_labels(const std::string& line, std::size_t& i, std::map<std::string, std::string>& out) {
  while (i < line.size() && line[i] != '}') {
    const auto eq = line.find('=', i);
    if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') return false;
    const std::string name = line.substr(i, eq - i);
    std::string value;
    std::size_t j = eq + 2;
    for (; j < line.size() && line[j] != '"'; ++j) {
      if (line[j] == '\\' && j + 1 < line.size()) {
        ++j;
        value += line[j] == 'n' ? '\n' : line[j];
      } else {
        value += line[j];
      }
    }
    if (j >= line.size()) return false;
    out[name] = value;
    i = j + 1;
    if (i < line.size() && line[i] == ',') ++i;
  }
  if (i >= line.size()) return false;
  ++i;  // '}'
  return true;
}

}  // namespace

std::vector<prometheus_sample> parse_prometheus_text(const std::string& text) {
  std::vector<prometheus_sample> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    prometheus_sample s;
    std::size_t i = line.find_first_of("{ ");
    if (i == std::string::npos) continue;
    s.name = line.substr(0, i);
    if (line[i] == '{') {
      ++i;
      if (!read_labels(line, i, s.labels)) continue;
    }
    while (i < line.size() && line[i] == ' ')
      ++i;
    const std::string value = line.substr(i, line.find(' ', i) - i);
    if (value == "+Inf")
      s.value = 1e308;
    else
      s.value = std::strtod(value.c_str(), nullptr);
    out.push_back(std::move(s));
  }
  return out;
}

sample_sum sum_of(const std::vector<prometheus_sample>& samples, const std::string& name,
                  const std::map<std::string, std::string>& labels) {
  sample_sum sum;
  for (const auto& s : samples) {
    if (s.name != name) continue;
    bool all = true;
    for (const auto& [k, v] : labels) {
      auto it = s.labels.find(k);
      all = all && it != s.labels.end() && it->second == v;
    }
    if (!all) continue;
    sum.value += s.value;
    ++sum.samples;
  }
  return sum;
}

std::vector<std::string> series_of(const std::vector<prometheus_sample>& samples) {
  std::vector<std::string> out;
  for (const auto& s : samples) {
    std::string key = s.name + "{";
    for (const auto& [k, v] : s.labels)
      key += k + "=" + v + ",";
    out.push_back(key + "}");
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string promtool_check(const std::string& text) {
  auto r = run({"promtool", "check", "metrics"}, text);
  if (r.exit_code == 0) return "";
  return "promtool exit " + std::to_string(r.exit_code) + ": " + r.out + r.err;
}

}  // namespace llmopt::test
