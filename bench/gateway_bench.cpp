#include "bench/gateway_bench.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <numeric>
#include <sstream>
#include <thread>

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include "bench/fixed_upstream.hpp"
#include "bench/open_loop_load.hpp"

namespace llmopt {
namespace {

using clock_type = std::chrono::steady_clock;
namespace fs = std::filesystem;

// -- the daemon under test ------------------------------------------------------

// `llmopt serve` (or any subcommand of this binary) as a child process whose
// standard output and error go to a file, read back here. A file, not a
// pipe: a pipe nobody reads once the daemon is ready would fill up and stop
// a daemon that logs in the middle of a run.
struct child_process {
  pid_t pid = -1;
  int out = -1;      // the output file, opened for reading
  std::string seen;  // what it printed so far

  ~child_process() { stop(); }

  void stop() {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
      pid = -1;
    }
    if (out >= 0) ::close(out);
    out = -1;
  }

  // Reads until `line_start` opens a line; false after `timeout` or when the
  // child has ended without printing it.
  bool wait_for(const std::string& line_start, std::chrono::milliseconds timeout) {
    const auto until = clock_type::now() + timeout;
    bool ended = false;
    for (;;) {
      char buf[4096];
      for (ssize_t n; (n = ::read(out, buf, sizeof buf)) > 0;)
        seen.append(buf, static_cast<std::size_t>(n));
      for (std::size_t at = 0; at < seen.size();) {
        const auto end = seen.find('\n', at);
        if (end == std::string::npos) break;
        if (seen.compare(at, line_start.size(), line_start) == 0) return true;
        at = end + 1;
      }
      if (ended || clock_type::now() >= until) return false;
      if (::waitpid(pid, nullptr, WNOHANG) == pid) {
        pid = -1;
        ended = true;  // read what it printed last, once more
        continue;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  // The rest of the line after `line_start`, or "".
  std::string line_after(const std::string& line_start) const {
    const auto at = seen.find(line_start);
    if (at == std::string::npos) return {};
    const auto from = at + line_start.size();
    return seen.substr(from, seen.find('\n', from) - from);
  }
};

// Starts `exe args...` with its output in `log`.
status spawn(const std::string& exe, const std::vector<std::string>& args, const fs::path& log,
             child_process& c) {
  const int written = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (written < 0) return error{"bench", "cannot write " + log.string()};
  c.out = ::open(log.c_str(), O_RDONLY | O_CLOEXEC);
  if (c.out < 0) {
    ::close(written);
    return error{"bench", "cannot read " + log.string()};
  }
  c.pid = ::fork();
  if (c.pid < 0) {
    ::close(written);
    return error{"bench", "fork failed"};
  }
  if (c.pid == 0) {
    ::dup2(written, 1);
    ::dup2(written, 2);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>("llmopt"));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(exe.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(written);
  return ok_status();
}

std::string config_text(const gateway_bench_options& o, const fs::path& dir, int upstream_port) {
  std::ostringstream c;
  c << "state_dir = \"" << dir.string() << "\"\n"
    << "[http]\nlisten = \"127.0.0.1:0\"\n"
    << "[auth]\nrequired = " << (o.checks ? "true" : "false") << "\n"
    << "[cache]\nenabled = " << (o.checks ? "true" : "false") << "\n"
    << "[log]\nlevel = \"warn\"\n"
    << "[[providers]]\nname = \"upstream\"\nkind = \"openai_compatible\"\n"
    << "base_url = \"http://127.0.0.1:" << upstream_port << "/v1\"\n"
    << "[[models]]\nid = \"upstream:fixed\"\nprice_in_per_mtok = 1.0\n"
    << "price_out_per_mtok = 2.0\n"
    << "[[routes]]\nname = \"bench\"\ncandidates = [\"upstream:fixed\"]\n";
  if (o.checks) c << "budget_usd = 1000000\nbudget_period = \"day\"\n";
  return c.str();
}

// -- what the child uses --------------------------------------------------------

// Nanoseconds each thread of `pid` has run, by thread id, with its name.
struct thread_time {
  std::string name;
  long long run_ns = 0;
};
std::map<long, thread_time> thread_times(pid_t pid) {
  std::map<long, thread_time> times;
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = ::opendir(tasks.c_str());
  if (!d) return times;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    const std::string base = tasks + "/" + e->d_name;
    thread_time t;
    std::ifstream(base + "/comm") >> t.name;
    std::ifstream(base + "/schedstat") >> t.run_ns;  // first field: time on a CPU
    times[std::strtol(e->d_name, nullptr, 10)] = t;
  }
  ::closedir(d);
  return times;
}

long long total_ns(const std::map<long, thread_time>& t) {
  long long sum = 0;
  for (const auto& [id, tt] : t) sum += tt.run_ns;
  return sum;
}

// The named thread groups' CPU between two samples (threads that came or
// went in between count from zero or to their last sample).
std::map<std::string, long long> by_name(const std::map<long, thread_time>& before,
                                         const std::map<long, thread_time>& after) {
  std::map<std::string, long long> groups;
  for (const auto& [id, t] : after) {
    auto b = before.find(id);
    groups[t.name] += t.run_ns - (b == before.end() ? 0 : b->second.run_ns);
  }
  return groups;
}

// A line of /proc/PID/status in MB ("VmRSS", "VmHWM").
double status_mb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.compare(0, field.size() + 1, field + ":") == 0)
      return std::strtod(line.c_str() + field.size() + 1, nullptr) / 1024.0;
  return 0;
}

// -- figures --------------------------------------------------------------------

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size()));
  return v[std::min(rank, v.size() - 1)];
}

