#ifndef REDIAL_OUTBOX_MACHINE_HPP
#define REDIAL_OUTBOX_MACHINE_HPP

#include <redial/detail/saturate.hpp>
#include <redial/duration.hpp>
#include <redial/error.hpp>
#include <redial/outbox/concept.hpp>
#include <redial/outbox/error.hpp>
#include <redial/outbox/overflow.hpp>
#include <redial/time.hpp>

#include <algorithm>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <ranges>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace redial {

/// An outbox's limits; every one holds at every moment, connected or not.
struct outbox_options {
    /// Messages queued, including those being written (at least 1).
    std::size_t max_messages = 10'000;
    /// Their payload bytes (at least 1): NATS's reconnect buffer size.
    std::size_t max_bytes = std::size_t{8} << 20;
    /// How long a message may wait for its write to begin; unset: forever. A message sent with
    /// its own time-to-live (send_options) keeps that one.
    std::optional<std::chrono::nanoseconds> ttl{};
    cut_message cut = cut_message::resend;

    /// Throws config_error naming `outbox max-messages`, `outbox max-bytes` or `outbox ttl`.
    void validate() const {
        if (max_messages == 0) {
            throw config_error("outbox max-messages", "0",
                               "must be at least 1 (to keep nothing while down, use "
                               "redial::overflow::disabled)");
        }
        if (max_bytes == 0) {
            throw config_error("outbox max-bytes", "0",
                               "must be at least 1 (to keep nothing while down, use "
                               "redial::overflow::disabled)");
        }
        if (ttl && ttl->count() <= 0) {
            throw config_error("outbox ttl", format_duration(*ttl),
                               "must be positive (leave it unset for no limit)");
        }
    }
};

/// A message an outbox can hold: contiguous bytes it owns (std::string, std::vector<char>,
/// std::vector<std::byte>, ...). Moved in, never copied; its bytes stay put while queued.
template <class M>
concept outbox_message =
    std::movable<M> && std::default_initializable<M> && std::ranges::contiguous_range<const M> &&
    std::ranges::sized_range<const M> && sizeof(std::ranges::range_value_t<const M>) == 1;

/// The outbox as a sans-I/O machine: a bounded FIFO of messages with their completions, the
/// overflow policy, time-to-live and the write window. It never reads a clock and never calls a
/// completion: each operation takes `now` and hands every message that ends to `sink(Completion&&,
/// const outbox_outcome&)`, in the order they end. The driver does the writing: begin_write()
/// fills buffers for one gathered write, end_write() takes how many bytes it transferred.
///
/// Messages handed to a write (at most `out.size()` per write, the head of the queue) are the
/// write's: they are never dropped or expired; they are written, or, when the connection ends,
/// return to the front of the queue (a message cut in the middle follows `cut`).
template <outbox_overflow Overflow, outbox_message Message, std::movable Completion>
class outbox_machine {
public:
    using message_type = Message;
    using completion_type = Completion;

    /// Throws config_error for options that validate() refuses.
    explicit outbox_machine(outbox_options options = {}, Overflow overflow = {})
        : options_(options), overflow_(std::move(overflow)) {
        options_.validate();
    }

