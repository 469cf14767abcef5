#ifndef REDIAL_RECONNECTOR_HPP
#define REDIAL_RECONNECTOR_HPP

#include <redial/backoff/concept.hpp>
#include <redial/backoff/exponential.hpp>
#include <redial/clock/concept.hpp>
#include <redial/clock/steady_clock.hpp>
#include <redial/core/give_up.hpp>
#include <redial/core/machine.hpp>
#include <redial/detail/close.hpp>
#include <redial/detail/erased_handler.hpp>
#include <redial/detail/saturate.hpp>
#include <redial/failure.hpp>
#include <redial/liveness/concept.hpp>
#include <redial/liveness/error.hpp>
#include <redial/liveness/none.hpp>
#include <redial/liveness/stream.hpp>
#include <redial/liveness/traits.hpp>
#include <redial/observer/hooks.hpp>
#include <redial/observer/null.hpp>
#include <redial/outbox/concept.hpp>
#include <redial/outbox/error.hpp>
#include <redial/session/hold.hpp> // hold_session, the session most runs use
#include <redial/stability/concept.hpp>
#include <redial/stability/uptime_threshold.hpp>
#include <redial/transport/concept.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/buffer.hpp>
#include <asio/error.hpp>
#include <asio/execution_context.hpp>
#include <asio/io_context.hpp>
#include <asio/strand.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

namespace redial {

namespace detail {

/// Tells whether an execution context still exists: its destructor clears the flag. Used to
/// catch a reconnector that outlives its io_context (unsupported, as for any asio I/O object).
class context_liveness final : public asio::execution_context::service {
public:
    using key_type = context_liveness;
    static inline asio::execution_context::id id; // NOLINT: asio's service registry key

    explicit context_liveness(asio::execution_context& ctx) : service(ctx) {}
    context_liveness(const context_liveness&) = delete;
    context_liveness& operator=(const context_liveness&) = delete;
    ~context_liveness() override { alive_->store(false); }

    [[nodiscard]] std::shared_ptr<const std::atomic<bool>> alive() const { return alive_; }

private:
    void shutdown() override {}
    std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
};

template <class Executor>
inline constexpr bool is_strand_v = false;
template <class Executor>
inline constexpr bool is_strand_v<asio::strand<Executor>> = true;

/// The executor as a strand: one of its own, unless it is a strand already (then its owner
/// serialises it, and a second strand would only add a hop per completion). Chosen on the
/// executor's static type, so a translation unit instantiates one strand type only: an
/// io_context's executor (the common case) never instantiates strand<any_io_executor>. An
/// io_context's executor gets a strand of that type: the strand's own posts then skip a second
/// type-erased executor. Only an any_io_executor is looked into at run time.
template <class Executor>
asio::any_io_executor serial_executor(const Executor& ex) {
    using io_executor = asio::io_context::executor_type;
    if constexpr (std::is_same_v<Executor, io_executor>) {
        return asio::make_strand(ex);
    } else if constexpr (is_strand_v<Executor>) {
        return ex;
    } else if constexpr (std::is_same_v<Executor, asio::any_io_executor>) {
        // (asio 1.22's any_executor::target<T>() does not check T: compare the type instead.)
        const std::type_info& type = ex.target_type();
        if (type == typeid(asio::strand<asio::any_io_executor>) ||
            type == typeid(asio::strand<io_executor>)) {
            return ex;
        }
        if (type == typeid(io_executor)) {
            return asio::make_strand(*ex.template target<io_executor>());
        }
        return asio::make_strand(ex);
    } else {
        return serial_executor(asio::any_io_executor(ex));
    }
}

// The outbox machine an Outbox part runs for completion type C (void: no outbox).
template <class O, class C, bool = disabled_outbox<O>>
struct outbox_machine_of {
    using type = void;
    using message = void;
};
template <class O, class C>
struct outbox_machine_of<O, C, false> {
    using type = typename O::template machine<C>;
    using message = typename O::message_type;
};

} // namespace detail

/// The connection's state as a watcher sees it: level-triggered (see async_wait_status).
enum class link_status : std::uint8_t { disconnected, connected };

/// Keeps a connection alive: connects with `Transport`, hands each connection to the session
/// code, judges each session with `Stability`, sleeps `Backoff` delays on `Clock`, and reports
/// to `Observer`, and notices a connection that went silent with `Liveness`, until stop() or a
/// give-up. The decisions are the core machine's
/// (basic_reconnect_machine); this class only turns them into asynchronous operations.
///
/// Threading: the reconnector runs all its work on a strand of the executor given at
/// construction, so an io_context run by several threads is safe. stop(), wake(), async_run and
/// async_wait_status may be called from any thread; status() too. The session, observer hooks,
/// and the connect's completion run on that strand: the built-in transports make each attempt's
/// socket on the connect handler's associated executor (the strand), so the session's I/O
/// completes there too; a session that calls done from elsewhere is dispatched onto it.
/// machine(), observer() and transport() are not synchronised: read them on the strand (or
/// when nothing runs).
/// Lifetime: the destructor stops. Pending completions hold the state weakly (the posted stop
/// holds it until it has run, an outbox write until it completes: its messages own the bytes
/// being written, and the stop's close completes it), so no cycle keeps it alive and none of
/// them runs session code or observer hooks after stop; an outbox's sends complete (stopped).
/// Destroy the reconnector before its io_context (as any asio I/O object): debug builds assert it.
template <transport Transport, clock_source Clock, backoff_policy Backoff = exponential_backoff,
          stability_policy Stability = uptime_threshold, class Observer = null_observer,
          error_classifier<failure> ErrorClassifier = no_terminal_errors,
          liveness_policy Liveness = no_liveness, outbox_policy Outbox = no_outbox>
class basic_reconnector {
    struct impl; // declared before session_done names it (clang looks it up there)
    static_assert(observer_checked<Observer>);
    static constexpr bool monitors_liveness = !disabled_liveness<Liveness>;
    static constexpr bool has_outbox = !disabled_outbox<Outbox>;
    using send_completion = detail::erased_handler<std::error_code>;
    using outbox_machine_type = typename detail::outbox_machine_of<Outbox, send_completion>::type;