double mean(const std::vector<double>& v) {
  return v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

// A thousandth, rounded to three decimals: microseconds as milliseconds,
// nanoseconds as microseconds.
double thousandth(double x) {
  return static_cast<double>(static_cast<long long>(x + (x < 0 ? -0.5 : 0.5))) / 1000.0;
}

nlohmann::json distribution(const std::vector<double>& us) {
  return {{"mean_ms", thousandth(mean(us))},
          {"p50_ms", thousandth(percentile(us, 50))},
          {"p99_ms", thousandth(percentile(us, 99))},
          {"p99_9_ms", thousandth(percentile(us, 99.9))},
          {"max_ms", thousandth(us.empty() ? 0 : *std::max_element(us.begin(), us.end()))}};
}

nlohmann::json added(const nlohmann::json& through, const nlohmann::json& direct) {
  nlohmann::json a;
  for (const char* k : {"mean_ms", "p50_ms", "p99_ms", "p99_9_ms"})
    a[k] = thousandth((through[k].get<double>() - direct[k].get<double>()) * 1000.0);
  return a;
}

nlohmann::json path_figures(const open_loop_result& r, bool stream) {
  nlohmann::json f = {{"due", r.due},
                      {"ok", r.ok},
                      {"http_errors", r.http_errors},
                      {"failed", r.failed},
                      {"streams_bad", r.streams_bad},
                      {"connections", r.connections_opened},
                      {"seconds", r.seconds},
                      {"latency", distribution(r.latency_us)},
                      {"generator_cpu_share", r.seconds > 0 ? r.cpu_seconds / r.seconds : 0},
                      {"generator_max_send_lag_ms", thousandth(r.max_send_lag_us)}};
  if (stream) {
    f["ttft"] = distribution(r.ttft_us);
    f["gap"] = distribution(r.gap_us);
  }
  return f;
}

// -- the run --------------------------------------------------------------------

struct bench_dir {
  fs::path path;
  bench_dir() {
    char name[] = "/tmp/llmopt-bench-XXXXXX";
    if (::mkdtemp(name)) path = name;
  }
  ~bench_dir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

std::string request_body(const gateway_bench_options& o, const std::string& model,
                         const std::string& text) {
  nlohmann::json body = {{"model", model},
                         {"max_tokens", 64},
                         {"messages", {{{"role", "user"}, {"content", text + " #0000000000"}}}}};
  if (o.stream) body["stream"] = true;
  if (o.checks) body["temperature"] = 0;  // cacheable, so every request is a cache miss
  return body.dump();
}

// `text` opens the question: the warm-up asks other questions than the
// measured run, so that none of the measured ones is a cache hit.
open_loop_options load(const gateway_bench_options& o, int port, const std::string& model,
                       const std::string& text) {
  open_loop_options l;
  l.port = port;
  l.body = request_body(o, model, text);
  l.rps = o.rps;
  l.seconds = o.seconds;
  l.stream = o.stream;
  l.expect_tokens = o.stream ? o.stream_tokens : 0;
  // Each body differs from every other: the cache misses every time.
  if (o.checks) l.vary = "0000000000";
  return l;
}

result<std::string> create_key(const gateway_bench_options& o, const fs::path& config) {
  child_process keys;
  if (auto s = spawn(o.self_exe,
                     {"keys", "create", "--config", config.string(), "--name", "bench",
                      "--budget-usd", "1000000", "--period", "day", "--rpm", "100000000",
                      "--tpm", "1000000000000"},
                     config.parent_path() / "keys.log",
                     keys);
      !s)
    return s.err();
  if (!keys.wait_for("key: ", std::chrono::seconds(30)))
    return error{"bench", "llmopt keys create failed: " + keys.seen};
  return keys.line_after("key: ");
}

// GET of a daemon's admin endpoint on 127.0.0.1; null when it fails.
nlohmann::json admin_get(int port, const std::string& path) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return nullptr;
  std::string body;
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + path;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(
      curl.get(), CURLOPT_WRITEFUNCTION,
      +[](char* data, std::size_t size, std::size_t n, void* out) {
        static_cast<std::string*>(out)->append(data, size * n);
        return size * n;
      });
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
  if (curl_easy_perform(curl.get()) != CURLE_OK) return nullptr;
  return nlohmann::json::parse(body, nullptr, false);
}

}  // namespace

