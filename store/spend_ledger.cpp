#include "store/spend_ledger.hpp"

#include "store/transaction.hpp"

namespace llmopt {
namespace {

constexpr long long day_ms = 86'400'000;

}  // namespace

status spend_ledger::append(const std::vector<spend_entry>& entries) {
  if (entries.empty()) return ok_status();
  auto tx = transaction::begin(db_);
  if (!tx) return tx.err();
  auto insert = db_.prepare(
      "INSERT INTO spend_ledger (at_ms, key_id, route, model, decision_id, request_id, "
      "input_tokens, output_tokens, usd) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  if (!insert) return insert.err();
  for (const auto& e : entries) {
    insert->reset();
    insert->bind_int64(1, e.at_ms).bind_text(2, e.key_id).bind_text(3, e.route);
    insert->bind_text(4, e.model).bind_int64(5, e.decision_id).bind_text(6, e.request_id);
    insert->bind_int64(7, e.input_tokens).bind_int64(8, e.output_tokens).bind_double(9, e.usd);
    if (auto done = insert->run(); !done)
      return error{done.err().code, "cannot append to the spend ledger of " + db_.path() + ": " +
                                        done.err().detail};
  }
  return tx->commit();
}

result<spend_totals> spend_ledger::totals_since(long long since_ms) {
  spend_totals out;
  auto read = [&](const char* column, auto& into) -> status {
    auto stmt = db_.prepare(std::string("SELECT ") + column +
                            ", at_ms / ?2 * ?2, SUM(usd) FROM spend_ledger WHERE at_ms >= ?1 "
                            "GROUP BY 1, 2");
    if (!stmt) return stmt.err();
    stmt->bind_int64(1, since_ms).bind_int64(2, day_ms);
    for (;;) {
      auto row = stmt->step();
      if (!row) return row.err();
      if (!*row) return ok_status();
      into[stmt->column_text(0)][stmt->column_int64(1)] += stmt->column_double(2);
    }
  };
  if (auto st = read("key_id", out.by_key); !st) return st.err();
  if (auto st = read("route", out.by_route); !st) return st.err();
  return out;
}

result<std::vector<spend_entry>> spend_ledger::of_decision(long long decision_id) {
  auto stmt = db_.prepare(
      "SELECT at_ms, key_id, route, model, decision_id, request_id, input_tokens, "
      "output_tokens, usd FROM spend_ledger WHERE decision_id = ?1 ORDER BY id");
  if (!stmt) return stmt.err();
  stmt->bind_int64(1, decision_id);
  std::vector<spend_entry> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.err();
    if (!*row) return out;
    spend_entry e;
    e.at_ms = stmt->column_int64(0);
    e.key_id = stmt->column_text(1);
    e.route = stmt->column_text(2);
    e.model = stmt->column_text(3);
    e.decision_id = stmt->column_int64(4);
    e.request_id = stmt->column_text(5);
    e.input_tokens = stmt->column_int64(6);
    e.output_tokens = stmt->column_int64(7);
    e.usd = stmt->column_double(8);
    out.push_back(std::move(e));
  }
}

result<std::pair<double, long long>> spend_ledger::sum() {
  auto stmt = db_.prepare("SELECT TOTAL(usd), COUNT(*) FROM spend_ledger");
  if (!stmt) return stmt.err();
  auto row = stmt->step();
  if (!row) return row.err();
  return std::make_pair(stmt->column_double(0), stmt->column_int64(1));
}

}  // namespace llmopt
