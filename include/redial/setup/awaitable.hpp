#ifndef REDIAL_SETUP_AWAITABLE_HPP
#define REDIAL_SETUP_AWAITABLE_HPP

// Setup steps written as coroutines: `asio::awaitable<void> step(Connection&, setup_buffer&)`.
// Kept apart from setup/transport.hpp so completion-style users do not compile co_spawn.

#include <redial/failure.hpp>
#include <redial/setup/error.hpp>
#include <redial/setup/transport.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>

#include <exception>
#include <system_error>
#include <utility>

namespace redial::detail {

/// Runs a coroutine step on the attempt's executor. Returning is success; what it throws is
/// the failure: a setup_error's code and text as given, a std::system_error's code and what()
/// (an asio operation's error: "End of file"), anything else setup_errc::exception with what().
template <class Executor>
struct setup_step_runner<asio::awaitable<void, Executor>> {
    template <class Step, class Connection>
    static void run(Step& step, Connection& c, setup_buffer& in, setup_done done,
                    const asio::any_io_executor& ex) {
        asio::co_spawn(Executor(ex), step(c, in), completion{std::move(done)});
    }

private:
    struct completion {
        setup_done done;
        void operator()(const std::exception_ptr& e) {
            if (!e) {
                done();
                return;
            }
            try {
                std::rethrow_exception(e);
            } catch (const setup_error& x) {
                done(failure{x.code(), x.text()});
            } catch (const std::system_error& x) {
                done(failure{x.code(), x.what()});
            } catch (const std::exception& x) {
                done(failure{make_error_code(setup_errc::exception), x.what()});
            } catch (...) {
                done(failure{make_error_code(setup_errc::exception), "unknown exception"});
            }
        }
    };
};

} // namespace redial::detail

#endif
