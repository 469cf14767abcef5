#ifndef REDIAL_TESTS_SUPPORT_OBSERVED_RUN_HPP
#define REDIAL_TESTS_SUPPORT_OBSERVED_RUN_HPP

#include <redial/clock/virtual_clock.hpp>
#include <redial/reconnector.hpp>
#include <redial/transport/scripted.hpp>

#include <asio/error.hpp>
#include <asio/io_context.hpp>

#include <chrono>
#include <utility>

namespace redial::test {

/// One scripted run every observer test shares, in virtual time: attempt 1 refused at 0 s,
/// attempt 2 at 1 s accepted, its session ends at 3 s with end of file (stable: 2 s >= 1 s),
/// attempt 1 of the new window at 4 s hangs, stop at 10 s. Returns the observer afterwards.
template <class Observer>
Observer observed_run(Observer observer) {
    using namespace std::chrono_literals;
    using transport = scripted_transport<virtual_clock>;
    asio::io_context io;
    virtual_clock clock{io};
    basic_reconnector<transport, virtual_clock, exponential_backoff, uptime_threshold, Observer> r{
        io.get_executor(),
        transport{clock, io.get_executor(),
                  [](std::size_t i) {
                      if (i == 0) {
                          return scripted_step::refuse();
                      }
                      return i == 1 ? scripted_step::accept(2s, asio::error::eof)
                                    : scripted_step::hang();
                  }},
        clock,
        exponential_backoff{},
        uptime_threshold{},
        machine_options{},
        std::move(observer)};
    r.async_run(hold_session{}, [](std::error_code) {});
    clock.advance(10s);
    r.stop();
    clock.advance(0s);
    return std::move(r.observer());
}

} // namespace redial::test

#endif
