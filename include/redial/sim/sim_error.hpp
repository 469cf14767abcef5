#ifndef REDIAL_SIM_SIM_ERROR_HPP
#define REDIAL_SIM_SIM_ERROR_HPP

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace redial::sim {

/// Why a simulated connect failed or a session ended.
enum class errc : std::uint8_t {
    none,
    refused,     ///< the port is closed: a server restarting
    unreachable, ///< the host is gone
    timed_out,   ///< no answer within the connect timeout (hanging, overload, partition)
    reset,       ///< the server reset the session (reset_after, or it went away)
    partitioned, ///< a network partition cut the session
    conflict,    ///< contended: another attempt overlapped this one; occ: a stale version
    chaos_close, ///< chaos closed a healthy session
    fault,       ///< a fault point fired
    no_data,     ///< the liveness policy found the session silent (nothing received in time)
};

/// The Error type of simulated clients' machines: one byte (a machine keeps its last error, and
/// a world keeps a machine per client), with the message() the machine's give-up error uses
/// ("reconnect timed out after 5m: connection refused").
struct sim_error {
    errc code = errc::none;

    [[nodiscard]] constexpr std::string_view message() const noexcept {
        switch (code) {
        case errc::none:
            return "no error";
        case errc::refused:
            return "connection refused";
        case errc::unreachable:
            return "host unreachable";
        case errc::timed_out:
            return "connect timed out";
        case errc::reset:
            return "connection reset by peer";
        case errc::partitioned:
            return "network partition";
        case errc::conflict:
            return "conflicting write";
        case errc::chaos_close:
            return "session closed by chaos";
        case errc::fault:
            return "fault point fired";
        case errc::no_data:
            return "no data received in time";
        }
        return "unknown";
    }
    friend constexpr bool operator==(const sim_error&, const sim_error&) = default;
};

namespace detail {
class sim_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "redial.sim"; }
    std::string message(int ev) const override {
        if (ev < 0 || ev > static_cast<int>(errc::no_data)) {
            return "unknown";
        }
        return std::string(sim_error{static_cast<errc>(ev)}.message());
    }
};
} // namespace detail

/// The category of sim::errc, so a simulated error is a std::error_code (and a
/// redial::failure) with the same message, built without allocating.
inline const std::error_category& sim_category() noexcept {
    static const detail::sim_category_impl category;
    return category;
}
inline std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), sim_category()};
}

} // namespace redial::sim

template <>
struct std::is_error_code_enum<redial::sim::errc> : std::true_type {};

#endif
