#ifndef REDIAL_OUTBOX_OVERFLOW_HPP
#define REDIAL_OUTBOX_OVERFLOW_HPP

#include <redial/error.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace redial {

/// What an outbox does with a message that does not fit under its limits.
enum class overflow_action : std::uint8_t {
    reject,      ///< refuse the new message: its completion says outbox_errc::rejected
    drop_newest, ///< drop the new message: outbox_errc::dropped, and an outbox_drop_event
    drop_oldest, ///< drop the oldest message not yet being written, until the new one fits
};

/// The outbox's state when a message of `incoming` bytes does not fit.
struct outbox_usage {
    std::size_t messages;     ///< queued, including those being written
    std::size_t bytes;        ///< their payload bytes
    std::size_t max_messages; ///< the limits
    std::size_t max_bytes;
    std::size_t incoming; ///< the new message's bytes
};

/// An overflow policy: `overflow_action on_overflow(const outbox_usage&) const`, asked each time
/// a new message does not fit. Optionally `bool keeps_while_down() const` (default true): false
/// makes the outbox keep nothing while disconnected (overflow::disabled).
template <class P>
concept outbox_overflow =
    std::move_constructible<P> && requires(const P& p, const outbox_usage& u) {
        { p.on_overflow(u) } -> std::same_as<overflow_action>;
    };

namespace detail {
template <class P>
constexpr bool keeps_while_down(const P& p) noexcept {
    if constexpr (requires { p.keeps_while_down(); }) {
        static_assert(std::same_as<decltype(p.keeps_while_down()), bool>,
                      "redial: overflow policy hook keeps_while_down is declared wrong; expected "
                      "`bool keeps_while_down() const noexcept`");
        return p.keeps_while_down();
    } else {
        static_assert(
            !requires { &P::keeps_while_down; },
            "redial: overflow policy hook keeps_while_down is declared wrong; expected "
            "`bool keeps_while_down() const noexcept`");
        return true;
    }
}
} // namespace detail

/// The built-in overflow policies.
namespace overflow {

/// Refuse what does not fit (NATS's reconnect buffer, Paho without deleteOldestMessages): the
/// sender learns at once and decides. Nothing already queued is ever dropped.
struct reject {
    static constexpr overflow_action on_overflow(const outbox_usage&) noexcept {
        return overflow_action::reject;
    }
};

/// Drop the oldest queued messages to make room (Paho's deleteOldestMessages, moonpool): after
/// an outage the freshest data goes out, and stale data does not flood the server.
struct drop_oldest {
    static constexpr overflow_action on_overflow(const outbox_usage&) noexcept {
        return overflow_action::drop_oldest;
    }
};

/// Drop the message being sent and keep what is queued (the start of an outage survives). Its
/// completion says dropped, and the observer sees it, as for drop_oldest.
struct drop_newest {
    static constexpr overflow_action on_overflow(const outbox_usage&) noexcept {
        return overflow_action::drop_newest;
    }
};

/// Keep nothing while down (NATS's ReconnectBufSize −1, gRPC's fail-fast): a send while
/// disconnected completes with outbox_errc::not_connected at once, and what was waiting for a
/// write when the connection ended completes so too. While connected the limits still hold,
/// and a message that does not fit is rejected.
struct disabled {
    static constexpr overflow_action on_overflow(const outbox_usage&) noexcept {
        return overflow_action::reject;
    }
    static constexpr bool keeps_while_down() noexcept { return false; }
};

/// The four above, chosen at run time (configuration, a command-line flag).
class configured {
public:
    enum class kind : std::uint8_t { reject, drop_oldest, drop_newest, disabled };
    static constexpr std::string_view names[] = {"reject", "drop-oldest", "drop-newest",
                                                 "disabled"};

    constexpr configured() noexcept = default;
    constexpr explicit configured(kind k) noexcept : kind_(k) {}

    /// From its name ("reject", "drop-oldest", "drop-newest", "disabled"); anything else throws
    /// config_error naming `key` and the value.
    static configured from_name(std::string_view key, std::string_view name) {
        for (std::size_t i = 0; i < std::size(names); ++i) {
            if (name == names[i]) {
                return configured(static_cast<kind>(i));
            }
        }
        throw config_error(key, name, "expected reject, drop-oldest, drop-newest or disabled");
    }

    [[nodiscard]] constexpr kind which() const noexcept { return kind_; }
    [[nodiscard]] constexpr std::string_view name() const noexcept {
        const auto i = static_cast<std::size_t>(kind_);
        return i < std::size(names) ? names[i] : std::string_view("unknown");
    }
    [[nodiscard]] constexpr overflow_action on_overflow(const outbox_usage&) const noexcept {
        switch (kind_) {
        case kind::drop_oldest:
            return overflow_action::drop_oldest;
        case kind::drop_newest:
            return overflow_action::drop_newest;
        case kind::reject:
        case kind::disabled:
            break;
        }
        return overflow_action::reject;
    }
    [[nodiscard]] constexpr bool keeps_while_down() const noexcept {
        return kind_ != kind::disabled;
    }

private:
    kind kind_ = kind::reject;
};

static_assert(outbox_overflow<reject> && outbox_overflow<drop_oldest> &&
              outbox_overflow<drop_newest> && outbox_overflow<disabled> &&
              outbox_overflow<configured>);

} // namespace overflow

} // namespace redial

#endif
