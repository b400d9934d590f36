#pragma once

#include <string>
#include <utility>
#include <variant>

#include "decision/assert.hpp"

namespace llmopt {

// An expected failure, as a value: a short machine-readable code (e.g. a DLQ
// reason such as "missing_field") and a human-readable detail.
struct error {
  std::string code;
  std::string detail;
  // The input field the error concerns ("messages[2].content"), when one
  // does: what a 400 names as its parameter.
  std::string field = {};
};

// Either a T or an error. Expected failures are returned, not thrown.
template <class T>
class result {
 public:
  result(T value) : value_(std::move(value)) {}
  result(error err) : value_(std::move(err)) {}

  bool ok() const { return value_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok()
  T& value() {
    LLMOPT_ASSERT(ok());
    return std::get<0>(value_);
  }
  const T& value() const {
    LLMOPT_ASSERT(ok());
    return std::get<0>(value_);
  }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // REQUIRES: !ok()
  const error& err() const {
    LLMOPT_ASSERT(!ok());
    return std::get<1>(value_);
  }

 private:
  std::variant<T, error> value_;
};

// A result that carries no value.
struct ok_t {};
using status = result<ok_t>;
inline status ok_status() {
  return ok_t{};
}

}  // namespace llmopt