    // What a monitored connection reports to: the reconnector, weakly, and which session.
    struct liveness_sink {
        std::weak_ptr<impl> weak;
        std::uint64_t session;
        void received() const {
            if (auto i = weak.lock()) {
                i->on_received(session);
            }
        }
        void slow_down() const {
            if (auto i = weak.lock()) {
                i->on_slow_down(session);
            }
        }
    };

public:
    /// The transport's connection; under a liveness policy, wrapped in a monitored_stream that
    /// reports received bytes (the transport's connection is its next_layer()).
    using connection_type =
        std::conditional_t<monitors_liveness,
                           monitored_stream<typename Transport::connection, liveness_sink>,
                           typename Transport::connection>;

private:
    using liveness_hooks = liveness_traits<Liveness>;
    static_assert(liveness_hooks::template checked<connection_type>());

public:
    using machine_type = basic_reconnect_machine<Backoff, Stability, failure, ErrorClassifier>;
    /// What one async_send owns (void without an outbox).
    using message_type = typename detail::outbox_machine_of<Outbox, send_completion>::message;

private:
    // Under a liveness policy the driver may end a session itself: each session_done then
    // knows its session (a late done() from a session the policy ended must not end the next
    // one) and keeps its connection object alive (closed) until the session lets go of it.
    struct monitored_session {
        std::shared_ptr<connection_type> connection;
        std::uint64_t number = 0;
    };
    struct plain_session {};
    using session_tag = std::conditional_t<monitors_liveness, monitored_session, plain_session>;

public:
    /// Ends a session: call it once, with the close reason (an empty code for a clean close).
    /// It may close and destroy the connection at once: do not touch the connection after.
    /// (Under a liveness policy the connection object lives while a copy of this does.)
    class session_done {
    public:
        void operator()(std::error_code reason) const { (*this)(failure{reason}); }
        void operator()(failure reason) const {
            if (auto i = impl_.lock()) {
                // Inline when already on the reconnector's strand (a session's own completion),
                // otherwise posted onto it (what a dispatch from outside the strand does).
                if constexpr (monitors_liveness) {
                    if (i->on_strand()) {
                        i->on_done(tag_, std::move(reason));
                        return;
                    }
                    detail::post_erased(i->executor(),
                                        [i, tag = tag_, r = std::move(reason)]() mutable {
                                            i->on_done(tag, std::move(r));
                                        });
                } else {
                    if (i->on_strand()) {
                        i->on_session_end(std::move(reason));
                        return;
                    }
                    detail::post_erased(i->executor(), [i, r = std::move(reason)]() mutable {
                        i->on_session_end(std::move(r));
                    });
                }
            }
        }

        /// The reconnector's clock, for the session's own timers (a read deadline, a
        /// heartbeat): `typename Clock::timer t(done.clock(), c.get_executor())` runs in
        /// virtual time under virtual_clock. A copy: valid as long as the session keeps it.
        [[nodiscard]] const Clock& clock() const noexcept { return clock_; }

    private:
        friend basic_reconnector;
        session_done(std::weak_ptr<typename basic_reconnector::impl> i, const Clock& c,
                     session_tag tag)
            : impl_(std::move(i)), clock_(c), tag_(std::move(tag)) {}
        // Weak: a session outliving the reconnector must not keep it (or a cycle) alive.
        std::weak_ptr<typename basic_reconnector::impl> impl_;
        [[no_unique_address]] Clock clock_; // steady_clock: no bytes
        [[no_unique_address]] session_tag tag_;
    };

    using session_type = std::function<void(connection_type&, session_done)>;

    /// Everything but the executor and the transport, by name; each part left out is the
    /// default. Designated initialisers in this order:
    ///
    ///     redial::tcp_reconnector<> r{ex, transport, {.give_up = {.max_attempts = 10}}};
    ///
    /// (make_reconnector deduces the types from the parts instead.)
    struct settings {
        Clock clock{};
        /// exponential_backoff{}: 1s, ×2, up to 30s.
        Backoff backoff{};
        /// uptime_threshold{}: a session is stable once it outlived THE BACKOFF'S INITIAL DELAY
        /// (adopted at construction; uptime_threshold{d} fixes it; on_started reports it).
        Stability stability{};
        /// Give up 5 minutes into a failing streak; no attempt limit.
        machine_options give_up{};
        Observer observer{};
        /// Which errors end the run at once (no_terminal_errors: none).
        ErrorClassifier classify{};
        /// How a silent connection is noticed (no_liveness: it is not; idle_timeout,
        /// heartbeat).
        Liveness liveness{};
        /// What async_send keeps while down (no_outbox: there is no async_send).
        Outbox outbox{};
    };

    /// `ex`: an io_context's executor (the reconnector makes a strand of it), a strand (used as
    /// it is: its owner serialises it), or any executor convertible to asio::any_io_executor
    /// (one that holds a strand is used as it is, any other gets a strand of its own). The
    /// executor's static type picks the strand at compile time: only the path it needs is
    /// instantiated.
    template <class Executor>
        requires std::is_convertible_v<const Executor&, asio::any_io_executor>
    basic_reconnector(const Executor& ex, Transport transport, settings parts = {})
        : basic_reconnector(ex, std::move(transport), std::move(parts.clock),
                            std::move(parts.backoff), std::move(parts.stability), parts.give_up,
                            std::move(parts.observer), std::move(parts.classify),
                            std::move(parts.liveness), std::move(parts.outbox)) {}

    /// The same parts by position (class template argument deduction works with this form:
    /// `basic_reconnector r{ex, tcp_transport{...}, steady_clock{}, decorrelated_jitter{...}}`).
    /// The clock is a deduced `C` only so that a braced `{}` third argument means `settings`.
    template <class Executor, class C>
        requires std::is_convertible_v<const Executor&, asio::any_io_executor> &&
                 std::same_as<std::remove_cvref_t<C>, Clock>
    basic_reconnector(const Executor& ex, Transport transport, C&& clock,
                      Backoff backoff = Backoff{}, Stability stability = Stability{},
                      machine_options options = {}, Observer observer = Observer{},
                      ErrorClassifier classify = ErrorClassifier{}, Liveness liveness = Liveness{},
                      Outbox outbox = Outbox{})
        : impl_(std::make_shared<impl>(
              detail::serial_executor(ex), std::move(transport), std::forward<C>(clock),
              machine_type{std::move(backoff), std::move(stability), options, std::move(classify)},
              std::move(observer), std::move(liveness), outbox)) {}

