#ifndef REDIAL_SETUP_TRANSPORT_HPP
#define REDIAL_SETUP_TRANSPORT_HPP

#include <redial/clock/concept.hpp>
#include <redial/detail/check.hpp>
#include <redial/detail/close.hpp>
#include <redial/detail/erased_handler.hpp>
#include <redial/detail/saturate.hpp>
#include <redial/error.hpp>
#include <redial/failure.hpp>
#include <redial/setup/buffered_connection.hpp>
#include <redial/setup/error.hpp>
#include <redial/setup/machine.hpp>
#include <redial/transport/concept.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/buffer.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>

#include <chrono>
#include <concepts>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>

namespace redial {

/// Settings of a setup transport.
struct setup_options {
    /// The one deadline over the whole attempt: resolve, connect, TLS and every step. Unset:
    /// the inner transport's connect_timeout(), so the `connect-timeout` key means that span.
    std::optional<std::chrono::nanoseconds> timeout{};
    /// The most the steps may hold read and unconsumed (setup_buffer's bound).
    std::size_t max_buffer = std::size_t{64} * 1024;
    /// Longer failure texts (a server's error line) are cut to this many bytes.
    std::size_t max_text = setup_machine::default_max_text;
};

/// What the steps read from the connection and have not consumed. Read into dynamic() with
/// asio's composed reads (`asio::async_read_until(s, in.dynamic(), "\r\n", token)`), look at
/// view(), consume() each reply handled. Whatever is left after the last step is what the
/// session reads first. Bounded: a read that would grow it past max_size() fails (asio's
/// not_found for read_until, reported as a reply longer than the buffer).
class setup_buffer {
public:
    explicit setup_buffer(std::size_t max_size = std::size_t{64} * 1024) : max_(max_size) {}
    // Move-only: a step that took a copy would read into it and lose the bytes.
    setup_buffer(setup_buffer&&) noexcept = default;
    setup_buffer& operator=(setup_buffer&&) noexcept = default;
    setup_buffer(const setup_buffer&) = delete;
    setup_buffer& operator=(const setup_buffer&) = delete;
    ~setup_buffer() = default;

    /// An asio DynamicBuffer over these bytes, bounded by max_size().
    [[nodiscard]] auto dynamic() { return asio::dynamic_buffer(data_, max_); }
    /// The bytes read and not consumed.
    [[nodiscard]] std::string_view view() const noexcept { return data_; }
    /// Drops the first `n` bytes (all of them if there are fewer).
    void consume(std::size_t n) { data_.erase(0, n < data_.size() ? n : data_.size()); }
    [[nodiscard]] std::size_t size() const noexcept { return data_.size(); }
    [[nodiscard]] std::size_t max_size() const noexcept { return max_; }
    /// Moves the bytes out (the setup transport hands them to the session).
    [[nodiscard]] std::string take() noexcept { return std::move(data_); }

private:
    std::string data_;
    std::size_t max_;
};

namespace detail {
// What a step's completion reaches: the attempt, whatever its type.
struct setup_op_base {
    virtual void step_done(std::size_t step, failure f) = 0;

protected:
    setup_op_base() = default;
    setup_op_base(const setup_op_base&) = default;
    setup_op_base& operator=(const setup_op_base&) = default;
    ~setup_op_base() = default;
};
} // namespace detail

/// A completion-style step's completion: call it once, with nothing (the step succeeded), an
/// error code or a failure (code and text: the server's words). Later calls, and calls for an
/// attempt that timed out or was cancelled meanwhile, are ignored. May be called from any
/// thread: the result is dispatched onto the attempt's executor.
class setup_done {
public:
    setup_done(std::shared_ptr<detail::setup_op_base> op, std::size_t step) noexcept
        : op_(std::move(op)), step_(step) {}

