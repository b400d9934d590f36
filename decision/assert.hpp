#pragma once

#include <cstdio>
#include <cstdlib>

// LLMOPT_ASSERT(cond): an invariant of the program, checked in every build.
// A failure is a bug in llmopt, never a reaction to input: it prints the
// place and aborts.
#define LLMOPT_ASSERT(cond)                                                                      \
  do {                                                                                           \
    if (!(cond)) {                                                                               \
      std::fprintf(stderr, "llmopt: assertion failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                              \
    }                                                                                            \
  } while (false)