    basic_reconnector(const basic_reconnector&) = delete;
    basic_reconnector& operator=(const basic_reconnector&) = delete;
    ~basic_reconnector() {
        if (impl_) {
            assert(impl_->context_alive_->load() &&
                   "redial: destroy the reconnector before its io_context");
            impl_->request_stop();
        }
    }

    /// Runs until stop() (completes with success) or a give-up (completes with a
    /// reconnect_errc; the full text is give_up_message()). `session(connection&, done)` runs
    /// once per connection and calls done(reason) when the session is over.
    template <class Session, class Token>
    auto async_run(Session session, Token&& token) {
        static_assert(std::is_invocable_v<Session&, connection_type&, session_done>,
                      "redial: the session must be callable as session(connection_type&, "
                      "session_done). connection_type is the transport's connection: a "
                      "setup_transport's is a redial::buffered_connection (bytes the setup read "
                      "come first), and under a liveness policy it is wrapped in a "
                      "redial::monitored_stream. Take `auto&` and read through it (reads on a "
                      "next_layer() skip the buffered bytes and are not seen as proof of life)");
        return asio::async_initiate<Token, void(std::error_code)>(
            [](auto handler, std::shared_ptr<impl> i, Session s) {
                i->active_.store(true);
                asio::any_io_executor ex = i->executor();
                detail::erased_handler<std::error_code> done(std::move(handler), ex);
                if (i->on_strand()) { // as a dispatch would
                    i->start(session_type(std::move(s)), std::move(done));
                    return;
                }
                detail::post_erased(ex, [i = std::move(i), s = session_type(std::move(s)),
                                         done = std::move(done)]() mutable {
                    i->start(std::move(s), std::move(done));
                });
            },
            token, impl_, std::move(session));
    }

    /// Stops: cancels the pending connect, sleep and session. Callable from any thread, any
    /// number of times. The run completes with success.
    void stop() { impl_->request_stop(); }

    /// The network changed: skip the current backoff sleep, reset the backoff, try now.
    void wake() {
        detail::post_erased(impl_->executor(), [i = impl_] { i->do_wake(); });
    }

    /// The current status (from any thread).
    [[nodiscard]] link_status status() const noexcept {
        return impl_->status_.load(std::memory_order_relaxed);
    }

    /// Completes with the current status once it differs from what this call last reported
    /// (level-triggered: a flip and flip-back between two calls is not reported). Completes
    /// with operation_aborted when the run ends. One waiter at a time.
    template <class Token>
    auto async_wait_status(Token&& token) {
        return asio::async_initiate<Token, void(std::error_code, link_status)>(
            [](auto handler, std::shared_ptr<impl> i) {
                asio::any_io_executor ex = i->executor();
                detail::erased_handler<std::error_code, link_status> h(std::move(handler), ex);
                if (i->on_strand()) { // as a dispatch would
                    i->watch(std::move(h));
                    return;
                }
                detail::post_erased(
                    ex, [i = std::move(i), h = std::move(h)]() mutable { i->watch(std::move(h)); });
            },
            token, impl_);
    }

    /// Sends `message` through the outbox (only with an Outbox part): written in order while
    /// connected, kept while not (within the outbox's limits, under its overflow policy), and
    /// written first thing after each connect and setup. Completes exactly once: success when
    /// the transport took every byte, otherwise an outbox_errc (rejected, too_large, dropped,
    /// expired, lost, not_connected, stopped). From any thread, at any time (before async_run
    /// too; after the run ended it completes with stopped). `message` converts to message_type.
    template <class Message, class Token>
        requires has_outbox && std::constructible_from<message_type, Message&&>
    auto async_send(Message&& message, Token&& token) {
        return async_send(std::forward<Message>(message), send_options{},
                          std::forward<Token>(token));
    }
    /// The same with a time-to-live of its own (send_options::ttl) in place of the outbox's.
    template <class Message, class Token>
        requires has_outbox && std::constructible_from<message_type, Message&&>
    auto async_send(Message&& message, send_options options, Token&& token) {
        return asio::async_initiate<Token, void(std::error_code)>(
            [](auto handler, std::shared_ptr<impl> i, message_type m, send_options so) {
                asio::any_io_executor ex = i->executor();
                send_completion done(std::move(handler), ex);
                i->box_.used.store(true);
                // Straight in from the strand, unless inside the outbox already (a hook sending).
                if (i->on_strand() && !i->box_.busy) {
                    i->send(std::move(m), so, std::move(done));
                    return;
                }
                detail::post_erased(
                    ex, [i = std::move(i), m = std::move(m), so, done = std::move(done)]() mutable {
                        i->send(std::move(m), so, std::move(done));
                    });
            },
            token, impl_, message_type(std::forward<Message>(message)), options);
    }

    /// Messages the outbox holds (queued and being written) and their bytes, from any thread.
    [[nodiscard]] std::size_t outbox_size() const noexcept
        requires has_outbox
    {
        return impl_->box_.size.load(std::memory_order_relaxed);
    }
    [[nodiscard]] std::size_t outbox_bytes() const noexcept
        requires has_outbox
    {
        return impl_->box_.bytes.load(std::memory_order_relaxed);
    }
    /// The outbox machine (read it on the strand, as machine()).
    [[nodiscard]] const auto& outbox() const noexcept
        requires has_outbox
    {
        return impl_->box_.machine;
    }

    /// The give-up error, e.g. "reconnect timed out after 5m: Connection refused"; empty
    /// unless the run gave up.
    [[nodiscard]] std::string give_up_message() const { return impl_->machine_.give_up_message(); }
    [[nodiscard]] const machine_type& machine() const noexcept { return impl_->machine_; }
    [[nodiscard]] Observer& observer() noexcept { return impl_->observer_; }
    [[nodiscard]] Transport& transport() noexcept { return impl_->transport_; }
    /// The liveness policy and its state (read it on the strand, as machine()).
    [[nodiscard]] const Liveness& liveness() const noexcept { return impl_->liveness_; }

private:
    struct impl : std::enable_shared_from_this<impl> {
        // `strand`: detail::serial_executor's.
        impl(asio::any_io_executor strand, Transport t, Clock c, machine_type m, Observer o,
             Liveness l, const Outbox& box)
            : transport_(std::move(t)), clock_(std::move(c)),
              context_alive_(asio::use_service<detail::context_liveness>(
                                 asio::query(strand, asio::execution::context))
                                 .alive()),
              timer_(clock_, strand), machine_(std::move(m)), observer_(std::move(o)),
              liveness_(std::move(l)), live_(clock_, strand), box_(box, clock_, strand) {}