    void operator()() { (*this)(failure{}); }
    void operator()(std::error_code ec) { (*this)(failure{ec}); }
    void operator()(failure f) {
        if (auto op = std::move(op_)) {
            op->step_done(step_, std::move(f));
        }
    }

private:
    std::shared_ptr<detail::setup_op_base> op_;
    std::size_t step_;
};

namespace detail {
/// How a step that returns R (instead of taking a setup_done) is run: specialised by
/// <redial/setup/awaitable.hpp> for asio::awaitable<void>.
template <class Result>
struct setup_step_runner;

template <class Step, class Connection>
concept completion_setup_step =
    std::invocable<Step&, Connection&, setup_buffer&, setup_done> &&
    std::is_void_v<std::invoke_result_t<Step&, Connection&, setup_buffer&, setup_done>>;

template <class Step, class Connection>
concept returning_setup_step = std::invocable<Step&, Connection&, setup_buffer&> && requires {
    sizeof(setup_step_runner<std::invoke_result_t<Step&, Connection&, setup_buffer&>>);
};
} // namespace detail

/// A setup step over connections of type Connection: either completion style,
/// `void step(Connection&, setup_buffer&, setup_done)`, or a coroutine,
/// `asio::awaitable<void> step(Connection&, setup_buffer&)` (with <redial/setup/awaitable.hpp>).
template <class Step, class Connection>
concept setup_step =
    std::move_constructible<Step> && (detail::completion_setup_step<Step, Connection> ||
                                      detail::returning_setup_step<Step, Connection>);

/// A transport a setup stage can wrap: its attempts run on get_executor(), its clock() gives
/// the deadline's timer.
template <class T>
concept setup_inner_transport = transport<T> && requires(T& t) {
    { t.get_executor() } -> std::convertible_to<asio::any_io_executor>;
    requires clock_source<std::remove_cvref_t<decltype(t.clock())>>;
};

namespace detail {
template <class T>
using clock_of = std::remove_cvref_t<decltype(std::declval<T&>().clock())>;

template <class Step, class Connection>
constexpr bool check_setup_step() {
    static_assert(
        setup_step<Step, Connection>,
        "redial: a setup step must be callable as `void step(Connection&, redial::setup_buffer&, "
        "redial::setup_done)`, or as `asio::awaitable<void> step(Connection&, "
        "redial::setup_buffer&)` with <redial/setup/awaitable.hpp> included, where Connection "
        "is the inner transport's connection type");
    return setup_step<Step, Connection>;
}
} // namespace detail

/// A transport that runs setup steps (a protocol's hello, AUTH, SELECT, a WebSocket upgrade)
/// on each new connection of the Inner transport before handing it out, all under one
/// deadline: resolve, connect, TLS and every step share setup_options::timeout (by default the
/// inner transport's connect timeout). The steps run in order on the connection's executor;
/// each may read into the setup_buffer, and what they leave there the session reads first
/// (buffered_connection). cancel() aborts the connect or the running step. A failure is a
/// connect failure to the reconnector, with the step's text: async_connect completes with
/// (failure, connection), e.g. {setup_errc::rejected, "setup: -WRONGPASS invalid
/// username-password pair"}; a timeout is asio::error::timed_out with a text naming the phase.
/// One attempt at a time (cancel() aborts the latest, as the inner transports' do).
/// A step must complete once its connection is closed (asio operations do: they fail with
/// operation_aborted); the attempt does not wait for it, but keeps the connection until then.
template <setup_inner_transport Inner, class... Steps>
    requires(detail::check_setup_step<Steps, typename Inner::connection>() && ...)
class setup_transport {
public:
    using inner_type = Inner;
    using inner_connection = typename Inner::connection;
    using connection = buffered_connection<inner_connection>;
    using clock_type = detail::clock_of<Inner>;

    /// Throws config_error naming `setup timeout` for a timeout that is not positive (or unset
    /// over an inner transport without connect_timeout()), `setup max-buffer` for 0, and
    /// `setup max-text` for fewer than 16 bytes.
    setup_transport(setup_options options, Inner inner, Steps... steps)
        : shared_(std::make_shared<shared>(std::move(inner), std::move(steps)...)) {
        std::chrono::nanoseconds timeout{};
        if (options.timeout) {
            timeout = detail::require_positive("setup timeout", *options.timeout);
        } else if constexpr (requires(const Inner& i) {
                                 {
                                     i.connect_timeout()
                                 } -> std::convertible_to<std::chrono::nanoseconds>;
                             }) {
            timeout = shared_->inner.connect_timeout();
        } else {
            throw config_error("setup timeout", "unset",
                               "must be given: the inner transport has no connect_timeout()");
        }
        if (options.max_buffer == 0) {
            throw config_error("setup max-buffer", "0", "must be at least 1 byte");
        }
        if (options.max_text < 16) {
            throw config_error("setup max-text", std::to_string(options.max_text),
                               "must be at least 16 bytes");
        }
        shared_->timeout = timeout;
        shared_->max_buffer = options.max_buffer;
        shared_->max_text = options.max_text;
    }
    /// With the defaults: the inner transport's connect timeout is the deadline.
    explicit setup_transport(Inner inner, Steps... steps)
        : setup_transport(setup_options{}, std::move(inner), std::move(steps)...) {}

