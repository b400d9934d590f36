// Throughput of consumer::poll_batch on the embedded broker. Hidden: run it
// with `kafka_tests "[.bench]" -s` on an otherwise idle machine.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "adapters/kafka/consumer.hpp"
#include "adapters/kafka/producer.hpp"
#include "tests/adapters/kafka/kafka_test_support.hpp"

namespace llmopt::kafka {
namespace {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

// A latency signal of about 250 bytes, `i` making each one distinct.
std::string signal_json(int i) {
  char buf[320];
  std::snprintf(buf, sizeof buf,
                R"({"kind":"latency","id":"sig-%09d","model":"model-%d","route":"chat-default",)"
                R"("provider":"provider-%d","ts":"2026-11-22T00:00:00.000Z","ttft_ms":%d.5,)"
                R"("latency_ms":%d.25,"tokens_in":%d,"tokens_out":%d,"status":"ok",)"
                R"("region":"eu-west-1"})",
                i, i % 17, i % 5, 100 + i % 400, 800 + i % 900, 512 + i % 64, 128 + i % 32);
  return buf;
}

// CPU time of this process's threads by role, in ns (/proc/self/task/*/schedstat).
struct thread_cpu {
  long long polling = 0;  // the test's thread: poll_batch, freeing messages, simulated work
  long long client = 0;   // librdkafka's threads: fetching, parsing, queueing
  long long mock = 0;     // the mock cluster's thread (not there with a real broker)
};

thread_cpu sample_threads() {
  thread_cpu out;
  const std::string self = std::to_string(getpid());
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm"), stat(task.path() / "schedstat");
    std::string name;
    long long ns = 0;
    if (!std::getline(comm, name) || !(stat >> ns)) continue;  // the thread ended meanwhile
    if (task.path().filename() == self)
      out.polling += ns;
    else if (name == "rdk:mock")
      out.mock += ns;
    else
      out.client += ns;
  }
  return out;
}

void produce_signals(const embedded_broker& b, const std::string& topic, int count) {
  auto p = producer::create({b.bootstrap(), "bench-producer", {}});
  REQUIRE(p.ok());
  auto start = clock::now();
  for (int i = 0; i < count; ++i) {
    // Distinct keys spread the signals evenly; null keys would go to one
    // partition per batch (sticky partitioning) and overflow the mock's
    // 5 MB per partition.
    auto key = std::to_string(i);
    auto value = signal_json(i);
    while (!(*p)->produce(topic, key, value).ok())
      (*p)->poll();  // local queue full: serve delivery reports, then retry
  }
  REQUIRE((*p)->flush(60s).ok());
  REQUIRE((*p)->delivery_failures() == 0);
  std::chrono::duration<double> took = clock::now() - start;
  std::printf("produced %d messages of ~%zu bytes in %.2f s (%.0f msgs/s)\n", count,
              signal_json(0).size(), took.count(), count / took.count());
}

struct bench_run {
  std::string name;
  std::size_t batch_max = 1000;
  property_map properties;
  std::chrono::nanoseconds work{0};  // per message after each batch: parse + aggregate stand-in
  bool prefetched = false;  // let librdkafka fill its queue first: measures dequeueing alone
  std::unique_ptr<consumer> member;
};

// Resident memory of this process in MB (VmRSS).
double rss_mb() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024;
  }
  return 0;
}

// Keeps this thread busy for about `d`.
void spin_for(std::chrono::nanoseconds d) {
  auto until = clock::now() + d;
  while (clock::now() < until) {
  }
}

