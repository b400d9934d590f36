#pragma once

namespace llmopt::store_errc {

// The `code` of every llmopt::error that store/ returns.

// A read_only open of a path where no store exists.
inline constexpr const char* missing = "store_missing";
// The file was written by a newer llmopt (its schema version is unknown here).
inline constexpr const char* too_new = "store_too_new";
// Anything else SQLite, the file system or a stored row reports.
inline constexpr const char* general = "store";

}  // namespace llmopt::store_errc
