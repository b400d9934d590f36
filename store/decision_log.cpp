#include "store/decision_log.hpp"

#include <nlohmann/json.hpp>

#include "store/transaction.hpp"

namespace llmopt {
namespace {

// nlohmann throws on strings that are not UTF-8; that must not escape.
result<std::string> encode(const decision& d) {
  try {
    return nlohmann::json(d).dump();
  } catch (const nlohmann::json::exception& e) {
    return error{store_errc::general,
                 "decision " + std::to_string(d.id) + " cannot be encoded: " + e.what()};
  }
}

result<decision> decode(long long id, const std::string& body) {
  try {
    return nlohmann::json::parse(body).get<decision>();
  } catch (const nlohmann::json::exception& e) {
    return error{store_errc::general,
                 "decision " + std::to_string(id) + " in the store is unreadable: " + e.what()};
  }
}

// Collects the decoded `body` (column 1; id is column 0) of every row.
result<std::vector<decision>> read_all(statement& stmt) {
  std::vector<decision> out;
  for (;;) {
    auto row = stmt.step();
    if (!row) return row.err();
    if (!*row) return out;
    auto d = decode(stmt.column_int64(0), stmt.column_text(1));
    if (!d) return d.err();
    out.push_back(std::move(*d));
  }
}

}  // namespace

status decision_log::append(const std::vector<decision>& batch) {
  return insert(batch, "");
}

status decision_log::keep(const std::vector<decision>& batch) {
  // Only a stored id is passed over; any other constraint still fails.
  return insert(batch, " ON CONFLICT(id) DO NOTHING");
}

status decision_log::insert(const std::vector<decision>& batch, const char* on_conflict) {
  if (batch.empty()) return ok_status();
  auto tx = transaction::begin(db_);
  if (!tx) return tx.err();
  auto insert = db_.prepare(
      R"(INSERT INTO decisions (id, at_ms, route, "trigger", body) VALUES (?1, ?2, ?3, ?4, ?5))" +
      std::string(on_conflict));
  if (!insert) return insert.err();
  for (const auto& d : batch) {
    auto body = encode(d);
    if (!body) return body.err();
    insert->reset();
    insert->bind_int64(1, d.id).bind_int64(2, d.at).bind_text(3, d.route);
    insert->bind_text(4, describe(d.trigger));
    insert->bind_text(5, *body);
    auto done = insert->run();
    if (!done)
      return error{done.err().code, "cannot append decision " + std::to_string(d.id) + " to " +
                                        db_.path() + ": " + done.err().detail};
  }
  return tx->commit();
}

result<std::vector<decision>> decision_log::list(const std::optional<std::string>& route,
                                                 int limit) {
  auto stmt = db_.prepare(route ? "SELECT id, body FROM decisions WHERE route = ?1 "
                                  "ORDER BY id DESC LIMIT ?2"
                                : "SELECT id, body FROM decisions ORDER BY id DESC LIMIT ?2");
  if (!stmt) return stmt.err();
  if (route) stmt->bind_text(1, *route);
  stmt->bind_int64(2, limit > 0 ? limit : -1);  // SQLite: a negative LIMIT is no limit
  return read_all(*stmt);
}

result<std::optional<decision>> decision_log::find(long long id) {
  auto stmt = db_.prepare("SELECT id, body FROM decisions WHERE id = ?1");
  if (!stmt) return stmt.err();
  stmt->bind_int64(1, id);
  auto found = read_all(*stmt);
  if (!found) return found.err();
  if (found->empty()) return std::optional<decision>{};
  return std::optional<decision>{std::move(found->front())};
}

result<long long> decision_log::last_id() {
  auto stmt = db_.prepare("SELECT COALESCE(MAX(id), 0) FROM decisions");
  if (!stmt) return stmt.err();
  auto row = stmt->step();
  if (!row) return row.err();
  return *row ? stmt->column_int64(0) : 0LL;
}

}  // namespace llmopt