result<nlohmann::json> run_gateway_bench(const gateway_bench_options& o) {
  bench_dir dir;
  if (dir.path.empty()) return error{"bench", "cannot make a directory under /tmp"};
  fixed_upstream_options uo;
  uo.stream_tokens = o.stream_tokens;
  uo.token_gap_us = o.token_gap_ms * 1000;
  fixed_upstream upstream(uo);

  const fs::path config = dir.path / "bench.toml";
  std::ofstream(config) << config_text(o, dir.path, upstream.port());
  std::string key;
  if (o.checks) {
    auto made = create_key(o, config);
    if (!made) return made.err();
    key = *made;
  }

  child_process daemon;
  if (auto s = spawn(o.self_exe, {"serve", "--config", config.string()}, dir.path / "serve.log", daemon); !s)
    return s.err();
  if (!daemon.wait_for("llmopt: ready", std::chrono::seconds(60)))
    return error{"bench", "llmopt serve did not get ready: " + daemon.seen};
  const std::string address = daemon.line_after("llmopt: gateway listening on http://");
  const int gateway_port = std::atoi(address.substr(address.rfind(':') + 1).c_str());
  if (gateway_port <= 0) return error{"bench", "no gateway address in: " + daemon.seen};

  auto direct_load = load(o, upstream.port(), "fixed", "say something fixed");
  auto through_load = load(o, gateway_port, "bench", "say something fixed");
  auto warm_up_load = load(o, gateway_port, "bench", "warm up");
  if (o.checks) {
    through_load.headers.push_back("Authorization: Bearer " + key);
    warm_up_load.headers = through_load.headers;
  }

  // Warm-up: connections open, caches and allocators in their steady state.
  for (auto l : {load(o, upstream.port(), "fixed", "warm up"), warm_up_load}) {
    l.seconds = 1;
    l.rps = std::min(o.rps, 1000.0);
    run_open_loop(l);
  }

  // The daemon's own use while nothing is asked of it: decision ticks,
  // consumer polls, the embedded broker.
  const auto idle_before = thread_times(daemon.pid);
  const auto idle_start = clock_type::now();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const auto idle_after = thread_times(daemon.pid);
  const double idle_ns_per_s =
      static_cast<double>(total_ns(idle_after) - total_ns(idle_before)) /
      std::chrono::duration<double>(clock_type::now() - idle_start).count();

  const double upstream_cpu_before = upstream.cpu_seconds();
  const auto direct = run_open_loop(direct_load);
  const double upstream_cpu_direct = upstream.cpu_seconds() - upstream_cpu_before;

  const double rss_before = status_mb(daemon.pid, "VmRSS");
  const auto busy_before = thread_times(daemon.pid);
  const auto through = run_open_loop(through_load);
  const auto busy_after = thread_times(daemon.pid);
  const double peak_rss = status_mb(daemon.pid, "VmHWM");

  nlohmann::json f;
  f["rps"] = o.rps;
  f["seconds"] = o.seconds;
  f["stream"] = o.stream;
  f["checks"] = o.checks;
  f["direct"] = path_figures(direct, o.stream);
  f["through"] = path_figures(through, o.stream);
  f["added"] = {{"latency", added(f["through"]["latency"], f["direct"]["latency"])}};
  if (o.stream) {
    f["added"]["ttft"] = added(f["through"]["ttft"], f["direct"]["ttft"]);
    f["added"]["gap"] = added(f["through"]["gap"], f["direct"]["gap"]);
  }
  const double answered = static_cast<double>(std::max<unsigned long long>(through.ok, 1));
  const double busy_ns = static_cast<double>(total_ns(busy_after) - total_ns(busy_before));
  const double net_ns = busy_ns - idle_ns_per_s * through.seconds;
  nlohmann::json threads = nlohmann::json::object();
  for (const auto& [name, ns] : by_name(busy_before, busy_after))
    if (ns > 0) threads[name] = thousandth(static_cast<double>(ns) / answered);  // µs per request
  f["llmopt"] = {{"cpu_us_per_request", thousandth(net_ns / answered)},
                 {"cpu_us_per_request_gross", thousandth(busy_ns / answered)},
                 {"idle_cpu_share", idle_ns_per_s / 1e9},
                 {"cpu_us_per_request_by_thread", threads},
                 {"rss_before_mb", rss_before},
                 {"peak_rss_mb", peak_rss}};
  if (o.checks) {
    // What the checks did: every request a cache miss, every call billed.
    auto cache = admin_get(gateway_port, "/admin/v1/cache");
    auto budgets = admin_get(gateway_port, "/admin/v1/budgets");
    f["checks_seen"] = {{"cache_misses", cache.is_object() ? cache.value("misses", -1LL) : -1LL},
                        {"cache_hits", cache.is_object() ? cache.value("hits", -1LL) : -1LL},
                        {"budgets", budgets.is_object() ? budgets["budgets"] : nullptr}};
  }
  f["upstream"] = {{"cpu_share_direct",
                    direct.seconds > 0 ? upstream_cpu_direct / direct.seconds : 0},
                   {"answered", upstream.answered()}};
  return f;
}

}  // namespace llmopt
