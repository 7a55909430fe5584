// Small helpers for absl::Status plumbing (Abseil 20220623 has no macros).
#ifndef KAFKA_AGENT_BASE_STATUS_MACROS_H_
#define KAFKA_AGENT_BASE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define KA_CONCAT_INNER_(a, b) a##b
#define KA_CONCAT_(a, b) KA_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` yields a non-OK status.
#define KA_RETURN_IF_ERROR(expr)                  \
  do {                                            \
    const ::absl::Status ka_status_ = (expr);     \
    if (!ka_status_.ok()) return ka_status_;      \
  } while (0)

// `KA_ASSIGN_OR_RETURN(auto x, Foo());` assigns the value of a StatusOr or
// returns its status.
#define KA_ASSIGN_OR_RETURN(lhs, expr) \
  KA_ASSIGN_OR_RETURN_IMPL_(KA_CONCAT_(ka_statusor_, __LINE__), lhs, expr)
#define KA_ASSIGN_OR_RETURN_IMPL_(var, lhs, expr) \
  auto var = (expr);                              \
  if (!var.ok()) return std::move(var).status();  \
  lhs = std::move(var).value()

#endif  // KAFKA_AGENT_BASE_STATUS_MACROS_H_
