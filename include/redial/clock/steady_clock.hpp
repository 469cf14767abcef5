#ifndef REDIAL_CLOCK_STEADY_CLOCK_HPP
#define REDIAL_CLOCK_STEADY_CLOCK_HPP

#include <redial/clock/concept.hpp>
#include <redial/time.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <utility>

namespace redial {

/// Production time: std::chrono::steady_clock, waits on asio::steady_timer. Empty: a
/// reconnector stores it in zero bytes.
struct steady_clock {
    [[nodiscard]] static time_point now() noexcept { return std::chrono::steady_clock::now(); }

    /// One timer per reconnector; an asio I/O object (any completion token works).
    class timer {
    public:
        timer(const steady_clock&, const asio::any_io_executor& ex) : timer_(ex) {}

        void expires_at(time_point at) {
            timer_.expires_at(std::chrono::steady_clock::time_point{
                std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                    at.time_since_epoch())});
        }
        template <class Token>
        auto async_wait(Token&& token) {
            return timer_.async_wait(std::forward<Token>(token));
        }
        void cancel() { timer_.cancel(); }
        [[nodiscard]] asio::any_io_executor get_executor() { return timer_.get_executor(); }

    private:
        asio::steady_timer timer_;
    };
};

static_assert(clock_source<steady_clock>);

} // namespace redial

#endif