        // A hook only observes: an exception from one is dropped, and the run goes on (and
        // completes) as if the hook had returned. Nothing is compiled for a missing hook.
        template <class Event>
        void observe(const Event& e) noexcept {
            if constexpr (detail::has_hook<Observer, Event>) {
                try {
                    detail::notify(observer_, e);
                } catch (...) { // NOLINT(bugprone-empty-catch): dropped on purpose, see above
                }
            }
        }

        // The strand. The timer holds it: no second copy (56 bytes) per reconnector.
        asio::any_io_executor executor() { return timer_.get_executor(); }

        // Whether this thread runs the strand now (false when it cannot tell).
        bool on_strand() {
            const asio::any_io_executor ex = executor();
            const std::type_info& type = ex.target_type();
            if (type == typeid(asio::strand<asio::io_context::executor_type>)) {
                return ex.target<asio::strand<asio::io_context::executor_type>>()
                    ->running_in_this_thread();
            }
            if (type == typeid(asio::strand<asio::any_io_executor>)) {
                return ex.target<asio::strand<asio::any_io_executor>>()->running_in_this_thread();
            }
            return false;
        }

        // On the strand. One run per reconnector; a stop asked for before it began ends it at
        // once, with success and without an attempt.
        void start(session_type session, detail::erased_handler<std::error_code> done) {
            if (started_) {
                if (stopped_) {
                    active_.store(false); // async_run set it again
                }
                done.complete(asio::error::already_started);
                return;
            }
            started_ = true;
            done_ = std::move(done);
            if (stop_requested_.load()) {
                observe(stopped_event{clock_.now()});
                finish({});
                return;
            }
            session_ = std::move(session);
            const time_point now = clock_.now();
            if constexpr (detail::has_hook<Observer, started_event>) {
                observe(detail::started_event_of(machine_, now));
            }
            act(machine_.start(now));
        }

        void act(decision d) {
            const time_point now = clock_.now();
            switch (d.what) {
            case decision::kind::connect:
                observe(attempt_event{machine_.attempts(), now});
                // Bound to the strand: the transport completes there, and the built-in ones make
                // the attempt's socket on it, so the session's I/O completes there too.
                transport_.async_connect(connect_completion{this->weak_from_this(), executor()});
                return;
            case decision::kind::wait:
                observe(backoff_event{d.delay, machine_.attempts() + 1, now});
                timer_.expires_at(detail::sat_add(now, d.delay));
                timer_.async_wait(
                    [weak = this->weak_from_this(), gen = ++wait_generation_](std::error_code ec) {
                        auto self = weak.lock();
                        if (self && !ec && gen == self->wait_generation_) {
                            self->on_wait_done();
                        }
                    });
                return;
            case decision::kind::give_up: {
                if constexpr (detail::has_hook<Observer, give_up_event>) {
                    // The text only for an observer that reads it (give_up_message() allocates).
                    const std::string message = machine_.give_up_message();
                    observe(give_up_event{message, now});
                }
                finish(machine_.give_up_error());
                return;
            }
            }
        }

        // The connect's handler, its associated executor the strand (a named type rather than
        // bind_executor: GCC 12 warns falsely through executor_binder's forwarding call).
        struct connect_completion {
            std::weak_ptr<impl> weak;
            asio::any_io_executor strand;
            using executor_type = asio::any_io_executor;
            [[nodiscard]] executor_type get_executor() const noexcept { return strand; }
            void operator()(std::error_code ec, typename Transport::connection c) const {
                if (auto self = weak.lock()) {
                    self->on_connect(ec, std::move(c));
                }
            }
            // A transport that says more than a code (a setup stage's failure text). Exactly a
            // failure: a transport passing `{}` still means an empty error_code.
            template <class F>
                requires std::same_as<std::remove_cvref_t<F>, failure>
            void operator()(F&& f, typename Transport::connection c) const {
                if (auto self = weak.lock()) {
                    self->on_connect(failure(std::forward<F>(f)), std::move(c));
                }
            }
        };

        // False once stop() was asked for (from any thread) or the run ended: from then on no
        // completion runs session code, observer hooks or user handlers.
        bool live() const noexcept { return !stopped_ && !stop_requested_.load(); }

        // Result is an error_code or a failure: a failure is one whose code is set.
        template <class Result>
        void on_connect(Result result, typename Transport::connection c) {
            if (!live()) {
                return;
            }
            const time_point now = clock_.now();
            bool failed = false;
            if constexpr (std::is_same_v<Result, failure>) {
                failed = static_cast<bool>(result.code);
            } else {
                failed = static_cast<bool>(result);
            }
            if (failed) {
                failure f{std::move(result)};
                observe(connect_failed_event{f, machine_.attempts(), now});
                act(machine_.on_connect_failed(now, std::move(f)));
                return;
            }
            machine_.on_connected(now);
            if constexpr (monitors_liveness) {
                const std::uint64_t session = ++live_.session;
                // From block_cache: steady reconnects allocate nothing here.
                connection_ = std::allocate_shared<connection_type>(
                    detail::cached_allocator<connection_type>(), std::move(c),
                    liveness_sink{this->weak_from_this(), session});
                set_status(link_status::connected);
                observe(connected_event{machine_.attempts(), now});
                arm_liveness(liveness_.on_connected(now));
            } else {
                connection_ = std::move(c);
                set_status(link_status::connected);
                observe(connected_event{machine_.attempts(), now});
            }
            if constexpr (has_outbox) {
                ++box_.session;
                with_box(now, [&](auto& m, auto sink) { m.on_connected(now, sink); });
                outbox_write();
                if (!live() || !connection_) {
                    return; // a hook stopped the run
                }
            }
            try {
                if constexpr (monitors_liveness) {
                    session_(*connection_,
                             session_done{this->weak_from_this(), clock_,
                                          monitored_session{connection_, live_.session}});
                } else {
                    session_(*connection_, session_done{this->weak_from_this(), clock_, {}});
                }
            } catch (const std::exception& e) { // session code threw before it got going
                on_session_end(failure{std::error_code{}, e.what()});
            }
        }

