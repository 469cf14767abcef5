#ifndef REDIAL_LIVENESS_ERROR_HPP
#define REDIAL_LIVENESS_ERROR_HPP

#include <redial/duration.hpp>

#include <chrono>
#include <string>
#include <system_error>

namespace redial {

/// Why a liveness policy ended a session. Compares equal to std::errc::timed_out, as a
/// keepalive timeout from the kernel does.
enum class liveness_errc {
    no_data = 1, ///< nothing received in time (idle timeout, or a ping unanswered)
};

namespace detail {
class liveness_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "redial.liveness"; }
    std::string message(int ev) const override {
        return ev == static_cast<int>(liveness_errc::no_data)
                   ? "connection is silent: nothing received in time"
                   : "unknown redial.liveness error";
    }
    std::error_condition default_error_condition(int ev) const noexcept override {
        return ev == static_cast<int>(liveness_errc::no_data)
                   ? std::make_error_condition(std::errc::timed_out)
                   : std::error_condition(ev, *this);
    }
};
} // namespace detail

inline const std::error_category& liveness_category() noexcept {
    static const detail::liveness_category_impl category;
    return category;
}
inline std::error_code make_error_code(liveness_errc e) noexcept {
    return {static_cast<int>(e), liveness_category()};
}

namespace detail {
// Whole milliseconds from 1 ms up: a real timer fires a few microseconds late, and "no data
// for 300.05322ms" says less than "no data for 300ms" (the events keep the exact value).
inline std::chrono::nanoseconds text_precision(std::chrono::nanoseconds d) noexcept {
    return d >= std::chrono::milliseconds{1} ? std::chrono::floor<std::chrono::milliseconds>(d) : d;
}
} // namespace detail

/// The close reason's text: "no data for 3s", or with a ping in flight
/// "no data for 20s (ping unanswered for 10s)"; from 1 ms up in whole milliseconds.
inline std::string liveness_message(std::chrono::nanoseconds silent_for,
                                    std::chrono::nanoseconds ping_unanswered_for) {
    std::string s = "no data for " + format_duration(detail::text_precision(silent_for));
    if (ping_unanswered_for.count() > 0) {
        s += " (ping unanswered for " +
             format_duration(detail::text_precision(ping_unanswered_for)) + ")";
    }
    return s;
}

} // namespace redial

template <>
struct std::is_error_code_enum<redial::liveness_errc> : std::true_type {};

#endif