    setup_transport(setup_transport&&) noexcept = default;
    setup_transport& operator=(setup_transport&&) noexcept = default;
    setup_transport(const setup_transport&) = delete;
    setup_transport& operator=(const setup_transport&) = delete;
    ~setup_transport() = default;

    template <class Token>
    auto async_connect(Token&& token) {
        return asio::async_initiate<Token, void(failure, connection)>(
            [this](auto handler) { this->start(std::move(handler)); }, token);
    }

    /// Aborts the attempt in progress (its connect, or its running step): it completes with
    /// operation_aborted.
    void cancel() {
        if (auto op = current_.lock()) {
            op->cancel();
        }
    }

    /// The deadline of one attempt, connect and setup together.
    [[nodiscard]] std::chrono::nanoseconds connect_timeout() const noexcept {
        return shared_->timeout;
    }
    [[nodiscard]] const clock_type& clock() const noexcept { return shared_->clock; }
    [[nodiscard]] asio::any_io_executor get_executor() { return shared_->inner.get_executor(); }
    [[nodiscard]] Inner& inner() noexcept { return shared_->inner; }
    [[nodiscard]] const Inner& inner() const noexcept { return shared_->inner; }

private:
    // The inner transport and the steps, shared with the attempts: a step's coroutine may
    // outlive the transport (it ends once its connection closes), and the deadline may stop
    // the inner connect after the transport moved.
    struct shared {
        shared(Inner i, Steps... s)
            : inner(std::move(i)), clock(inner.clock()), steps(std::move(s)...) {}
        Inner inner;
        clock_type clock;
        std::tuple<Steps...> steps;
        std::chrono::nanoseconds timeout{};
        std::size_t max_buffer = 0;
        std::size_t max_text = 0;
    };