        void on_done(const session_tag& tag, failure reason) {
            if constexpr (monitors_liveness) {
                if (tag.number != live_.session) {
                    return; // a session the liveness policy ended already
                }
            }
            on_session_end(std::move(reason));
        }

        void on_session_end(failure reason) {
            if (!live() || !connection_) {
                return; // stopped, or a session calling done twice
            }
            const time_point now = clock_.now();
            time_point alive_until = now;
            if constexpr (monitors_liveness) {
                stop_liveness();
                // A session that ended on a timeout (the policy's verdict, or the kernel's
                // keepalive / user timeout) was useful only until its last byte.
                // (asio's system category does not map ETIMEDOUT to errc::timed_out: both.)
                if (reason.code == std::errc::timed_out ||
                    reason.code == std::error_code(asio::error::timed_out)) {
                    alive_until = liveness_.last_alive();
                }
            }
            detail::close_quietly(*connection_);
            connection_.reset();
            set_status(link_status::disconnected);
            if constexpr (has_outbox) {
                ++box_.session; // a write still in flight settles when it completes
                with_box(now, [&](auto& m, auto sink) { m.on_disconnected(now, sink); });
            }
            const decision d = machine_.on_session_end(now, reason, alive_until);
            const time_point connected = machine_.connected_at();
            observe(disconnected_event{
                reason, detail::elapsed(connected, now), machine_.last_verdict(),
                detail::elapsed(connected, alive_until < now ? alive_until : now), now});
            act(d);
        }

        // The liveness monitor: one timer, armed for the policy's next check (bytes only store
        // their time), tagged with the session so a stale expiry does nothing.
        void arm_liveness(time_point at) {
            live_.timer.expires_at(at);
            live_.timer.async_wait(
                [weak = this->weak_from_this(), session = live_.session](std::error_code ec) {
                    auto self = weak.lock();
                    if (self && !ec && session == self->live_.session && self->live() &&
                        self->connection_) {
                        self->on_liveness_check();
                    }
                });
        }

        void stop_liveness() {
            ++live_.session;
            live_.timer.cancel();
        }

        void on_liveness_check() {
            const time_point now = clock_.now();
            const liveness_decision d = liveness_.on_check(now);
            switch (d.what) {
            case liveness_decision::kind::check:
                arm_liveness(d.at);
                return;
            case liveness_decision::kind::ping:
                arm_liveness(d.at);
                if constexpr (liveness_hooks::template sends_pings<connection_type>) {
                    observe(ping_event{detail::elapsed(liveness_.last_alive(), now), now});
                    if (!live() || !connection_) {
                        return; // the hook stopped the run
                    }
                    try {
                        liveness_.ping(*connection_);
                    } catch (const std::exception& e) {
                        on_session_end(
                            failure{std::error_code{}, std::string("ping: ") + e.what()});
                    } catch (...) {
                        on_session_end(failure{std::error_code{}, "ping: unknown exception"});
                    }
                }
                return;
            case liveness_decision::kind::dead: {
                const std::chrono::nanoseconds silent =
                    detail::elapsed(liveness_.last_alive(), now);
                std::chrono::nanoseconds unanswered{0};
                if constexpr (liveness_hooks::has_ping_sent_at &&
                              liveness_hooks::template sends_pings<connection_type>) {
                    const time_point sent = liveness_.ping_sent_at();
                    if (sent != time_point::max()) {
                        unanswered = detail::elapsed(sent, now);
                    }
                }
                observe(liveness_timeout_event{silent, unanswered, now});
                on_session_end(failure{make_error_code(liveness_errc::no_data),
                                       liveness_message(silent, unanswered)});
                return;
            }
            }
        }

        // From a monitored read's completion (the strand, for the built-in transports).
        void on_received(std::uint64_t session) {
            if (!on_strand()) {
                detail::post_erased(executor(), [self = this->shared_from_this(), session] {
                    self->received_on_strand(session);
                });
                return;
            }
            received_on_strand(session);
        }
        void received_on_strand(std::uint64_t session) {
            if (session == live_.session && connection_) {
                if constexpr (std::is_same_v<decltype(liveness_.on_received(time_point{})), bool>) {
                    if (liveness_.on_received(clock_.now())) {
                        on_liveness_check(); // re-arms for the next ping, `interval` from now
                    }
                } else {
                    liveness_.on_received(clock_.now());
                }
            }
        }
        void on_slow_down([[maybe_unused]] std::uint64_t session) {
            if constexpr (liveness_hooks::has_slow_down) {
                detail::post_erased(executor(), [self = this->shared_from_this(), session] {
                    if (session == self->live_.session) {
                        self->liveness_.slow_down();
                    }
                });
            }
        }

        void on_wait_done() {
            if (!live()) {
                return;
            }
            act(machine_.on_wait_done(clock_.now()));
        }

        void do_wake() {
            if (!live() || machine_.state() != machine_state::waiting) {
                return;
            }
            ++wait_generation_; // the cancelled sleep's completion is ignored
            timer_.cancel();
            act(machine_.on_wake(clock_.now()));
        }

        // From any thread. Posts only while a run may be in progress: after it ended there is
        // nothing to cancel, and before async_run the flag alone keeps the run from starting.
        void request_stop() {
            stop_requested_.store(true);
            bool sent = false;
            if constexpr (has_outbox) {
                sent = box_.used.load(); // messages sent before (or without) a run complete too
            }
            if (active_.load() || sent) {
                detail::post_erased(executor(),
                                    [self = this->shared_from_this()] { self->do_stop(); });
            }
        }

        void do_stop() {
            if (!started_) {
                stop_outbox(); // what was sent before the run: start() will see the flag
                return;
            }
            if (stopped_) {
                return; // ended already
            }
            observe(stopped_event{clock_.now()});
            finish({});
        }

