#ifndef REDIAL_SIM_FLEET_STATS_HPP
#define REDIAL_SIM_FLEET_STATS_HPP

#include <redial/observer/hooks.hpp>
#include <redial/sim/probe.hpp>
#include <redial/time.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

namespace redial::sim {

/// A probe for herd experiments: attempts per time bin, and when each client first connected
/// (or, contended or occ, succeeded; or its hung session resumed) at or after a reference time,
/// e.g. the end of an outage. With detect_from(t), also when each client's liveness policy first
/// found its session dead at or after t (a silent outage's start), and the timeouts before it.
class fleet_stats {
public:
    /// `since`: reconnect times are measured from it, and connects before it are not counted
    /// as reconnects. `bin`: the width of the attempt histogram (peak rates are per bin).
    explicit fleet_stats(std::uint32_t clients, time_point since = {},
                         std::chrono::nanoseconds bin = std::chrono::milliseconds{100})
        : since_(since), bin_(bin), first_(clients, -1) {
        if (bin_.count() <= 0) {
            throw std::invalid_argument("redial::sim::fleet_stats: the bin must be positive");
        }
    }

    void on_attempt(std::uint32_t, const attempt_event& e) {
        ++attempts_;
        const auto b = static_cast<std::size_t>(e.at.time_since_epoch() / bin_);
        if (b >= max_bins) {
            ++beyond_; // a run of years at a fine bin: the histogram stops, the count goes on
            return;
        }
        if (b >= bins_.size()) {
            bins_.resize(std::max(b + 1, bins_.size() * 2), 0);
        }
        ++bins_[b];
    }
    void on_connected(std::uint32_t id, const connected_event& e) {
        ++connects_;
        if (e.at >= since_ && first_[id] < 0) {
            first_[id] = (e.at - since_).count();
            ++reconnected_;
        }
    }
    /// A session a silent phase hung receives again: the client is back without reconnecting.
    void on_resumed(std::uint32_t id, const resumed_event& e) {
        if (e.at >= since_ && first_[id] < 0) {
            first_[id] = (e.at - since_).count();
            ++reconnected_;
        }
    }
    void on_connect_failed(std::uint32_t, const connect_failed_event&) { ++failures_; }
    void on_ping(std::uint32_t, const ping_event&) { ++pings_; }
    void on_liveness_timeout(std::uint32_t id, const liveness_timeout_event& e) {
        ++timeouts_;
        if (detected_.empty()) {
            return;
        }
        if (e.at < detect_since_) {
            ++early_timeouts_;
        } else if (detected_[id] < 0) {
            detected_[id] = (e.at - detect_since_).count();
            ++detected_count_;
        }
    }
    /// The world calls this a few events ahead of client `id`'s next event.
    void prefetch(std::uint32_t id) const noexcept { detail::prefetch(first_.data() + id); }

    /// Also record, per client, its first liveness timeout at or after `t` (8 bytes a client).
    fleet_stats& detect_from(time_point t) {
        detect_since_ = t;
        detected_.assign(first_.size(), -1);
        return *this;
    }
    void on_give_up(std::uint32_t, const give_up_event&) { ++gave_up_; }

    [[nodiscard]] std::uint64_t attempts() const noexcept { return attempts_; }
    /// The histogram holds at most 2^24 bins (19 days at 100 ms); attempts after its end are
    /// counted here, and in attempts(), but not binned.
    static constexpr std::size_t max_bins = std::size_t{1} << 24;
    [[nodiscard]] std::uint64_t attempts_beyond_histogram() const noexcept { return beyond_; }
    [[nodiscard]] std::uint64_t connects() const noexcept { return connects_; }
    [[nodiscard]] std::uint64_t failures() const noexcept { return failures_; }
    [[nodiscard]] std::uint64_t gave_up() const noexcept { return gave_up_; }
    [[nodiscard]] std::uint64_t pings() const noexcept { return pings_; }
    /// Sessions a liveness policy ended, and (with detect_from) those it ended before then:
    /// on a healthy link, false positives.
    [[nodiscard]] std::uint64_t liveness_timeouts() const noexcept { return timeouts_; }
    [[nodiscard]] std::uint64_t timeouts_before_detection() const noexcept {
        return early_timeouts_;
    }
    /// Clients with a liveness timeout at or after detect_from's time.
    [[nodiscard]] std::uint64_t detected() const noexcept { return detected_count_; }
    /// Clients that connected at or after `since`.
    [[nodiscard]] std::uint64_t reconnected() const noexcept { return reconnected_; }
    [[nodiscard]] std::chrono::nanoseconds bin() const noexcept { return bin_; }
    /// Attempts in each bin, from time zero; the last non-empty bin ends the span.
    [[nodiscard]] std::span<const std::uint32_t> attempts_per_bin() const noexcept {
        std::size_t n = bins_.size();
        while (n > 0 && bins_[n - 1] == 0) {
            --n;
        }
        return {bins_.data(), n};
    }
    /// The busiest bin's attempts, as a rate per second.
    [[nodiscard]] double peak_attempts_per_second() const noexcept {
        const auto span = attempts_per_bin();
        const std::uint32_t peak = span.empty() ? 0 : *std::max_element(span.begin(), span.end());
        return static_cast<double>(peak) * 1e9 / static_cast<double>(bin_.count());
    }
    /// What reconnect_quantile() returns for a rank held by a client that never reconnected:
    /// the largest duration, so "never" sorts after every real time and a check such as
    /// `q <= budget` stays right. Compare with it before printing.
    static constexpr std::chrono::nanoseconds never = std::chrono::nanoseconds::max();

