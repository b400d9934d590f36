#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "decision/result.hpp"
#include "store/checkpoint_store.hpp"

namespace llmopt {

// A checkpoint as the other instances of a consumer group see it, on
// kafka.topics.checkpoints (compacted, key = the store's identity): this
// store's checkpoint numbered `checkpoint` has counted each signal partition
// up to `positions`. Published once the checkpoint is saved and before its
// offsets are committed, so the newest record of a store names the
// checkpoint it restores after a crash, and no partition's new owner starts
// before what that checkpoint counted.
struct checkpoint_record {
  std::string group;         // the consumer group whose partitions it counted (kafka.group_id)
  std::string store;         // store_identity() of the file it is in
  long long checkpoint = 0;  // its id in that file
  std::vector<partition_position> positions;
};

std::string checkpoint_message(const checkpoint_record& r);

// Reads what anyone may have written to the topic, within bounds: at most
// `max_bytes`, 100,000 positions, ids and offsets in [0, 2^53]. Errors name
// the field: too_large, too_deep, out_of_range, invalid_json,
// invalid_checkpoint_record.
result<checkpoint_record> read_checkpoint_message(std::string_view text, std::size_t max_bytes);

// Where the group has counted each signal partition up to: the furthest any
// store's newest record says. An owner's range of a partition starts where
// the one before it ended, so the furthest is where the next owner starts.
class group_positions {
 public:
  // The record of `store` read from the topic: it replaces the store's
  // earlier one, unless it names an older checkpoint (a late copy).
  void add(checkpoint_record record);
  // A tombstone of `store`'s key: its records are gone from the topic.
  void forget(const std::string& store) { newest_.erase(store); }

  // How far the group has counted `partition` of `topic`; nullopt when no
  // record names it.
  std::optional<long long> at(const std::string& topic, int partition) const;

  // The checkpoint the newest record of `store` names.
  std::optional<long long> checkpoint_of(const std::string& store) const;

 private:
  std::map<std::string, checkpoint_record> newest_;  // by store
};

}  // namespace llmopt