        // The run is over (stop or give-up): cancel everything; no user code runs after this.
        void finish(std::error_code ec) {
            stopped_ = true;
            active_.store(false);
            ++wait_generation_;
            timer_.cancel();
            if constexpr (monitors_liveness) {
                stop_liveness();
            }
            transport_.cancel();
            if (connection_) {
                detail::close_quietly(*connection_);
                connection_.reset();
            }
            stop_outbox();
            session_ = nullptr;
            if (watcher_) {
                watcher_.complete(asio::error::operation_aborted,
                                  status_.load(std::memory_order_relaxed));
            }
            if (done_) {
                done_.complete(ec);
            }
        }

        // The outbox (only with an Outbox part). On the strand: a send, a connect or an end of
        // session changes it, a write settles its messages, its timer expires them.

        // Runs `f(machine, sink)`; the sink completes each message that ends and reports drops
        // and expiries (not after the run ended). A send from a hook meanwhile is posted.
        // `collect`: from a completion handler of the reconnector's own (a write, the timer),
        // the completions wait in box_.ready for run_ready(), which runs those bound to the
        // strand at once (as asio's composed operations call their final handler); otherwise
        // (a send's own refusal, a stop, a disconnect) each is posted.
        template <class F>
        void with_box(time_point now, F f, bool collect = false) {
            if constexpr (has_outbox) {
                auto sink = [this, now, collect](send_completion&& done, const outbox_outcome& o) {
                    if (o.code && live()) {
                        const std::chrono::nanoseconds waited = detail::elapsed(o.sent_at, now);
                        if (o.code == outbox_errc::expired) {
                            observe(outbox_expired_event{o.bytes, waited, box_.machine.size(),
                                                         box_.machine.bytes(), now});
                        } else if (o.code == outbox_errc::dropped || o.code == outbox_errc::lost ||
                                   o.code == outbox_errc::not_connected) {
                            observe(outbox_drop_event{o.code, o.bytes, waited, box_.machine.size(),
                                                      box_.machine.bytes(), now});
                        }
                    }
                    if (collect) {
                        try {
                            box_.ready.emplace_back(std::move(done), o.code);
                            return;
                        } catch (const std::bad_alloc&) { // NOLINT(bugprone-empty-catch)
                        } // posted instead (emplace_back left `done` as it was)
                    }
                    done.complete_in_order(o.code);
                };
                box_.busy = true;
                try {
                    f(box_.machine, sink);
                } catch (...) {
                    box_.busy = false;
                    throw;
                }
                box_.busy = false;
                box_.size.store(box_.machine.size(), std::memory_order_relaxed);
                box_.bytes.store(box_.machine.bytes(), std::memory_order_relaxed);
                arm_outbox();
            }
        }

        template <class Message>
        void send(Message m, send_options so, send_completion done) {
            if constexpr (has_outbox) {
                if (stop_requested_.load() && (!started_ || stopped_)) {
                    stop_outbox(); // stopped with no run in progress: no stop will come by
                }
                const time_point now = clock_.now();
                with_box(now, [&](auto& box, auto sink) {
                    box.push(now, std::move(m), so, std::move(done), sink);
                });
                outbox_write();
            }
        }

        // The write's handler: holds the state (the messages own the buffers being written, and
        // the write's outcome is what their completions say), on the strand.
        struct write_completion {
            std::shared_ptr<impl> self;
            asio::any_io_executor strand;
            std::uint64_t session;
            using executor_type = asio::any_io_executor;
            [[nodiscard]] executor_type get_executor() const noexcept { return strand; }
            void operator()(std::error_code ec, std::size_t n) const {
                self->on_outbox_written(session, ec, n);
            }
        };

        // Starts the next gathered write on the current connection, if there is one to start.
        void outbox_write() {
            if constexpr (has_outbox) {
                if (!live() || !connection_ || box_.machine.writing()) {
                    return;
                }
                std::size_t n = 0;
                const time_point now = clock_.now();
                with_box(now, [&](auto& box, auto sink) {
                    n = box.begin_write(now, box_.pieces, sink);
                });
                if (n == 0) {
                    return;
                }
                for (std::size_t k = 0; k < n; ++k) {
                    box_.buffers[k] = asio::const_buffer(box_.pieces[k].data, box_.pieces[k].size);
                }
                try {
                    connection_->async_write_some(
                        std::span<const asio::const_buffer>(box_.buffers.data(), n),
                        write_completion{this->shared_from_this(), executor(), box_.session});
                } catch (const std::exception& e) {
                    with_box(now, [&](auto& box, auto sink) { box.end_write(now, 0, sink); });
                    on_session_end(failure{std::error_code{}, std::string("write: ") + e.what()});
                }
            }
        }

        void on_outbox_written(std::uint64_t session, std::error_code ec, std::size_t n) {
            if constexpr (has_outbox) {
                const time_point now = clock_.now();
                with_box(
                    now, [&](auto& box, auto sink) { box.end_write(now, n, sink); }, true);
                if (live()) {
                    if (ec && session == box_.session && connection_) {
                        // The connection failed under the write: the session ends with its error.
                        on_session_end(failure{ec, "write: " + ec.message()});
                    } else {
                        outbox_write(); // on this connection, or a newer one that waited for this
                    }
                }
                run_ready(); // last: the next write is under way, whatever a completion does
            }
        }

        // Runs the completions with_box collected, in order: those bound to the strand now,
        // others posted. If one throws, the rest are posted before the exception leaves.
        void run_ready() {
            if constexpr (has_outbox) {
                if (box_.ready.empty()) {
                    return;
                }
                const asio::any_io_executor here = executor();
                std::size_t i = 0;
                try {
                    // By index: a completion that sends adds nothing here (only collecting calls
                    // do, from the reconnector's own handlers, which cannot run meanwhile).
                    for (; i < box_.ready.size(); ++i) {
                        auto& [done, code] = box_.ready[i];
                        done.complete_on(here, code);
                    }
                } catch (...) {
                    for (++i; i < box_.ready.size(); ++i) {
                        box_.ready[i].first.complete_in_order(box_.ready[i].second);
                    }
                    box_.ready.clear();
                    throw;
                }
                box_.ready.clear();
            }
        }