    /// The q-quantile (0 <= q <= 1) of reconnect times from `since` over every client, by
    /// nearest rank: the time of the ceil(q·N)-th client (the first, for q = 0) in reconnect
    /// order, with clients that never reconnected last. `never` when that client did not
    /// reconnect, so q = 1 (the maximum) is `never` as soon as one client is not back; zero
    /// for a fleet of no clients.
    [[nodiscard]] std::chrono::nanoseconds reconnect_quantile(double q) const {
        return quantile(q, first_, reconnected_, sorted_);
    }
    /// The same over detection times (from detect_from's time; `never` for a client whose
    /// session was never found dead). Zero without detect_from.
    [[nodiscard]] std::chrono::nanoseconds detection_quantile(double q) const {
        return quantile(q, detected_, detected_count_, sorted_detected_);
    }
    /// When client `id`'s liveness policy first found its session dead at or after detect_from's
    /// time, from then; negative if never.
    [[nodiscard]] std::chrono::nanoseconds detection_time(std::uint32_t id) const {
        return std::chrono::nanoseconds{detected_.at(id)};
    }
    /// When client `id` first connected at or after `since`, from `since`; negative if never.
    [[nodiscard]] std::chrono::nanoseconds reconnect_time(std::uint32_t id) const {
        return std::chrono::nanoseconds{first_.at(id)};
    }

private:
    // Nearest rank over every client of `times` (negative: never), sorted once into `sorted`.
    static std::chrono::nanoseconds quantile(double q, const std::vector<std::int64_t>& times,
                                             std::uint64_t count,
                                             std::vector<std::int64_t>& sorted) {
        if (!(q >= 0.0 && q <= 1.0)) {
            throw std::invalid_argument("redial::sim::fleet_stats: a quantile is between 0 and 1");
        }
        if (times.empty()) {
            return std::chrono::nanoseconds{0};
        }
        if (sorted.size() != count) {
            sorted.clear();
            sorted.reserve(count);
            for (const std::int64_t t : times) {
                if (t >= 0) {
                    sorted.push_back(t);
                }
            }
            std::sort(sorted.begin(), sorted.end());
        }
        const auto rank = std::max<std::size_t>(
            1, static_cast<std::size_t>(std::ceil(q * static_cast<double>(times.size()))));
        return rank <= sorted.size() ? std::chrono::nanoseconds{sorted[rank - 1]} : never;
    }

    time_point since_;
    std::chrono::nanoseconds bin_;
    std::vector<std::int64_t> first_;
    std::vector<std::uint32_t> bins_;
    mutable std::vector<std::int64_t> sorted_;
    time_point detect_since_{};
    std::vector<std::int64_t> detected_; // empty without detect_from
    mutable std::vector<std::int64_t> sorted_detected_;
    std::uint64_t attempts_ = 0;
    std::uint64_t connects_ = 0;
    std::uint64_t failures_ = 0;
    std::uint64_t gave_up_ = 0;
    std::uint64_t reconnected_ = 0;
    std::uint64_t beyond_ = 0;
    std::uint64_t pings_ = 0;
    std::uint64_t timeouts_ = 0;
    std::uint64_t early_timeouts_ = 0;
    std::uint64_t detected_count_ = 0;
};

} // namespace redial::sim

#endif
