#ifndef REDIAL_DETAIL_DEADLINE_HPP
#define REDIAL_DETAIL_DEADLINE_HPP

#include <redial/detail/erased_handler.hpp>
#include <redial/detail/saturate.hpp>
#include <redial/time.hpp>

#include <asio/any_io_executor.hpp>

#include <chrono>
#include <memory>
#include <system_error>
#include <utility>

namespace redial::detail {

/// The time limit of one operation, on the Clock policy's timer, so that a transport's
/// deadlines run in virtual time under virtual_clock like the reconnector's own sleeps.
/// Armed once per operation; at the deadline it calls the abort action once, unless cancel()
/// (the operation finished) or the owner's end came first.
///
/// The owner holds the deadline (it is a member of the operation it limits): the timer's
/// completion holds the owner weakly, so a finished operation is not kept alive by its
/// timeout, and locks it before touching the deadline.
template <class Clock>
class deadline {
public:
    deadline(const Clock& clock, const asio::any_io_executor& ex) : timer_(clock, ex) {}

    /// The deadline `timeout` from now on `clock`, saturated: the largest timeout waits until
    /// the end of time instead of wrapping into the past.
    [[nodiscard]] static time_point after(const Clock& clock, std::chrono::nanoseconds timeout) {
        return sat_add(time_point{clock.now()}, timeout);
    }

    /// At `at`, marks the deadline expired and calls `abort(owner)`, if `owner` still lives and
    /// cancel() has not been called. Completions run on the executor given at construction.
    template <class Owner, class Abort>
    void arm(time_point at, std::weak_ptr<Owner> owner, Abort abort) {
        timer_.expires_at(at);
        timer_.async_wait(with_cached_memory(
            [this, owner = std::move(owner), abort = std::move(abort)](std::error_code ec) mutable {
                if (ec) {
                    return; // cancelled: the operation finished first
                }
                if (const std::shared_ptr<Owner> o = owner.lock()) {
                    expired_ = true; // `this` lives: the owner holds it
                    abort(*o);
                }
            }));
    }

    /// The operation finished: its deadline no longer applies.
    void cancel() { timer_.cancel(); }

    /// Whether the deadline passed before cancel(): what ended the operation was the timeout.
    [[nodiscard]] bool expired() const noexcept { return expired_; }

private:
    typename Clock::timer timer_;
    bool expired_ = false;
};

} // namespace redial::detail

#endif
