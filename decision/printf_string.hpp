#pragma once

#include <string>

namespace llmopt {

// printf into a std::string, whatever its length.
std::string printf_string(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace llmopt
