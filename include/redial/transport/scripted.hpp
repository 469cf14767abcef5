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
#include <asio/post.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
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
    /// accept: the server sends a byte every `talk_every` from the connect (0: never).
    std::chrono::nanoseconds talk_every{0};
    /// accept: the server answers each write with a byte this much later (unset: never).
    std::optional<std::chrono::nanoseconds> answer_after{};
    /// accept: from this long after the connect, the server sends and answers nothing, without
    /// closing (a SIGSTOPped or blackholed server). The session still ends after `session`.
    std::chrono::nanoseconds silent_after{std::chrono::nanoseconds::max()};

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
    /// A server that accepts and never closes (until the connection is closed).
    static scripted_step accept_forever() {
        return accept(std::chrono::nanoseconds::max(), asio::error::connection_reset);
    }

    scripted_step& talking_every(std::chrono::nanoseconds period) {
        talk_every = period;
        return *this;
    }
    scripted_step& answering_after(std::chrono::nanoseconds delay) {
        answer_after = delay;
        return *this;
    }
    scripted_step& going_silent_after(std::chrono::nanoseconds t) {
        silent_after = t;
        return *this;
    }
    /// The server speaks (talks or answers): its connection keeps a little state.
    [[nodiscard]] bool chatty() const noexcept {
        return talk_every.count() > 0 || answer_after.has_value();
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
    /// the step's close reason) or when close() is called (operation_aborted); a chatty step's
    /// server bytes (one 'x' per read) complete it too. Writes complete at once with their size.
    class connection {
    public:
        connection() = default;
        connection(typename Clock::timer timer, std::chrono::nanoseconds life,
                   std::error_code reason, time_point start)
            : timer_(std::move(timer)), end_(detail::sat_add(start, life)), reason_(reason) {}
        connection(const Clock& clock, const asio::any_io_executor& ex, const scripted_step& step,
                   time_point start)
            : end_(detail::sat_add(start, step.session)), reason_(step.error) {
            if (step.chatty()) {
                chat_ = std::make_shared<chat>(clock, ex, step, start, end_);
            } else {
                timer_.emplace(clock, ex);
            }
        }
        connection(connection&&) noexcept = default;
        connection& operator=(connection&& other) noexcept {
            if (this != &other) {
                abort_chat();
                timer_ = std::move(other.timer_);
                chat_ = std::move(other.chat_);
                end_ = other.end_;
                reason_ = other.reason_;
            }
            return *this;
        }
        ~connection() { abort_chat(); }

        template <class MutableBuffers, class Token>
        auto async_read_some(const MutableBuffers& buffers, Token&& token) {
            return asio::async_initiate<Token, void(std::error_code, std::size_t)>(
                [this, &buffers](auto handler) {
                    if (chat_) {
                        chat::read(chat_,
                                   asio::mutable_buffer(*asio::buffer_sequence_begin(buffers)),
                                   std::move(handler));
                        return;
                    }
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
        template <class ConstBuffers, class Token>
        auto async_write_some(const ConstBuffers& buffers, Token&& token) {
            return asio::async_initiate<Token, void(std::error_code, std::size_t)>(
                [this, &buffers](auto handler) {
                    const std::size_t n = asio::buffer_size(buffers);
                    if (chat_) {
                        chat_->written();
                    }
                    // The handler's executor is asked for before the handler moves into the
                    // lambda (an awaitable's handler has none once moved from).
                    if (!chat_ && !timer_) {
                        const auto own = asio::get_associated_executor(handler);
                        asio::post(asio::bind_executor(own, [h = std::move(handler)]() mutable {
                            std::move(h)(asio::error::not_connected, std::size_t{0});
                        }));
                        return;
                    }
                    const asio::any_io_executor ex = get_executor();
                    const auto own = asio::get_associated_executor(handler, ex);
                    asio::post(ex, asio::bind_executor(own, [h = std::move(handler), n]() mutable {
                                   std::move(h)(std::error_code{}, n);
                               }));
                },
                token);
        }
        void close() {
            if (timer_) {
                timer_->cancel();
            }
            abort_chat();
        }
        [[nodiscard]] bool is_open() const noexcept { return timer_.has_value() || chat_; }
        using executor_type = asio::any_io_executor;
        [[nodiscard]] executor_type get_executor() {
            return chat_ ? chat_->timer.get_executor() : timer_->get_executor();
        }

    private:
        // A talking or answering server: its clock, the pending read, what is due when.
        struct chat : std::enable_shared_from_this<chat> {
            chat(const Clock& c, const asio::any_io_executor& ex, const scripted_step& step,
                 time_point start, time_point stop)
                : clock(c), timer(c, ex), end(stop),
                  silent_at(detail::sat_add(start, step.silent_after)), every(step.talk_every),
                  answer(step.answer_after),
                  next_tick(step.talk_every.count() > 0 ? detail::sat_add(start, step.talk_every)
                                                        : time_point::max()),
                  reason(step.error) {}

            Clock clock;
            typename Clock::timer timer;
            time_point end;
            time_point silent_at;
            std::chrono::nanoseconds every;
            std::optional<std::chrono::nanoseconds> answer;
            time_point next_tick;
            std::deque<time_point> answers; // due times, in order (one latency for all)
            std::error_code reason;
            std::function<void(std::error_code, std::size_t)> pending; // the read waiting
            asio::mutable_buffer buffer;
            std::uint64_t generation = 0;
            bool closed = false;

            // The next byte's time, if the server still speaks then.
            [[nodiscard]] time_point next_byte() const noexcept {
                time_point t = next_tick;
                if (!answers.empty() && answers.front() < t) {
                    t = answers.front();
                }
                return t < silent_at ? t : time_point::max();
            }

            template <class Handler>
            static void read(const std::shared_ptr<chat>& self, asio::mutable_buffer b,
                             Handler handler) {
                const asio::any_io_executor ex =
                    asio::get_associated_executor(handler, self->timer.get_executor());
                // A std::function needs a copyable target: the handler lives in a shared box.
                auto box = std::make_shared<Handler>(std::move(handler));
                self->pending = [box, ex](std::error_code ec, std::size_t n) {
                    asio::post(ex, [box, ec, n] { std::move (*box)(ec, n); });
                };
                if (self->closed) {
                    self->complete(asio::error::operation_aborted, 0);
                    return;
                }
                self->buffer = b;
                self->arm();
            }

            void arm() {
                const time_point byte = next_byte();
                timer.expires_at(byte < end ? byte : end);
                timer.async_wait(
                    [weak = this->weak_from_this(), gen = ++generation](std::error_code ec) {
                        auto self = weak.lock();
                        if (self && !ec && gen == self->generation && self->pending) {
                            self->due();
                        }
                    });
            }

            void due() {
                const time_point now = clock.now();
                const time_point byte = next_byte();
                if (byte <= now && byte < end) {
                    if (!answers.empty() && answers.front() == byte) {
                        answers.pop_front();
                    } else {
                        next_tick = detail::sat_add(next_tick, every);
                    }
                    const std::size_t n = buffer.size() == 0 ? 0 : 1;
                    if (n != 0) {
                        *static_cast<char*>(buffer.data()) = 'x';
                    }
                    complete(std::error_code{}, n);
                    return;
                }
                if (now >= end) {
                    closed = true;
                    complete(reason, 0);
                    return;
                }
                arm(); // woken early: wait on
            }

            void written() {
                if (!answer || closed) {
                    return;
                }
                answers.push_back(detail::sat_add(clock.now(), *answer));
                if (pending) {
                    arm(); // the answer may come before what the read waited for
                }
            }

            void complete(std::error_code ec, std::size_t n) {
                ++generation;
                auto h = std::move(pending);
                pending = nullptr;
                h(ec, n);
            }

            void abort() {
                closed = true;
                ++generation;
                timer.cancel();
                if (pending) {
                    complete(asio::error::operation_aborted, 0);
                }
            }
        };

        void abort_chat() noexcept {
            if (chat_) {
                chat_->abort();
            }
        }

        std::optional<typename Clock::timer> timer_; // by value: no allocation per session
        std::shared_ptr<chat> chat_;                 // a chatty step's only
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
    /// The clock every delay passes on, and the executor attempts run on by default.
    [[nodiscard]] const Clock& clock() const noexcept { return clock_; }
    [[nodiscard]] asio::any_io_executor get_executor() const noexcept { return ex_; }

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
                    std::move(h)(std::error_code{}, connection{clock, ex, step, clock.now()});
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
