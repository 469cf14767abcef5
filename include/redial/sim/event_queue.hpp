#ifndef REDIAL_SIM_EVENT_QUEUE_HPP
#define REDIAL_SIM_EVENT_QUEUE_HPP

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <queue>
#include <stdexcept>
#include <vector>

namespace redial::sim {

/// A timed event: `at` in nanoseconds of world time, `key` what it is and whose. Events are
/// totally ordered by (at, key), so any correct queue pops them in the same order and a run is
/// the same whichever queue carries it.
struct event {
    std::int64_t at;
    std::uint64_t key;

    friend constexpr bool operator==(const event&, const event&) = default;
    friend constexpr bool operator<(const event& a, const event& b) noexcept {
        return a.at != b.at ? a.at < b.at : a.key < b.key;
    }
    friend constexpr bool operator>(const event& a, const event& b) noexcept { return b < a; }
};

/// The textbook event loop's queue: a binary heap (std::priority_queue). The comparison point
/// for event_wheel, and a fallback for worlds whose events are not monotone.
class heap_queue {
public:
    void push(event e) { heap_.push(e); }
    /// The earliest event, without removing it. Precondition: !empty().
    [[nodiscard]] const event& top() const { return heap_.top(); }
    /// Removes and returns the earliest event. Throws std::logic_error when empty.
    [[nodiscard]] event pop() {
        if (heap_.empty()) {
            throw std::logic_error("redial::sim::heap_queue: pop on an empty queue");
        }
        const event e = heap_.top();
        heap_.pop();
        return e;
    }
    [[nodiscard]] bool empty() const noexcept { return heap_.empty(); }
    [[nodiscard]] std::size_t size() const noexcept { return heap_.size(); }
    /// No look-ahead: the heap knows only its minimum.
    [[nodiscard]] const event* peek_ahead(std::size_t) const noexcept { return nullptr; }

private:
    std::priority_queue<event, std::vector<event>, std::greater<>> heap_;
};

/// A monotone event queue for simulations whose events never go back in time: a two-level
/// timing wheel. 256 fine slots of 2^slot_bits ns (1.05 ms by default) cover the current coarse
/// bucket; 256 coarse buckets of 256 fine slots (268 ms) cover the next 68.7 s; later events
/// wait in an overflow list. A push is an append to one of 512 short vectors whose tails stay in
/// cache; a coarse bucket is spread over the fine slots when time reaches it, and a fine slot
/// is sorted once, when it becomes current. Events pushed into the slot being drained go to a
/// small heap beside it. Pops come out in exact (at, key) order, the same order as heap_queue's,
/// and the sorted slot lets the world prefetch the state of the next events (peek_ahead),
/// which a binary heap cannot offer.
class event_wheel {
public:
    /// `slot_bits`: log2 of a fine slot's width in ns, between 0 and 40.
    explicit event_wheel(unsigned slot_bits = 20)
        : fine_shift_(slot_bits), coarse_shift_(slot_bits + ring_bits), fine_(ring), coarse_(ring) {
        if (slot_bits > 40) {
            throw std::invalid_argument("redial::sim::event_wheel: slot_bits must be at most 40");
        }
    }

    /// Throws std::logic_error for an event earlier than the last one popped: the wheel only
    /// moves forward (a world never schedules into its past).
    void push(event e) {
        if (e.at < now_) {
            throw std::logic_error("redial::sim::event_wheel: event scheduled in the past");
        }
        ++size_;
        place(e);
    }

    /// The earliest event, without removing it. Precondition: !empty().
    [[nodiscard]] const event& top() {
        if (run_pos_ == run_.size() && late_.empty()) {
            advance();
        }
        if (run_pos_ < run_.size() && (late_.empty() || run_[run_pos_] < late_.top())) {
            return run_[run_pos_];
        }
        return late_.top();
    }

    /// Removes and returns the earliest event. Throws std::logic_error when empty.
    [[nodiscard]] event pop() {
        if (size_ == 0) {
            throw std::logic_error("redial::sim::event_wheel: pop on an empty queue");
        }
        if (run_pos_ == run_.size() && late_.empty()) {
            advance();
        }
        event e;
        if (run_pos_ < run_.size() && (late_.empty() || run_[run_pos_] < late_.top())) {
            e = run_[run_pos_++];
        } else {
            e = late_.top();
            late_.pop();
        }
        --size_;
        now_ = e.at;
        return e;
    }

    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }

    /// The event `n` places after the next one in the sorted slot being drained, if known (for
    /// prefetching); nullptr past the slot's end.
    [[nodiscard]] const event* peek_ahead(std::size_t n) const noexcept {
        const std::size_t i = run_pos_ + n;
        return i < run_.size() ? &run_[i] : nullptr;
    }

private:
    static constexpr unsigned ring_bits = 8;
    static constexpr std::size_t ring = std::size_t{1} << ring_bits;
    static constexpr std::uint64_t ring_mask = ring - 1;

