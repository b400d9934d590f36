#include <catch2/catch.hpp>

#include <set>
#include <type_traits>
#include <variant>

#include "config/field_check.hpp"
#include "config/loader.hpp"
#include "config/schema.hpp"

using namespace llmopt;
using namespace llmopt::cfg;

namespace {

template <class T>
void check_fields(const table_schema<T>& schema) {
  std::set<std::string> names;
  for (const auto& f : schema.fields) {
    INFO(f.spec.name);
    CHECK(names.insert(f.spec.name).second);  // declared once
    CHECK_FALSE(f.spec.doc.empty());
    CHECK(f.slot != nullptr);
    if (!f.spec.fallback || f.spec.kind == value_kind::text_list ||
        f.spec.kind == value_kind::text_map)
      continue;
    // Every default passes its own checks: rendered as an env override, it
    // reads back as the same value.
    std::string text = std::visit(
        [](const auto& v) -> std::string {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, std::string>)
            return v;
          else
            return render_value(v);
        },
        *f.spec.fallback);
    auto back = scalar_from_text(f.spec, text);
    INFO((back ? std::string() : back.err().detail));
    REQUIRE(back.ok());
    CHECK(render_value(*back) == render_value(*f.spec.fallback));
  }
}

}  // namespace

TEST_CASE("every setting is declared once, documented, with a valid default", "[config][schema]") {
  check_fields(settings_schema());
  check_fields(provider_schema());
  check_fields(model_schema());
  check_fields(route_schema());
}

TEST_CASE("env names follow LLMOPT_ + NAME with dots as underscores", "[config][schema]") {
  field_spec spec;
  spec.name = "kafka.topics.cost";
  CHECK(env_name(spec) == "LLMOPT_KAFKA_TOPICS_COST");
  spec.name = "state_dir";
  CHECK(env_name(spec) == "LLMOPT_STATE_DIR");
}

TEST_CASE("render_defaults lists every setting with default, bounds and env", "[config][schema]") {
  std::string listing = render_defaults();
  for (const auto& f : settings_schema().fields) {
    INFO(f.spec.name);
    CHECK(listing.find("\n" + f.spec.name + " = " + render_value(*f.spec.fallback) + "\n") !=
          std::string::npos);
    CHECK(listing.find(f.spec.doc) != std::string::npos);
    std::string overridden = f.spec.kind == value_kind::text_map
                                 ? "; no env override (values may be ${NAME} references)"
                                 : "; env " + env_name(f.spec);
    CHECK(listing.find(expectation(f.spec) + overridden) != std::string::npos);
  }
  for (const auto& name : array_names())
    CHECK(listing.find("[[" + name + "]]") != std::string::npos);
  auto mentions_all = [&](const auto& schema) {
    for (const auto& f : schema.fields) {
      INFO(f.spec.name);
      CHECK(listing.find("  " + f.spec.name) != std::string::npos);
      CHECK(listing.find(f.spec.doc) != std::string::npos);
    }
  };
  mentions_all(provider_schema());
  mentions_all(model_schema());
  mentions_all(route_schema());
  CHECK(listing.find("http.threads = 1\n") != std::string::npos);
  CHECK(listing.find("an integer in [1, 64]; env LLMOPT_HTTP_THREADS") != std::string::npos);
  CHECK(listing.find("one of trace, debug, info, warn, error") != std::string::npos);
  CHECK(listing.find("\nkafka.properties = {}\n") != std::string::npos);
  CHECK(listing.find("a name containing password, secret or key.pem takes a ${NAME} reference") !=
        std::string::npos);
  CHECK(listing.find("less than collector.high_watermark; env LLMOPT_COLLECTOR_LOW_WATERMARK") !=
        std::string::npos);
  CHECK(listing.find("window_max_samples") == std::string::npos);
}

TEST_CASE("every less_than names a field of the same kind, and defaults respect it",
          "[config][schema]") {
  const auto& schema = settings_schema();
  settings d = default_settings();
  auto number = [](const setting_value& v) {
    return std::holds_alternative<long long>(v) ? static_cast<double>(std::get<long long>(v))
                                                : std::get<double>(v);
  };
  for (std::size_t i = 0; i < schema.fields.size(); ++i) {
    const auto& spec = schema.fields[i].spec;
    if (spec.less_than.empty()) continue;
    INFO(spec.name);
    auto upper = index_of(schema, spec.less_than);
    REQUIRE(upper.has_value());
    CHECK(schema.fields[*upper].spec.kind == spec.kind);
    CHECK(number(value_of(schema, i, d)) < number(value_of(schema, *upper, d)));
  }
}

TEST_CASE("map values render as an inline TOML table", "[config][schema]") {
  CHECK(render_value(text_entries{}) == "{}");
  CHECK(render_value(text_entries{{"sasl.mechanism", "PLAIN"}, {"acks", "all"}}) ==
        "{ \"sasl.mechanism\" = \"PLAIN\", \"acks\" = \"all\" }");
}

TEST_CASE("defaults applied from the schema fill every top-level field", "[config][schema]") {
  settings s = default_settings();
  CHECK(s.http.max_body_bytes == 10485760);
  CHECK(s.http.max_json_depth == 64);
  CHECK(s.collector.max_message_bytes == 65536);
  CHECK(s.kafka.topic_dlq == "llm.signals.dlq");
  CHECK(s.log.level == "info");
  CHECK(s.checkpoint.interval_ms == 5000);
  CHECK(s.aggregator.window_buckets == 12);
}