        // One timer for the earliest time-to-live; a later message's needs no re-arm.
        void arm_outbox() {
            if constexpr (has_outbox) {
                const time_point next = box_.machine.next_deadline();
                if (next == time_point::max() || next >= box_.armed || box_.machine.stopped()) {
                    return;
                }
                box_.armed = next;
                box_.timer.expires_at(next);
                box_.timer.async_wait(
                    [weak = this->weak_from_this(), gen = ++box_.generation](std::error_code ec) {
                        auto self = weak.lock();
                        if (self && !ec && gen == self->box_.generation) {
                            self->box_.armed = time_point::max();
                            const time_point now = self->clock_.now();
                            self->with_box(
                                now, [&](auto& box, auto sink) { box.expire(now, sink); }, true);
                            self->run_ready();
                        }
                    });
            }
        }

        // The run ended (or a stop came before it began): everything queued completes with
        // stopped; messages in a write in flight when it completes.
        void stop_outbox() {
            if constexpr (has_outbox) {
                if (box_.machine.stopped()) {
                    return;
                }
                ++box_.session;
                ++box_.generation;
                box_.timer.cancel();
                with_box(clock_.now(), [](auto& box, auto sink) { box.stop(sink); });
            }
        }

        // On the strand, the only writer of status_; status() reads it from any thread.
        void set_status(link_status s) {
            status_.store(s, std::memory_order_relaxed);
            if (watcher_ && s != last_reported_) {
                last_reported_ = s;
                watcher_.complete(std::error_code{}, s);
            }
        }

        void watch(detail::erased_handler<std::error_code, link_status> h) {
            const link_status s = status_.load(std::memory_order_relaxed);
            if (stopped_) {
                h.complete(asio::error::operation_aborted, s);
            } else if (s != last_reported_) {
                last_reported_ = s;
                h.complete(std::error_code{}, s);
            } else if (watcher_) {
                // One waiter at a time: a second one while the first waits is refused.
                h.complete(asio::error::already_started, s);
            } else {
                watcher_ = std::move(h);
            }
        }

        Transport transport_;
        [[no_unique_address]] Clock clock_;
        std::shared_ptr<const std::atomic<bool>> context_alive_; // for the destructor's check
        typename Clock::timer timer_;
        machine_type machine_;
        [[no_unique_address]] Observer observer_;
        [[no_unique_address]] Liveness liveness_;
        // The liveness timer and the current session's number; nothing without a policy.
        struct liveness_timer {
            liveness_timer(const Clock& c, asio::any_io_executor ex) : timer(c, std::move(ex)) {}
            typename Clock::timer timer;
            std::uint64_t session = 0;
        };
        struct no_liveness_timer {
            no_liveness_timer(const Clock&, const asio::any_io_executor&) noexcept {}
        };
        [[no_unique_address]] std::conditional_t<monitors_liveness, liveness_timer,
                                                 no_liveness_timer>
            live_;
        session_type session_;
        // Shared with the session's session_done under a liveness policy (see session_tag).
        std::conditional_t<monitors_liveness, std::shared_ptr<connection_type>,
                           std::optional<connection_type>>
            connection_;
        // The outbox's machine, its time-to-live timer and the write's buffers; nothing without
        // an Outbox part. The gather limit is the number of messages one write takes.
        static constexpr std::size_t gather = 16;
        struct outbox_parts {
            outbox_parts(const Outbox& o, const Clock& c, asio::any_io_executor ex)
                : machine(o.template make_machine<send_completion>()), timer(c, std::move(ex)) {
                ready.reserve(gather); // what one write completes
            }
            outbox_machine_type machine;
            std::vector<std::pair<send_completion, std::error_code>> ready; // see with_box
            typename Clock::timer timer;
            time_point armed = time_point::max(); // the timer's expiry (max: idle)
            std::uint64_t generation = 0;         // the timer's wait
            std::uint64_t session = 0;            // the connection's (changes when it ends)
            std::array<outbox_buffer, gather> pieces{};
            std::array<asio::const_buffer, gather> buffers{};
            std::atomic<std::size_t> size{0};
            std::atomic<std::size_t> bytes{0};
            std::atomic<bool> used{false}; // a send was made: a stop must settle the outbox
            bool busy = false;             // inside a machine call (see with_box)
        };
        struct no_outbox_parts {
            no_outbox_parts(const Outbox&, const Clock&, const asio::any_io_executor&) noexcept {}
        };
        [[no_unique_address]] std::conditional_t<has_outbox, outbox_parts, no_outbox_parts> box_;
        detail::erased_handler<std::error_code> done_;
        detail::erased_handler<std::error_code, link_status> watcher_;
        std::uint64_t wait_generation_ = 0;
        std::atomic<bool> stop_requested_{false};
        std::atomic<bool> active_{false}; // from async_run until the run ended
        bool started_ = false;            // on the strand: start() ran
        bool stopped_ = false;            // on the strand: the run ended
        std::atomic<link_status> status_{link_status::disconnected};
        link_status last_reported_ = link_status::disconnected;
    };

