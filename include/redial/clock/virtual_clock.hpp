#ifndef REDIAL_CLOCK_VIRTUAL_CLOCK_HPP
#define REDIAL_CLOCK_VIRTUAL_CLOCK_HPP

#include <redial/clock/concept.hpp>
#include <redial/detail/erased_handler.hpp>
#include <redial/detail/saturate.hpp>
#include <redial/time.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/error.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <memory_resource>
#include <system_error>
#include <utility>
#include <vector>

namespace redial {

/// Time that moves only when a test or a simulation moves it. Waits complete in time order
/// (ties in the order they were started) through the io_context, one instant at a time: when
/// time reaches a wait, its handler is posted and the io_context is polled, so the handler and
/// whatever it starts run at that instant, before any later wait. Nothing sleeps.
///
/// The clock is a handle: copies share one timeline. Pending waits do not count as io_context
/// work, so io.run() returns when nothing is ready instead of blocking on virtual time. A
/// timeline is single-threaded: run its io_context on one thread.
///
/// A wait until the largest time point (a saturated deadline: "the end of time") never
/// completes; only cancel() ends it. Time cannot pass it, so firing it would let every wait
/// started from its handler fire again at the same instant, for ever.
class virtual_clock {
    static constexpr time_point end_of_time = time_point::max();
    class timer_impl;
    // Map nodes and timers come from one pool per timeline, and pending waits' handlers from
    // the per-thread block cache, so a steady run of waits allocates nothing once both have
    // warmed up (benchmarked in redial-driver-bench).
    struct state {
        explicit state(asio::io_context& context, time_point start)
            : io(&context), now(start), due(&pool) {}

        asio::io_context* io;
        time_point now;
        std::uint64_t next_seq = 0;
        std::pmr::unsynchronized_pool_resource pool;
        std::pmr::map<std::pair<time_point, std::uint64_t>, timer_impl*> due;

        // Runs what is ready now. asio marks a context that ran out of work as stopped; restart it
        // before and after, so the clock's polls and the caller's own run() both keep working.
        void poll() {
            if (io->stopped()) {
                io->restart();
            }
            io->poll();
            if (io->stopped()) {
                io->restart();
            }
        }
    };

    class timer_impl {
    public:
        explicit timer_impl(std::shared_ptr<state> s, asio::any_io_executor ex)
            : state_(std::move(s)), ex_(std::move(ex)) {}
        timer_impl(const timer_impl&) = delete;
        timer_impl& operator=(const timer_impl&) = delete;
        ~timer_impl() { cancel(); }

        void expires_at(time_point at) {
            cancel(); // as with asio's timers, a new expiry aborts the pending wait
            at_ = at;
        }
        void expires_after(std::chrono::nanoseconds d) {
            expires_at(time_point{detail::sat_add(state_->now.time_since_epoch(), d)});
        }

        template <class Handler>
        void start(Handler&& handler) {
            cancel();
            op_ = detail::erased_handler<std::error_code>(std::forward<Handler>(handler), ex_);
            key_ = {at_, state_->next_seq++};
            state_->due.emplace(key_, this);
            if (at_ <= state_->now && at_ != end_of_time) {
                fire({}); // already due: completes on the next poll, without moving time
            }
        }

        void cancel() {
            if (op_) {
                fire(asio::error::operation_aborted);
            }
        }

        [[nodiscard]] const std::shared_ptr<state>& shared_state() const noexcept { return state_; }
        [[nodiscard]] const asio::any_io_executor& executor() const noexcept { return ex_; }

        // Takes the pending handler without completing it (io_context shutdown).
        detail::erased_handler<std::error_code> release() noexcept {
            state_->due.erase(key_);
            return std::move(op_);
        }

        // Takes the wait off the timeline and posts its handler with `ec` (its memory and the
        // post's from the per-thread block cache: asio's own cache lives in each poll() call,
        // and the clock polls once per step).
        void fire(std::error_code ec) {
            state_->due.erase(key_);
            op_.complete(ec); // leaves op_ empty
        }

    private:
        std::shared_ptr<state> state_;
        asio::any_io_executor ex_;
        time_point at_{};
        std::pair<time_point, std::uint64_t> key_{};
        detail::erased_handler<std::error_code> op_;
    };

