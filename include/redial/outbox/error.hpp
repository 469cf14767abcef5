#ifndef REDIAL_OUTBOX_ERROR_HPP
#define REDIAL_OUTBOX_ERROR_HPP

#include <string>
#include <system_error>

namespace redial {

/// How a message sent through an outbox ended, when it was not written. Every message gets
/// exactly one completion: success (the transport took every byte) or one of these.
enum class outbox_errc {
    rejected = 1,  ///< the outbox was full and its policy refuses new messages (reject, disabled)
    too_large,     ///< the message alone is larger than the outbox's byte limit
    dropped,       ///< the overflow policy dropped it to keep the limits (drop_oldest, drop_newest)
    expired,       ///< its time-to-live passed before its write began
    lost,          ///< the connection ended in the middle of its write (cut_message::lose)
    not_connected, ///< no connection to write it on, and the outbox keeps nothing (disabled)
    stopped,       ///< the reconnector stopped (or gave up) before it was written
};

namespace detail {
class outbox_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "redial.outbox"; }
    std::string message(int ev) const override {
        switch (static_cast<outbox_errc>(ev)) {
        case outbox_errc::rejected:
            return "the outbox is full";
        case outbox_errc::too_large:
            return "the message is larger than the outbox's byte limit";
        case outbox_errc::dropped:
            return "the outbox dropped the message to stay within its limits";
        case outbox_errc::expired:
            return "the message expired in the outbox";
        case outbox_errc::lost:
            return "the connection ended in the middle of the message";
        case outbox_errc::not_connected:
            return "not connected, and the outbox keeps nothing while down";
        case outbox_errc::stopped:
            return "the reconnector stopped before the message was written";
        }
        return "unknown redial.outbox error";
    }
    // A stopped send reads as a cancelled operation, as asio's own do after a stop.
    bool equivalent(int ev, const std::error_condition& condition) const noexcept override {
        if (static_cast<outbox_errc>(ev) == outbox_errc::stopped) {
            return condition == std::errc::operation_canceled;
        }
        return default_error_condition(ev) == condition;
    }
};
} // namespace detail

inline const std::error_category& outbox_category() noexcept {
    static const detail::outbox_category_impl category;
    return category;
}
inline std::error_code make_error_code(outbox_errc e) noexcept {
    return {static_cast<int>(e), outbox_category()};
}

} // namespace redial

template <>
struct std::is_error_code_enum<redial::outbox_errc> : std::true_type {};

#endif
