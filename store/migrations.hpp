#pragma once

#include <string>

#include "decision/result.hpp"
#include "store/database.hpp"

namespace llmopt {

// The schema of the store, versioned by `PRAGMA user_version`.
//
// The schema is an ordered list of migration steps (migrations.cpp); step N
// takes the file from version N-1 to version N. A step, once released, never
// changes: a new table or column is a new step appended at the end. Each step
// runs once, in its own transaction together with the version bump, so a
// crash leaves the file at a whole version.

// The version this build writes and understands: the number of steps.
int latest_schema_version();

// The version recorded in the file (0 for a new, empty file).
result<int> schema_version(database& db);

// Brings the file up to latest_schema_version(), applying the missing steps
// in order; a no-op when it is current. Fails with store_errc::too_new, without
// changing anything, when the file has a newer version than this build knows.
// REQUIRES: db opened read_write. Called by the store actor at startup.
status migrate(database& db);

// As migrate, but stops at version `target`: a file at or past it is left as
// it is. For tests of a migration step, which need a file as an older llmopt
// wrote it. Fails when `target` is not in [0, latest_schema_version()].
// REQUIRES: db opened read_write.
status migrate_to(database& db, int target);

// For readers: fails with store_errc::too_new when the file has a newer version
// than this build knows, and with store_errc::missing when it has no schema yet
// (the writer created the file but never migrated it). An older version is
// accepted: its tables are a prefix of ours.
status check_schema(database& db);

// database::open, then migrate (read_write) or check_schema (read_only):
// what the store actor and the CLI call.
result<database> open_store(const std::string& path, open_mode mode);

}  // namespace llmopt
