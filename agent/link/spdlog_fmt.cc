// spdlog 1.10 and fmt 9.1, compiled once for the static build
// (KAFKA_AGENT_STATIC). Debian ships both as shared libraries only; their
// headers carry the implementation (the *-inl.h files), which spdlog's and
// fmt's own library builds compile once, as this file does. The rest of the
// agent includes the headers in "compiled library" mode (SPDLOG_COMPILED_LIB,
// no FMT_HEADER_ONLY), so no other translation unit compiles them again.
#ifndef SPDLOG_COMPILED_LIB
#error "SPDLOG_COMPILED_LIB must be defined (CMake target kafka_agent_spdlog)"
#endif

#include <mutex>
#include <string>

// fmt: everything format.h declares but leaves to the library.
#include "fmt/format-inl.h"

FMT_BEGIN_NAMESPACE
namespace detail {
template FMT_API auto dragonbox::to_decimal(float x) noexcept
    -> dragonbox::decimal_fp<float>;
template FMT_API auto dragonbox::to_decimal(double x) noexcept
    -> dragonbox::decimal_fp<double>;
template FMT_API locale_ref::locale_ref(const std::locale& loc);
template FMT_API auto locale_ref::get<std::locale>() const -> std::locale;
template FMT_API auto thousands_sep_impl(locale_ref)
    -> thousands_sep_result<char>;
template FMT_API auto decimal_point_impl(locale_ref) -> char;
template FMT_API void buffer<char>::append(const char*, const char*);
template FMT_API void vformat_to(buffer<char>&, string_view,
                                 basic_format_args<FMT_BUFFER_CONTEXT(char)>,
                                 locale_ref);
}  // namespace detail
FMT_END_NAMESPACE

// spdlog: the core (registry, logger, pattern formatter, base sinks).
#include "spdlog/common-inl.h"
#include "spdlog/details/backtracer-inl.h"
#include "spdlog/details/log_msg-inl.h"
#include "spdlog/details/log_msg_buffer-inl.h"
#include "spdlog/details/null_mutex.h"
#include "spdlog/details/os-inl.h"
#include "spdlog/details/periodic_worker-inl.h"
#include "spdlog/details/registry-inl.h"
#include "spdlog/logger-inl.h"
#include "spdlog/pattern_formatter-inl.h"
#include "spdlog/sinks/base_sink-inl.h"
#include "spdlog/sinks/sink-inl.h"
#include "spdlog/spdlog-inl.h"

// The thread pool of async loggers: the registry refers to it.
#include "spdlog/async.h"
#include "spdlog/async_logger-inl.h"
#include "spdlog/details/thread_pool-inl.h"

template class SPDLOG_API spdlog::sinks::base_sink<std::mutex>;
template class SPDLOG_API spdlog::sinks::base_sink<spdlog::details::null_mutex>;

// The console sinks: stdout/stderr (what the agent logs to) and the colour
// sink of spdlog's default logger, which the registry creates.
#include "spdlog/details/console_globals.h"
#include "spdlog/sinks/ansicolor_sink-inl.h"
#include "spdlog/sinks/stdout_sinks-inl.h"

template class SPDLOG_API
    spdlog::sinks::stdout_sink_base<spdlog::details::console_mutex>;
template class SPDLOG_API
    spdlog::sinks::stdout_sink_base<spdlog::details::console_nullmutex>;
template class SPDLOG_API
    spdlog::sinks::stdout_sink<spdlog::details::console_mutex>;
template class SPDLOG_API
    spdlog::sinks::stdout_sink<spdlog::details::console_nullmutex>;
template class SPDLOG_API
    spdlog::sinks::stderr_sink<spdlog::details::console_mutex>;
template class SPDLOG_API
    spdlog::sinks::stderr_sink<spdlog::details::console_nullmutex>;
template class SPDLOG_API
    spdlog::sinks::ansicolor_sink<spdlog::details::console_mutex>;
template class SPDLOG_API
    spdlog::sinks::ansicolor_sink<spdlog::details::console_nullmutex>;
template class SPDLOG_API
    spdlog::sinks::ansicolor_stdout_sink<spdlog::details::console_mutex>;
template class SPDLOG_API
    spdlog::sinks::ansicolor_stdout_sink<spdlog::details::console_nullmutex>;
template class SPDLOG_API
    spdlog::sinks::ansicolor_stderr_sink<spdlog::details::console_mutex>;
template class SPDLOG_API
    spdlog::sinks::ansicolor_stderr_sink<spdlog::details::console_nullmutex>;
