#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace llmopt {

// The wire name of enumerator `x`, its position in `names` ("?" beyond).
template <class E, std::size_t N>
std::string_view name_of(const std::array<std::string_view, N>& names, E x) {
  auto i = static_cast<std::size_t>(x);
  return i < N ? names[i] : std::string_view{"?"};
}

// The enumerator whose wire name is `s`; nullopt for an unknown name.
template <class E, std::size_t N>
std::optional<E> parse_name(const std::array<std::string_view, N>& names, std::string_view s) {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == s) return static_cast<E>(i);
  return std::nullopt;
}

}  // namespace llmopt