// Resumes `r`'s paused consumer and takes all `expected` messages with
// poll_batch(batch_max, 50 ms), touching each value; prints the rate and the
// CPU time per message of each kind of thread.
void measure(bench_run& r, int expected) {
  auto& c = *r.member;
  long long received = 0, bytes = 0;
  clock::time_point first{}, last{};
  REQUIRE(c.resume_all().ok());
  if (r.prefetched) {
    std::this_thread::sleep_for(4s);  // ~1 s to resume, then fetching up to the queue limits
    expected = 300000;                // queued.min.messages: all queued by now
  }
  auto start = clock::now();
  auto before = sample_threads();
  double rss_before = rss_mb(), rss_peak = rss_before;
  int batches = 0;
  while (received < expected && clock::now() - start < 60s) {
    auto batch = c.poll_batch(r.batch_max, 50ms);
    if (batch.empty()) continue;
    if (received == 0) first = clock::now();
    auto n = static_cast<long long>(batch.size());
    received += n;
    for (const auto& m : batch)
      bytes += static_cast<long long>(m.value().size());
    batch.clear();
    spin_for(r.work * n);
    last = clock::now();
    if (++batches % 50 == 0) rss_peak = std::max(rss_peak, rss_mb());
  }
  auto after = sample_threads();
  REQUIRE(received >= expected);
  std::chrono::duration<double> took = last - first;
  auto per_message = [&](long long thread_cpu::*member) {
    return static_cast<double>(after.*member - before.*member) / static_cast<double>(received);
  };
  std::printf(
      "%-18s batch %5zu: %8.0f msgs/s (%.3f s first..last); CPU ns/msg: polling thread %4.0f, "
      "librdkafka threads %4.0f, mock broker %4.0f; RSS +%.0f MB at most\n",
      r.name.c_str(), r.batch_max, received / took.count(), took.count(),
      per_message(&thread_cpu::polling), per_message(&thread_cpu::client),
      per_message(&thread_cpu::mock), rss_peak - rss_before);
}

TEST_CASE("poll_batch throughput on the embedded broker", "[.bench][kafka]") {
  // 1.6M signals over 128 partitions: 12.5k (~3 MB) per partition, within
  // the mock's retention of 100k messages / 5 MB per partition. (400k over 16
  // partitions would overflow it, and a few hundred ms is too short to
  // measure the refetch stalls below.)
  const std::string topic = "bench.signals";
  const int count = 1600000;
  auto& b = test::shared_broker();
  REQUIRE(b.create_topic(topic, 128).ok());
  produce_signals(b, topic, count);

  // librdkafka 2.0.2's own prefetch limits, to compare with ours.
  const property_map librdkafka_defaults{{"queued.min.messages", "100000"},
                                         {"queued.max.messages.kbytes", "65536"}};
  std::vector<bench_run> runs;
  runs.push_back({"poll only", 1000, {}, 0ns, false, nullptr});
  runs.push_back({"poll only", 10000, {}, 0ns, false, nullptr});
  runs.push_back({"prefetched", 1000, {}, 0ns, true, nullptr});
  runs.push_back({"1us/signal", 1000, {}, 1000ns, false, nullptr});
  runs.push_back({"1us/signal, rdk q", 1000, librdkafka_defaults, 1000ns, false, nullptr});
  // Every run is a group of its own that joins paused, all at once (one
  // ~3 s join), and then reads the whole topic from the start.
  for (std::size_t i = 0; i < runs.size(); ++i) {
    auto& r = runs[i];
    auto options = test::group_options(b.bootstrap(), "bench-" + std::to_string(i), {topic});
    options.properties = r.properties;
    auto c = consumer::create(std::move(options));
    REQUIRE(c.ok());
    r.member = std::move(*c);
    REQUIRE(r.member->pause_all().ok());
  }
  auto deadline = clock::now() + 20s;
  for (auto& r : runs) {
    while (!r.member->assigned() && clock::now() < deadline) {
      for (auto& other : runs)
        REQUIRE(other.member->poll_batch(1, 5ms).empty());
    }
    REQUIRE(r.member->assigned());
  }
  for (auto& r : runs) {
    measure(r, count);
    r.member.reset();
  }
}

}  // namespace
}  // namespace llmopt::kafka
