#pragma once

#include <map>
#include <string>
#include <vector>

#include "decision/result.hpp"
#include "store/database.hpp"

namespace llmopt {

// One billed upstream call.
struct spend_entry {
  long long at_ms = 0;
  std::string key_id;  // "" without a key
  std::string route;   // "" for a request that named provider:model
  std::string model;
  long long decision_id = 0;
  std::string request_id;
  long long input_tokens = 0;
  long long output_tokens = 0;
  double usd = 0;
};

// What was spent since a time, per UTC day, by key and by route: enough to
// rebuild the day's and the month's budgets after a restart.
struct spend_totals {
  // day (Unix ms of the day's start) -> USD
  std::map<std::string, std::map<long long, double>> by_key;
  std::map<std::string, std::map<long long, double>> by_route;
};

// The spend ledger, in the `spend_ledger` table: every billed call with its
// key, route, model and the decision that routed it.
//
// Ownership and threads: as decision_log (the store actor writes; readers
// such as the CLI use their own connection).
class spend_ledger {
 public:
  explicit spend_ledger(database& db) : db_(db) {}

  // Appends the entries in one transaction: all or nothing.
  status append(const std::vector<spend_entry>& entries);
  // Totals of every entry at or after `since_ms`, per day.
  result<spend_totals> totals_since(long long since_ms);
  // Every entry routed by `decision_id`, oldest first.
  result<std::vector<spend_entry>> of_decision(long long decision_id);
  // The sum of every entry's usd, and their count.
  result<std::pair<double, long long>> sum();

 private:
  database& db_;
};

}  // namespace llmopt