    // 256 occupancy bits and their slots.
    struct level {
        explicit level(std::size_t n) : slots(n) {}
        std::vector<std::vector<event>> slots;
        std::array<std::uint64_t, ring / 64> bits{};
        std::size_t count = 0;

        void put(std::size_t i, const event& e) {
            bits[i / 64] |= std::uint64_t{1} << (i % 64);
            slots[i].push_back(e);
            ++count;
        }
        // Empties slot i into `out` (swapping buffers, so capacity is recycled).
        void take(std::size_t i, std::vector<event>& out) {
            out.clear();
            out.swap(slots[i]);
            bits[i / 64] &= ~(std::uint64_t{1} << (i % 64));
            count -= out.size();
        }
        // The first occupied slot at or after i (no wrap-around), or ring if none.
        std::size_t next(std::size_t i) const noexcept {
            for (std::size_t w = i / 64; w < bits.size(); ++w) {
                const std::uint64_t word =
                    bits[w] & (w == i / 64 ? ~std::uint64_t{0} << (i % 64) : ~std::uint64_t{0});
                if (word != 0) {
                    return w * 64 + static_cast<std::size_t>(std::countr_zero(word));
                }
            }
            return ring;
        }
    };

    std::uint64_t coarse_of(std::int64_t at) const noexcept {
        return static_cast<std::uint64_t>(at) >> coarse_shift_;
    }
    std::size_t fine_index(std::int64_t at) const noexcept {
        return (static_cast<std::uint64_t>(at) >> fine_shift_) & ring_mask;
    }

    void place(const event& e) {
        const std::uint64_t c = coarse_of(e.at);
        if (c < current_) {
            // Behind the wheel: only after top() moved it ahead of the last pop (the event is
            // still not earlier than that pop). The small heap keeps it in order.
            late_.push(e);
        } else if (c == current_) {
            const std::size_t f = fine_index(e.at);
            if (f < fine_pos_ || (draining_ && f == fine_pos_)) {
                late_.push(e);
            } else {
                fine_.put(f, e);
            }
        } else if (c - current_ <= ring_mask) {
            coarse_.put(c & ring_mask, e);
        } else {
            far_.push(e);
        }
    }

    // Moves to the next non-empty fine slot and sorts it into run_ (precondition: size_ > 0).
    void advance() {
        run_.clear();
        run_pos_ = 0;
        draining_ = false;
        for (;;) {
            const std::size_t f = fine_.next(fine_pos_);
            if (f != ring) {
                fine_pos_ = f;
                fine_.take(f, run_);
                // Often already in order: a wave of clients handled in client order reschedules
                // them in that order.
                if (!std::is_sorted(run_.begin(), run_.end())) {
                    std::sort(run_.begin(), run_.end());
                }
                draining_ = true;
                return;
            }
            enter(next_coarse());
        }
    }

    // The next coarse bucket to enter once the fine slots are empty.
    std::uint64_t next_coarse() const noexcept {
        const std::uint64_t revolution_end = current_ | ring_mask;
        std::uint64_t next = ~std::uint64_t{0};
        if (coarse_.count > 0) {
            const std::size_t from = (current_ + 1) & ring_mask;
            std::size_t i = coarse_.next(from);
            if (i == ring) {
                i = coarse_.next(0);
            }
            next = current_ + 1 + ((i - from) & ring_mask);
        }
        if (!far_.empty() && (next == ~std::uint64_t{0} || next > revolution_end)) {
            // Far events may enter the horizon with the next revolution, and may come first.
            if (coarse_.count > 0) {
                return revolution_end + 1;
            }
            return coarse_of(far_.top().at);
        }
        return next;
    }

    // Makes coarse bucket c current: its events (and far events now in reach) move down.
    void enter(std::uint64_t c) {
        const bool revolution = (c >> ring_bits) != (current_ >> ring_bits);
        current_ = c;
        fine_pos_ = 0;
        coarse_.take(c & ring_mask, spill_);
        for (const event& e : spill_) {
            fine_.put(fine_index(e.at), e);
        }
        spill_.clear();
        // The overflow is a heap by time: the events now within the horizon are its top ones.
        while (revolution && !far_.empty() && coarse_of(far_.top().at) - current_ <= ring_mask) {
            const event e = far_.top();
            far_.pop();
            place(e);
        }
    }

    unsigned fine_shift_;
    unsigned coarse_shift_;
    level fine_;
    level coarse_;
    std::priority_queue<event, std::vector<event>, std::greater<>> far_;
    std::vector<event> run_;
    std::vector<event> spill_;
    std::priority_queue<event, std::vector<event>, std::greater<>> late_;
    std::size_t run_pos_ = 0;
    std::size_t fine_pos_ = 0;
    std::size_t size_ = 0;
    std::uint64_t current_ = 0;
    std::int64_t now_ = 0;
    bool draining_ = false;
};

} // namespace redial::sim

#endif
