#ifndef REDIAL_SESSION_AWAITABLE_HPP
#define REDIAL_SESSION_AWAITABLE_HPP

// Session code written as a C++20 coroutine. A separate header: only code that uses coroutine
// sessions pays for asio's co_spawn.

#include <redial/failure.hpp>

#include <exception>
#include <string>
#include <system_error>
#include <utility>

// asio 1.22 recognises co_await on clang only through the old Coroutines TS macro; clang 14+
// implements C++20 coroutines (with libstdc++'s <coroutine>). Enable it when asio's
// configuration has not been read yet; otherwise say what to define.
#if defined(__clang__) && defined(__cpp_impl_coroutine) && !defined(ASIO_HAS_CO_AWAIT) &&          \
    !defined(ASIO_DETAIL_CONFIG_HPP)
#define ASIO_HAS_CO_AWAIT 1
#endif

#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>

#if !defined(ASIO_HAS_CO_AWAIT)
#error "redial/session/awaitable.hpp needs asio's co_await support: with clang and asio 1.22, \
define ASIO_HAS_CO_AWAIT=1 (the redial::redial CMake target does) or include this header first"
#endif

namespace redial {

namespace detail {
/// What ended a coroutine session: nothing (it returned), a std::system_error (its code and
/// text), or any other exception (its what()).
inline failure session_outcome(const std::exception_ptr& e) {
    if (!e) {
        return failure{std::error_code{}, "session ended"};
    }
    try {
        std::rethrow_exception(e);
    } catch (const std::system_error& error) {
        return failure{error.code(), error.what()};
    } catch (const std::exception& error) {
        return failure{std::error_code{}, error.what()};
    } catch (...) {
        return failure{std::error_code{}, "session ended with an unknown exception"};
    }
}
} // namespace detail

/// Adapts `f(connection&) -> asio::awaitable<void>` to the reconnector's session shape:
///
///   r.async_run(redial::awaitable_session([](auto& c) -> asio::awaitable<void> {
///       char b[512];
///       for (;;) co_await c.async_read_some(asio::buffer(b), asio::use_awaitable);
///   }), token);
///
/// The session ends when the coroutine returns or throws; the exception's message is the close
/// reason. It runs on the connection's executor.
template <class F>
class awaitable_session {
public:
    explicit awaitable_session(F f) : f_(std::move(f)) {}

    template <class Connection, class Done>
    void operator()(Connection& c, Done done) {
        asio::co_spawn(c.get_executor(), f_(c), [done](const std::exception_ptr& e) mutable {
            done(detail::session_outcome(e));
        });
    }

private:
    F f_;
};

} // namespace redial

#endif