    // Like asio's own timers, pending waits are destroyed (not run) when their io_context shuts
    // down: a handler that owns a timer of this timeline (a coroutine waiting on it, say) would
    // otherwise keep the timeline, and so itself, alive for ever.
    class shutdown_service final : public asio::execution_context::service {
    public:
        using key_type = shutdown_service;
        static inline asio::execution_context::id id;

        explicit shutdown_service(asio::execution_context& ctx)
            : asio::execution_context::service(ctx) {}
        void add(const std::shared_ptr<state>& s) {
            std::erase_if(states_, [](const std::weak_ptr<state>& w) { return w.expired(); });
            states_.push_back(s);
        }

    private:
        void shutdown() override {
            for (const std::weak_ptr<state>& weak : states_) {
                const std::shared_ptr<state> s = weak.lock();
                if (!s) {
                    continue;
                }
                // Taken first: destroying one may destroy timers.
                std::vector<detail::erased_handler<std::error_code>> ops;
                while (!s->due.empty()) {
                    ops.push_back(s->due.begin()->second->release());
                }
                ops.clear();
            }
            states_.clear();
        }

        std::vector<std::weak_ptr<state>> states_;
    };

public:
    /// A timeline starting at `start`, whose waits complete through `io`.
    explicit virtual_clock(asio::io_context& io, time_point start = {})
        : state_(std::make_shared<state>(io, start)) {
        asio::use_service<shutdown_service>(io).add(state_);
    }

    [[nodiscard]] time_point now() const noexcept { return state_->now; }

    /// Moves time forward by `d`, completing every wait due on the way, in order. Returns how
    /// many waits completed. Saturates at the end of the timeline.
    std::size_t advance(std::chrono::nanoseconds d) {
        return run_until(time_point{detail::sat_add(state_->now.time_since_epoch(), d)});
    }

    /// Moves time forward to `t` (never back), completing the waits due on the way.
    std::size_t run_until(time_point t) {
        std::size_t completed = 0;
        state_->poll();
        while (!state_->due.empty() && state_->due.begin()->first.first <= t &&
               state_->due.begin()->first.first != end_of_time) {
            auto it = state_->due.begin();
            if (it->first.first > state_->now) {
                state_->now = it->first.first;
            }
            it->second->fire({});
            ++completed;
            state_->poll();
        }
        if (t > state_->now) {
            state_->now = t;
        }
        state_->poll();
        return completed;
    }

    /// Jumps to the earliest pending wait and completes it (with any due at the same instant).
    /// Returns false when nothing is pending, or only waits at the end of time.
    bool run_next() {
        state_->poll();
        if (state_->due.empty() || state_->due.begin()->first.first == end_of_time) {
            return false;
        }
        run_until(state_->due.begin()->first.first);
        return true;
    }

    /// Waits started and not yet completed.
    [[nodiscard]] std::size_t pending() const noexcept { return state_->due.size(); }

    /// A timer on this timeline, used like asio::steady_timer.
    class timer {
    public:
        timer(const virtual_clock& clock, asio::any_io_executor ex) {
            void* memory = clock.state_->pool.allocate(sizeof(timer_impl), alignof(timer_impl));
            impl_.reset(::new (memory) timer_impl(clock.state_, std::move(ex)));
        }

        void expires_at(time_point at) { impl_->expires_at(at); }
        void expires_after(std::chrono::nanoseconds d) { impl_->expires_after(d); }

        template <class Token>
        auto async_wait(Token&& token) {
            return asio::async_initiate<Token, void(std::error_code)>(
                [](auto&& handler, timer_impl* impl) {
                    impl->start(std::forward<decltype(handler)>(handler));
                },
                token, impl_.get());
        }
        /// Completes a pending wait with asio::error::operation_aborted.
        void cancel() { impl_->cancel(); }
        [[nodiscard]] asio::any_io_executor get_executor() const { return impl_->executor(); }

    private:
        struct pooled_delete {
            void operator()(timer_impl* p) const noexcept {
                const std::shared_ptr<state> keep = p->shared_state(); // the pool outlives p
                p->~timer_impl();
                keep->pool.deallocate(p, sizeof(timer_impl), alignof(timer_impl));
            }
        };
        std::unique_ptr<timer_impl, pooled_delete> impl_;
    };

private:
    std::shared_ptr<state> state_;
};

static_assert(clock_source<virtual_clock>);

} // namespace redial

#endif
