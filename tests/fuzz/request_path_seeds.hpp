#pragma once

// How request_path_fuzz reads an input (the operation it selects), and the
// seeds made from the wire fixtures in that encoding. One place for both,
// so seeds keep reaching the operation they were made for.

#include <string>

namespace llmopt::fuzz {

// input[0] % operation_count; request_path_fuzz.cpp says what each does.
enum class operation : unsigned char {
  chat_request,
  messages_request,
  reply,
  stream,
  encoder,
  error_body,
  bounded_json,
  event_reader,
};
inline constexpr unsigned operation_count = 8;

// Operations whose input[1] is a parameter (a format, a bound), not payload.
bool takes_parameter(operation op);

// The bytes before a payload that route it to `op` with `parameter`:
// printable ('0' + op, then the parameter), '0' being 48 = 6 * 8.
std::string selector(operation op, unsigned char parameter = '0');

// With a "-extract_seeds=DIR" argument: reads every other argument not
// starting with '-' as a wire fixture (tests/adapters/providers/fixtures),
// writes its raw pieces to DIR as seeds, one file each, named
// "<folder>-<fixture>.<operation>", then exits (status 1 when a fixture
// could not be read). Without one, returns.
void extract_seeds_if_asked(int argc, char** argv);

}  // namespace llmopt::fuzz