    std::shared_ptr<impl> impl_;

public:
    /// Bytes of the shared state behind the handle (policies, timer, machine, bookkeeping).
    static constexpr std::size_t state_size = sizeof(impl);
};

// Deduction from the positional form (its clock parameter is deduced, so these are spelled out).
template <class Executor, class Transport, class Clock>
basic_reconnector(const Executor&, Transport, Clock) -> basic_reconnector<Transport, Clock>;
template <class Executor, class Transport, class Clock, class Backoff>
basic_reconnector(const Executor&, Transport, Clock, Backoff)
    -> basic_reconnector<Transport, Clock, Backoff>;
template <class Executor, class Transport, class Clock, class Backoff, class Stability>
basic_reconnector(const Executor&, Transport, Clock, Backoff, Stability)
    -> basic_reconnector<Transport, Clock, Backoff, Stability>;
template <class Executor, class Transport, class Clock, class Backoff, class Stability>
basic_reconnector(const Executor&, Transport, Clock, Backoff, Stability, machine_options)
    -> basic_reconnector<Transport, Clock, Backoff, Stability>;
template <class Executor, class Transport, class Clock, class Backoff, class Stability,
          class Observer>
basic_reconnector(const Executor&, Transport, Clock, Backoff, Stability, machine_options, Observer)
    -> basic_reconnector<Transport, Clock, Backoff, Stability, Observer>;
template <class Executor, class Transport, class Clock, class Backoff, class Stability,
          class Observer, class ErrorClassifier>
basic_reconnector(const Executor&, Transport, Clock, Backoff, Stability, machine_options, Observer,
                  ErrorClassifier)
    -> basic_reconnector<Transport, Clock, Backoff, Stability, Observer, ErrorClassifier>;
template <class Executor, class Transport, class Clock, class Backoff, class Stability,
          class Observer, class ErrorClassifier, class Liveness>
basic_reconnector(const Executor&, Transport, Clock, Backoff, Stability, machine_options, Observer,
                  ErrorClassifier, Liveness)
    -> basic_reconnector<Transport, Clock, Backoff, Stability, Observer, ErrorClassifier, Liveness>;
template <class Executor, class Transport, class Clock, class Backoff, class Stability,
          class Observer, class ErrorClassifier, class Liveness, class Outbox>
basic_reconnector(const Executor&, Transport, Clock, Backoff, Stability, machine_options, Observer,
                  ErrorClassifier, Liveness, Outbox)
    -> basic_reconnector<Transport, Clock, Backoff, Stability, Observer, ErrorClassifier, Liveness,
                         Outbox>;

namespace detail {
enum class part_kind : std::uint8_t {
    clock,
    backoff,
    stability,
    give_up,
    observer,
    classify,
    liveness,
    outbox
};
template <part_kind K, class T>
struct part {
    static constexpr part_kind kind = K;
    T value;
};
template <class T>
inline constexpr bool is_part = false;
template <part_kind K, class T>
inline constexpr bool is_part<part<K, T>> = true;

// The value of the part of kind K among `ps`, or Default{}.
template <part_kind K, class Default>
Default pick() {
    return Default{};
}
template <part_kind K, class Default, class First, class... Rest>
auto pick(First& first, Rest&... rest) {
    if constexpr (First::kind == K) {
        return std::move(first.value);
    } else {
        return pick<K, Default>(rest...);
    }
}
template <part_kind K, class Default, class... Parts>
using picked_t = decltype(pick<K, Default>(std::declval<Parts&>()...));

template <part_kind K, class... Parts>
inline constexpr std::size_t count_parts = ((Parts::kind == K ? 1 : 0) + ... + 0);
} // namespace detail

/// Named parts for make_reconnector; each may be given once, in any order.
template <clock_source C>
detail::part<detail::part_kind::clock, C> with_clock(C c) {
    return {std::move(c)};
}
template <backoff_policy B>
detail::part<detail::part_kind::backoff, B> with_backoff(B b) {
    return {std::move(b)};
}
template <stability_policy S>
detail::part<detail::part_kind::stability, S> with_stability(S s) {
    return {std::move(s)};
}
inline detail::part<detail::part_kind::give_up, machine_options> with_give_up(machine_options o) {
    return {o};
}
template <class O>
detail::part<detail::part_kind::observer, O> with_observer(O o) {
    return {std::move(o)};
}
template <error_classifier<failure> E>
detail::part<detail::part_kind::classify, E> with_classifier(E e) {
    return {std::move(e)};
}
template <liveness_policy L>
detail::part<detail::part_kind::liveness, L> with_liveness(L l) {
    return {std::move(l)};
}
template <outbox_policy O>
detail::part<detail::part_kind::outbox, O> with_outbox(O o) {
    return {std::move(o)};
}

/// A reconnector whose policy types come from the parts given; the others are the defaults
/// (steady_clock, exponential_backoff, uptime_threshold following its initial delay, give up
/// after 5 minutes, null_observer, no_terminal_errors, no_liveness, no_outbox):
///
///     auto r = redial::make_reconnector(io.get_executor(), redial::tcp_transport{...},
///                                       redial::with_observer(redial::ostream_observer{std::cerr}),
///                                       redial::with_give_up({.max_attempts = 10}));
template <class Executor, transport Transport, class... Parts>
    requires std::is_convertible_v<const Executor&, asio::any_io_executor>
auto make_reconnector(const Executor& ex, Transport transport, Parts... parts) {
    using detail::part_kind;
    constexpr bool only_parts = (detail::is_part<Parts> && ...);
    // One message per mistake: the checks below it would only add noise.
    if constexpr (!only_parts) {
        static_assert(only_parts,
                      "redial::make_reconnector: after the executor and the transport, pass only "
                      "with_clock, with_backoff, with_stability, with_give_up, with_observer, "
                      "with_classifier, with_liveness or with_outbox parts");
    } else if constexpr (constexpr bool once =
                             detail::count_parts<part_kind::clock, Parts...> <= 1 &&
                             detail::count_parts<part_kind::backoff, Parts...> <= 1 &&
                             detail::count_parts<part_kind::stability, Parts...> <= 1 &&
                             detail::count_parts<part_kind::give_up, Parts...> <= 1 &&
                             detail::count_parts<part_kind::observer, Parts...> <= 1 &&
                             detail::count_parts<part_kind::classify, Parts...> <= 1 &&
                             detail::count_parts<part_kind::liveness, Parts...> <= 1 &&
                             detail::count_parts<part_kind::outbox, Parts...> <= 1;
                         !once) {
        static_assert(once, "redial::make_reconnector: each part may be given once");
    } else {
        using clock_type = detail::picked_t<part_kind::clock, steady_clock, Parts...>;
        using reconnector =
            basic_reconnector<Transport, clock_type,
                              detail::picked_t<part_kind::backoff, exponential_backoff, Parts...>,
                              detail::picked_t<part_kind::stability, uptime_threshold, Parts...>,
                              detail::picked_t<part_kind::observer, null_observer, Parts...>,
                              detail::picked_t<part_kind::classify, no_terminal_errors, Parts...>,
                              detail::picked_t<part_kind::liveness, no_liveness, Parts...>,
                              detail::picked_t<part_kind::outbox, no_outbox, Parts...>>;
        return reconnector(ex, std::move(transport),
                           typename reconnector::settings{
                               detail::pick<part_kind::clock, clock_type>(parts...),
                               detail::pick<part_kind::backoff, exponential_backoff>(parts...),
                               detail::pick<part_kind::stability, uptime_threshold>(parts...),
                               detail::pick<part_kind::give_up, machine_options>(parts...),
                               detail::pick<part_kind::observer, null_observer>(parts...),
                               detail::pick<part_kind::classify, no_terminal_errors>(parts...),
                               detail::pick<part_kind::liveness, no_liveness>(parts...),
                               detail::pick<part_kind::outbox, no_outbox>(parts...)});
    }
}

} // namespace redial

#endif