    /// Queues `m` (sent at `now`), or hands it to `sink` at once: too_large, not_connected
    /// (disabled and down), stopped, or the overflow policy's rejected / dropped. Making room
    /// with drop_oldest hands the dropped messages to `sink` first.
    template <class Sink>
    void push(time_point now, Message m, const send_options& so, Completion c, Sink&& sink) {
        const std::size_t n = std::ranges::size(std::as_const(m));
        auto refuse = [&](outbox_errc e) { sink(std::move(c), outbox_outcome{e, n, now}); };
        if (stopped_) {
            return refuse(outbox_errc::stopped);
        }
        if (n > options_.max_bytes) {
            return refuse(outbox_errc::too_large);
        }
        if (!connected_ && !detail::keeps_while_down(overflow_)) {
            return refuse(outbox_errc::not_connected);
        }
        const std::optional<std::chrono::nanoseconds> ttl = so.ttl ? so.ttl : options_.ttl;
        if (ttl && ttl->count() <= 0) { // its own time-to-live ran out before it was queued
            return refuse(outbox_errc::expired);
        }
        if (!fits(n)) {
            const outbox_usage usage{size_, bytes_, options_.max_messages, options_.max_bytes, n};
            overflow_action action = overflow_action::reject;
            try {
                action = overflow_.on_overflow(usage);
            } catch (...) { // the policy's bug: the message still completes, once
                refuse(outbox_errc::rejected);
                throw;
            }
            if (action == overflow_action::drop_newest) {
                return refuse(outbox_errc::dropped);
            }
            if (action != overflow_action::drop_oldest) { // reject, or not an overflow_action
                return refuse(outbox_errc::rejected);     // (the limits hold whatever it says)
            }
            while (!fits(n) && drop_front(outbox_errc::dropped, sink)) {
            }
            if (!fits(n)) { // all that is left is being written
                return refuse(outbox_errc::dropped);
            }
        }
        const time_point deadline = ttl ? detail::sat_add(now, *ttl) : time_point::max();
        const std::uint64_t seq = next_seq_++;
        queued_.emplace_back(std::move(m), std::move(c), now, deadline, seq, true);
        ++size_;
        bytes_ += n;
        if (deadline != time_point::max()) {
            push_deadline(deadline, seq);
        }
    }

    /// A connection is up (after its setup): the driver calls begin_write() next.
    template <class Sink>
    void on_connected(time_point now, Sink&& sink) {
        connected_ = true;
        expire(now, sink);
    }

    /// The connection ended. With a write in flight, its outcome is settled by end_write();
    /// otherwise at once: a message cut in the middle follows `cut`, the others return to the
    /// front of the queue (all complete with not_connected when the policy keeps nothing).
    template <class Sink>
    void on_disconnected(time_point now, Sink&& sink) {
        connected_ = false;
        down_before_ = next_seq_;
        if (write_pending_) {
            disconnect_pending_ = true;
            return;
        }
        settle_disconnect(now, sink);
    }

    /// Fills `out` with the next write's buffers (messages from the head, the first one from
    /// where a previous partial write stopped) and returns how many; 0: nothing to write (or not
    /// connected, or a write is in flight). Expires what is due first.
    template <class Sink>
    std::size_t begin_write(time_point now, std::span<outbox_buffer> out, Sink&& sink) {
        if (!connected_ || write_pending_ || stopped_ || out.empty()) {
            return 0;
        }
        expire(now, sink);
        // A message with no bytes at the head is written once it is reached.
        while (writing_.empty() && take_next(now, sink) && queued_.front().size() == 0) {
            finish_front_of_queue(sink);
        }
        while (writing_.size() < out.size() && take_next(now, sink)) {
            writing_.push_back(std::move(queued_.front()));
            queued_.pop_front();
        }
        std::size_t i = 0;
        for (const entry& e : writing_) {
            if (i == out.size()) {
                break;
            }
            const auto* data =
                reinterpret_cast<const unsigned char*>(std::ranges::data(std::as_const(e.message)));
            const std::size_t skip = i == 0 ? offset_ : 0;
            out[i++] = outbox_buffer{data + skip, e.size() - skip};
        }
        write_pending_ = i != 0;
        return i;
    }

    /// The write begun by begin_write() transferred `transferred` bytes (with or without an
    /// error): the messages it covered whole are written; a partial one stays at the head.
    template <class Sink>
    void end_write(time_point now, std::size_t transferred, Sink&& sink) {
        if (!write_pending_) {
            return;
        }
        write_pending_ = false;
        while (!writing_.empty()) {
            entry& e = writing_.front();
            const std::size_t left = e.size() - offset_;
            if (transferred < left) {
                offset_ += transferred;
                break;
            }
            transferred -= left;
            offset_ = 0;
            complete_writing_front({}, sink);
        }
        if (stopped_) {
            stop(sink);
        } else if (disconnect_pending_) {
            settle_disconnect(now, sink);
        }
    }