    class attempt final : public detail::setup_op_base,
                          public std::enable_shared_from_this<attempt> {
    public:
        template <class Handler>
        attempt(std::shared_ptr<shared> s, const asio::any_io_executor& ex, Handler h)
            : shared_(std::move(s)),
              machine_(sizeof...(Steps), shared_->timeout, shared_->max_text), ex_(ex),
              limit_(shared_->clock, ex), buffer_(shared_->max_buffer), handler_(std::move(h), ex) {
        }

        void begin() {
            // The deadline's wait holds the attempt until the result cancels it: a step that
            // drops its setup_done (never calls it) still times out at the deadline.
            limit_.expires_at(machine_.start(time_point{shared_->clock.now()}));
            limit_.async_wait(
                detail::with_cached_memory([self = this->shared_from_this()](std::error_code ec) {
                    if (!ec) {
                        self->act(self->machine_.on_deadline(asio::error::timed_out));
                    }
                }));
            shared_->inner.async_connect(inner_completion{this->shared_from_this()});
        }

        void cancel() { act(machine_.on_cancel(asio::error::operation_aborted)); }

        void step_done(std::size_t step, failure f) override {
            // Posted onto the attempt's executor, never inline: a step that calls done() and
            // then touches its connection or buffer still has them until it returns.
            asio::post(ex_, detail::with_cached_memory([self = this->shared_from_this(), step,
                                                        f = std::move(f)]() mutable {
                           self->on_step(step, std::move(f));
                       }));
        }

    private:
        // The inner connect's completion, on the attempt's executor.
        struct inner_completion {
            std::shared_ptr<attempt> self;
            using executor_type = asio::any_io_executor;
            [[nodiscard]] executor_type get_executor() const noexcept { return self->ex_; }
            void operator()(std::error_code ec, inner_connection c) const {
                self->connected(failure{ec}, std::move(c));
            }
            // Exactly a failure: `{}` still means an error_code (what transports pass).
            template <class F>
                requires std::same_as<std::remove_cvref_t<F>, failure>
            void operator()(F&& f, inner_connection c) const {
                self->connected(std::forward<F>(f), std::move(c));
            }
        };

        void connected(failure f, inner_connection c) {
            if (f.code) {
                act(machine_.on_connect_failed(std::move(f)));
                return;
            }
            if (machine_.phase() != setup_phase::connecting) {
                detail::close_quietly(c); // timed out or cancelled meanwhile
                return;
            }
            connection_.emplace(std::move(c));
            act(machine_.on_connected());
        }

        void on_step(std::size_t step, failure f) {
            if (machine_.phase() != setup_phase::stepping || machine_.step() != step) {
                return; // a step done twice, or after the attempt's end
            }
            if (f.code == asio::error::not_found && buffer_.size() >= buffer_.max_size()) {
                f.text = "a reply longer than the setup buffer's " +
                         std::to_string(buffer_.max_size()) + " bytes (setup_options::max_buffer)";
            }
            act(machine_.on_step_done(std::move(f)));
        }

        void act(setup_action a) {
            switch (a.what) {
            case setup_action::kind::none:
                return;
            case setup_action::kind::run_step:
                run<0>(a.step);
                return;
            case setup_action::kind::succeed:
                limit_.cancel();
                handler_.complete(failure{}, connection{std::move(*connection_), buffer_.take()});
                connection_.reset();
                return;
            case setup_action::kind::fail:
                limit_.cancel();
                if (a.abort == setup_action::stop::connect) {
                    shared_->inner.cancel();
                } else if (a.abort == setup_action::stop::connection && connection_) {
                    detail::close_quietly(*connection_); // the step's I/O fails; it ends
                }
                handler_.complete(std::move(a.error), connection{empty(), std::string{}});
                return;
            }
        }

        // What a failed attempt hands out: a connection that is not one (an asio socket
        // needs its executor).
        inner_connection empty() const {
            if constexpr (std::is_default_constructible_v<inner_connection>) {
                return inner_connection{};
            } else {
                return inner_connection(ex_);
            }
        }

        template <std::size_t I>
        void run(std::size_t step) {
            if constexpr (I < sizeof...(Steps)) {
                if (step != I) {
                    run<I + 1>(step);
                    return;
                }
                using step_type = std::tuple_element_t<I, std::tuple<Steps...>>;
                step_type& s = std::get<I>(shared_->steps);
                setup_done done(std::shared_ptr<detail::setup_op_base>(this->shared_from_this()),
                                step);
                try {
                    if constexpr (detail::completion_setup_step<step_type, inner_connection>) {
                        s(*connection_, buffer_, std::move(done));
                    } else {
                        using result =
                            std::invoke_result_t<step_type&, inner_connection&, setup_buffer&>;
                        detail::setup_step_runner<result>::run(s, *connection_, buffer_,
                                                               std::move(done), ex_);
                    }
                } catch (const std::exception& e) { // thrown before it got going
                    on_step(step, failure{make_error_code(setup_errc::exception), e.what()});
                } catch (...) {
                    on_step(step,
                            failure{make_error_code(setup_errc::exception), "unknown exception"});
                }
            }
        }

        std::shared_ptr<shared> shared_;
        setup_machine machine_;
        asio::any_io_executor ex_;
        typename clock_type::timer limit_;
        std::optional<inner_connection> connection_;
        setup_buffer buffer_;
        detail::erased_handler<failure, connection> handler_;
    };

    template <class Handler>
    void start(Handler handler) {
        // The attempt (its timer, the step's completions) runs on the handler's executor (a
        // reconnector's strand), as the inner transports' attempts do.
        const asio::any_io_executor ex =
            asio::get_associated_executor(handler, shared_->inner.get_executor());
        auto o = std::allocate_shared<attempt>(detail::cached_allocator<attempt>(), shared_, ex,
                                               std::move(handler));
        current_ = o;
        o->begin();
    }

    std::shared_ptr<shared> shared_;
    std::weak_ptr<attempt> current_;
};

/// A setup transport over `inner` running `steps` in order, with the defaults (the inner
/// transport's connect timeout is the deadline).
template <class Inner, class... Steps>
    requires(!std::same_as<Inner, setup_options>)
setup_transport<Inner, Steps...> with_setup(Inner inner, Steps... steps) {
    return setup_transport<Inner, Steps...>(std::move(inner), std::move(steps)...);
}
/// The same with options.
template <class Inner, class... Steps>
setup_transport<Inner, Steps...> with_setup(setup_options options, Inner inner, Steps... steps) {
    return setup_transport<Inner, Steps...>(options, std::move(inner), std::move(steps)...);
}

} // namespace redial

#endif
