#ifndef REDIAL_TRANSPORT_SCRIPTED_HPP
#define REDIAL_TRANSPORT_SCRIPTED_HPP

#include <redial/clock/concept.hpp>
#include <redial/detail/saturate.hpp>
#include <redial/transport/concept.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/bind_executor.hpp>
#include <asio/buffer.hpp>
#include <asio/error.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <system_error>
#include <utility>

namespace redial {

/// What a scripted server does with one connection attempt.
struct scripted_step {
    enum class kind : unsigned char {
        refuse, ///< the connect fails with `error` after `latency`
        hang,   ///< the connect never completes (until cancelled: a connect timeout's job)
        accept, ///< the connect succeeds after `latency`; the session ends after `session`
    };
    kind what = kind::refuse;
    std::chrono::nanoseconds latency{0};
    std::chrono::nanoseconds session{0};
    std::error_code error = asio::error::connection_refused; ///< refuse: why; accept: close reason

    static scripted_step refuse(std::error_code e = asio::error::connection_refused,
                                std::chrono::nanoseconds latency = {}) {
        return {kind::refuse, latency, {}, e};
    }
    static scripted_step hang() { return {kind::hang, {}, {}, {}}; }
    static scripted_step accept(std::chrono::nanoseconds session,
                                std::error_code reason = asio::error::connection_reset,
                                std::chrono::nanoseconds latency = {}) {
        return {kind::accept, latency, session, reason};
    }
};

/// A transport for tests and simulations: each attempt asks the script what the server does,
/// and every delay (connect latency, session length) passes on the Clock, so under the virtual
/// clock a five-minute scenario runs in microseconds.
template <clock_source Clock>
class scripted_transport {
public:
    using script = std::function<scripted_step(std::size_t attempt)>;

    /// A scripted session: async_read_some completes when the server ends the session (with
    /// the step's close reason) or when close() is called (operation_aborted).
    class connection {
    public:
        connection() = default;
        connection(typename Clock::timer timer, std::chrono::nanoseconds life,
                   std::error_code reason, time_point start)
            : timer_(std::move(timer)), end_(detail::sat_add(start, life)), reason_(reason) {}

        template <class MutableBuffers, class Token>
        auto async_read_some(const MutableBuffers&, Token&& token) {
            return asio::async_initiate<Token, void(std::error_code, std::size_t)>(
                [this](auto handler) {
                    if (!timer_) {
                        std::move(handler)(asio::error::not_connected, std::size_t{0});
                        return;
                    }
                    timer_->expires_at(end_);
                    timer_->async_wait(
                        [h = std::move(handler), reason = reason_](std::error_code ec) mutable {
                            std::move(h)(ec ? ec : reason, std::size_t{0});
                        });
                },
                token);
        }
        void close() {
            if (timer_) {
                timer_->cancel();
            }
        }
        [[nodiscard]] bool is_open() const noexcept { return timer_.has_value(); }
        using executor_type = asio::any_io_executor;
        [[nodiscard]] executor_type get_executor() { return timer_->get_executor(); }

    private:
        std::optional<typename Clock::timer> timer_; // by value: no allocation per session
        time_point end_{};
        std::error_code reason_;
    };

    scripted_transport(Clock clock, asio::any_io_executor ex, script s)
        : clock_(std::move(clock)), ex_(std::move(ex)), script_(std::move(s)),
          timer_(std::make_unique<typename Clock::timer>(clock_, ex_)) {}

    template <class Token>
    auto async_connect(Token&& token) {
        return asio::async_initiate<Token, void(std::error_code, connection)>(
            [this](auto handler) { this->start(std::move(handler)); }, token);
    }
    /// Aborts a pending connect: it completes with operation_aborted.
    void cancel() { timer_->cancel(); }

    /// Attempts made so far.
    [[nodiscard]] std::size_t attempts() const noexcept { return attempts_; }

private:
    template <class Handler>
    void start(Handler handler) {
        const scripted_step step = script_(attempts_++);
        // A hang waits until the end of time: only cancel() completes it.
        const time_point at = step.what == scripted_step::kind::hang
                                  ? time_point::max()
                                  : detail::sat_add(clock_.now(), step.latency);
        timer_->expires_at(at);
        // Completes on the handler's executor (a reconnector's strand), and so does the
        // session's timer. Captures copies, not `this`: the completion may run after the
        // transport moved.
        const asio::any_io_executor ex = asio::get_associated_executor(handler, ex_);
        timer_->async_wait(asio::bind_executor(
            ex, [clock = clock_, ex, step, h = std::move(handler)](std::error_code ec) mutable {
                if (ec) {
                    std::move(h)(ec, connection{});
                } else if (step.what == scripted_step::kind::hang) {
                    std::move(h)(asio::error::timed_out, connection{}); // the end of time came
                } else if (step.what == scripted_step::kind::refuse) {
                    std::move(h)(step.error, connection{});
                } else {
                    std::move(h)(std::error_code{},
                                 connection{typename Clock::timer(clock, ex), step.session,
                                            step.error, clock.now()});
                }
            }));
    }

    Clock clock_;
    asio::any_io_executor ex_;
    script script_;
    std::unique_ptr<typename Clock::timer> timer_; // connect latency and hangs
    std::size_t attempts_ = 0;
};

} // namespace redial

#endif