    /// Messages whose time-to-live passed (and whose write has not begun) end as expired.
    /// A message in the write in flight does not expire: its deadline leaves the heap here and
    /// comes back if a disconnect returns it to the queue (kept, it would be due at once,
    /// forever, and a driver re-arming its timer on next_deadline() would spin).
    template <class Sink>
    void expire(time_point now, Sink&& sink) {
        while (!deadlines_.empty() && deadlines_.front().first <= now) {
            const auto top = deadlines_.front();
            std::ranges::pop_heap(deadlines_, std::greater<>{});
            deadlines_.pop_back();
            if (entry* e = find(queued_, top.second); e != nullptr && e->live) {
                kill(*e, outbox_errc::expired, sink);
            }
        }
        trim();
    }

    /// The run ended: every message ends as stopped (those in a write in flight when it
    /// completes: written if it took them whole), and so does every later push.
    template <class Sink>
    void stop(Sink&& sink) {
        stopped_ = true;
        while (drop_front(outbox_errc::stopped, sink)) {
        }
        if (!write_pending_) {
            // Part of the head went out and the rest never will: lost, whatever `cut` says
            // (stopped would read as "not written", and a resend would repeat the part).
            if (std::exchange(offset_, 0) != 0 && !writing_.empty()) {
                complete_writing_front(outbox_errc::lost, sink);
            }
            while (!writing_.empty()) {
                complete_writing_front(outbox_errc::stopped, sink);
            }
        }
        deadlines_.clear();
    }

    /// When the earliest time-to-live runs out (time_point::max(): none); possibly of a message
    /// that has ended since (expire() then finds nothing to do).
    [[nodiscard]] time_point next_deadline() const noexcept {
        return deadlines_.empty() ? time_point::max() : deadlines_.front().first;
    }

    /// Messages held (queued and being written), and their payload bytes.
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] std::size_t bytes() const noexcept { return bytes_; }
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] bool connected() const noexcept { return connected_; }
    /// A write is in flight (between begin_write and end_write).
    [[nodiscard]] bool writing() const noexcept { return write_pending_; }
    [[nodiscard]] bool stopped() const noexcept { return stopped_; }
    [[nodiscard]] const outbox_options& options() const noexcept { return options_; }
    [[nodiscard]] const Overflow& overflow() const noexcept { return overflow_; }

