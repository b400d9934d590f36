#include "store/api_keys.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "store/digest.hpp"

namespace llmopt {
namespace {

const char* period_name(budget_period period) {
  return period == budget_period::day ? "day" : "month";
}

// Reads the columns of select_columns, in order.
constexpr const char* select_columns =
    "SELECT id, name, secret_sha256, routes, budget_usd, period, rpm, tpm, created_ms, revoked_ms "
    "FROM api_keys";

result<api_key_record> read_row(const statement& row) {
  api_key_record k;
  k.id = row.column_text(0);
  k.name = row.column_text(1);
  k.secret_sha256 = row.column_text(2);
  auto routes = nlohmann::json::parse(row.column_text(3), nullptr, false);
  if (!routes.is_array())
    return error{store_errc::general, "api key " + k.id + ": routes is not a JSON array"};
  for (const auto& r : routes)
    if (r.is_string()) k.policy.routes.push_back(r.get<std::string>());
  if (!row.column_is_null(4)) k.policy.budget_usd = row.column_double(4);
  k.policy.period = row.column_text(5) == "day" ? budget_period::day : budget_period::month;
  if (!row.column_is_null(6)) k.policy.rpm = row.column_int64(6);
  if (!row.column_is_null(7)) k.policy.tpm = row.column_int64(7);
  k.created = row.column_int64(8);
  if (!row.column_is_null(9)) k.revoked = row.column_int64(9);
  return k;
}

template <class T, class Bind>
void bind_optional(statement& stmt, int index, const std::optional<T>& value, Bind bind) {
  if (value)
    (stmt.*bind)(index, *value);
  else
    stmt.bind_null(index);
}

}  // namespace

std::string key_secret_hash(const std::string& secret) {
  return sha256_hex(secret);
}

std::string key_ledger_id(const std::string& secret_sha256) {
  return sha256_hex("llmopt-ledger:" + secret_sha256).substr(0, 32);
}

bool is_key_text(const std::string& text) {
  const std::string prefix = key_prefix;
  if (text.size() != prefix.size() + 64 || text.compare(0, prefix.size(), prefix) != 0)
    return false;
  return std::all_of(text.begin() + static_cast<long>(prefix.size()), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

result<new_api_key> api_keys::create(const std::string& name, const key_policy& policy,
                                     time_ms now) {
  auto secret = random_hex(32);
  if (!secret) return secret.err();
  return import(name, key_prefix + *secret, policy, now);
}

result<new_api_key> api_keys::import(const std::string& name, const std::string& secret,
                                     const key_policy& policy, time_ms now) {
  if (!is_key_text(secret))
    return error{store_errc::general,
                 "not an llmopt key: a key reads \"llmopt-\" and 64 lowercase hex digits"};
  auto id = random_hex(6);
  if (!id) return id.err();
  new_api_key out;
  out.secret = secret;
  auto& k = out.record;
  k.id = "key_" + *id;
  k.name = name;
  k.secret_sha256 = key_secret_hash(out.secret);
  k.policy = policy;
  k.created = now;

  auto insert = db_.prepare(
      "INSERT INTO api_keys (id, name, secret_sha256, routes, budget_usd, period, rpm, tpm, "
      "created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  if (!insert) return insert.err();
  insert->bind_text(1, k.id).bind_text(2, k.name).bind_text(3, k.secret_sha256);
  insert->bind_text(4, nlohmann::json(policy.routes).dump());
  bind_optional(*insert, 5, policy.budget_usd, &statement::bind_double);
  insert->bind_text(6, period_name(policy.period));
  bind_optional(*insert, 7, policy.rpm, &statement::bind_int64);
  bind_optional(*insert, 8, policy.tpm, &statement::bind_int64);
  insert->bind_int64(9, now);
  auto done = insert->run();
  if (!done)
    return error{done.err().code,
                 "cannot save a new API key to " + db_.path() + ": " + done.err().detail};
  return out;
}

result<std::vector<api_key_record>> api_keys::list() {
  auto stmt = db_.prepare(std::string(select_columns) + " ORDER BY created_ms, id");
  if (!stmt) return stmt.err();
  std::vector<api_key_record> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.err();
    if (!*row) return out;
    auto key = read_row(*stmt);
    if (!key) return key.err();
    out.push_back(std::move(*key));
  }
}

result<bool> api_keys::revoke(const std::string& id, time_ms now) {
  auto update =
      db_.prepare("UPDATE api_keys SET revoked_ms = COALESCE(revoked_ms, ?2) WHERE id = ?1");
  if (!update) return update.err();
  update->bind_text(1, id).bind_int64(2, now);
  auto done = update->run();
  if (!done) return done.err();
  auto changed = db_.prepare("SELECT changes()");
  if (!changed) return changed.err();
  auto row = changed->step();
  if (!row) return row.err();
  return *row && changed->column_int64(0) > 0;
}

}  // namespace llmopt