private:
    struct entry {
        Message message;
        Completion done;
        time_point sent_at;
        time_point deadline;
        std::uint64_t seq;
        bool live; // false: ended while queued (expired); its place is kept until trimmed
        [[nodiscard]] std::size_t size() const noexcept {
            return std::ranges::size(std::as_const(message));
        }
    };

    [[nodiscard]] bool fits(std::size_t n) const noexcept {
        return size_ < options_.max_messages && bytes_ <= options_.max_bytes &&
               n <= options_.max_bytes - bytes_;
    }

    static entry* find(std::deque<entry>& q, std::uint64_t seq) noexcept {
        auto it = std::ranges::lower_bound(q, seq, std::less<>{}, &entry::seq);
        return it != q.end() && it->seq == seq ? &*it : nullptr;
    }

    void push_deadline(time_point at, std::uint64_t seq) {
        deadlines_.emplace_back(at, seq);
        std::ranges::push_heap(deadlines_, std::greater<>{});
        // Deadlines of messages written meanwhile are only skipped when they come due: rebuild
        // the heap from the live ones before they outnumber those.
        if (deadlines_.size() > 64 && deadlines_.size() > 2 * size_) {
            deadlines_.clear();
            for (const auto* q : {&writing_, &queued_}) {
                for (const entry& e : *q) {
                    if (e.live && e.deadline != time_point::max()) {
                        deadlines_.emplace_back(e.deadline, e.seq);
                    }
                }
            }
            std::ranges::make_heap(deadlines_, std::greater<>{});
        }
    }

    // A queued message ends (expired, dropped, stopped): its place stays as a tombstone until
    // trim() (positions must not move under expire()'s lookups).
    template <class Sink>
    void kill(entry& e, outbox_errc why, Sink& sink) {
        e.live = false;
        --size_;
        bytes_ -= e.size();
        ++tombstones_;
        const outbox_outcome o{why, e.size(), e.sent_at};
        e.message = Message{}; // freed now, not when trimmed
        sink(std::move(e.done), o);
    }

    void trim() {
        while (!queued_.empty() && !queued_.front().live) {
            queued_.pop_front();
            --tombstones_;
        }
        if (tombstones_ > 64 && tombstones_ > size_) {
            std::erase_if(queued_, [](const entry& e) { return !e.live; });
            tombstones_ = 0;
        }
    }

    // The oldest queued message (not being written) ends as `why`; false when there is none.
    template <class Sink>
    bool drop_front(outbox_errc why, Sink& sink) {
        trim();
        if (queued_.empty()) {
            return false;
        }
        kill(queued_.front(), why, sink);
        trim();
        return true;
    }

    // Makes the queue's head the next message to write, expiring the due ones on the way;
    // false when there is none.
    template <class Sink>
    bool take_next(time_point now, Sink& sink) {
        trim();
        while (!queued_.empty() && queued_.front().deadline <= now) {
            kill(queued_.front(), outbox_errc::expired, sink);
            trim();
        }
        return !queued_.empty();
    }

    template <class Sink>
    void finish_front_of_queue(Sink& sink) {
        entry& e = queued_.front();
        e.live = false;
        --size_;
        ++tombstones_;
        sink(std::move(e.done), outbox_outcome{{}, 0, e.sent_at});
        trim();
    }

    // Off the queue before the sink runs (the message, not moved, is freed with its entry).
    template <class Sink>
    void complete_writing_front(std::error_code code, Sink& sink) {
        entry& e = writing_.front();
        Completion done = std::move(e.done);
        const outbox_outcome o{code, e.size(), e.sent_at};
        writing_.pop_front();
        --size_;
        bytes_ -= o.bytes;
        sink(std::move(done), o);
    }

    template <class Sink>
    void settle_disconnect(time_point now, Sink& sink) {
        disconnect_pending_ = false;
        if (std::exchange(offset_, 0) != 0 && options_.cut == cut_message::lose) {
            complete_writing_front(outbox_errc::lost, sink);
        }
        while (!writing_.empty()) { // back to the front, in their order, with their deadlines
            queued_.push_front(std::move(writing_.back()));
            writing_.pop_back();
            if (const entry& e = queued_.front(); e.deadline != time_point::max()) {
                push_deadline(e.deadline, e.seq);
            }
        }
        if (!detail::keeps_while_down(overflow_)) {
            // What was sent before the connection ended (not what a new one has taken since).
            trim();
            while (!queued_.empty() && queued_.front().seq < down_before_) {
                drop_front(outbox_errc::not_connected, sink);
            }
        }
        // A message that came back past its time-to-live expires now, not at the next write.
        expire(now, sink);
    }

    outbox_options options_;
    [[no_unique_address]] Overflow overflow_;
    std::deque<entry> queued_;  // by seq; tombstones included
    std::deque<entry> writing_; // handed to the write in flight (or cut by it), by seq
    std::vector<std::pair<time_point, std::uint64_t>> deadlines_; // a min-heap, lazily pruned
    std::size_t size_ = 0;
    std::size_t bytes_ = 0;
    std::size_t tombstones_ = 0;
    std::size_t offset_ = 0; // bytes of writing_.front() already written
    std::uint64_t next_seq_ = 0;
    std::uint64_t down_before_ = 0; // the first seq sent after the connection last ended
    bool connected_ = false;
    bool write_pending_ = false;
    bool disconnect_pending_ = false;
    bool stopped_ = false;
};

} // namespace redial

#endif
