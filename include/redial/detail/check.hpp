#ifndef REDIAL_DETAIL_CHECK_HPP
#define REDIAL_DETAIL_CHECK_HPP

#include <redial/duration.hpp>
#include <redial/error.hpp>

#include <chrono>
#include <cmath>
#include <string>
#include <string_view>

// Parameter checks shared by the policies: each throws config_error naming the parameter.
namespace redial::detail {

inline std::chrono::nanoseconds require_positive(std::string_view key, std::chrono::nanoseconds d) {
    if (d.count() <= 0) {
        throw config_error(key, format_duration(d), "must be greater than zero");
    }
    return d;
}

inline std::chrono::nanoseconds require_non_negative(std::string_view key,
                                                     std::chrono::nanoseconds d) {
    if (d.count() < 0) {
        throw config_error(key, format_duration(d), "must not be negative");
    }
    return d;
}

inline std::string format_number(double v) {
    std::string s = std::to_string(v);
    if (s.find('.') != std::string::npos) {
        while (s.back() == '0') {
            s.pop_back();
        }
        if (s.back() == '.') {
            s.pop_back();
        }
    }
    return s;
}

inline double require_at_least(std::string_view key, double v, double lo) {
    if (!std::isfinite(v) || v < lo) {
        throw config_error(key, format_number(v),
                           "must be a finite number of at least " + format_number(lo));
    }
    return v;
}

inline void require_not_above(std::string_view key, std::chrono::nanoseconds d,
                              std::string_view max_key, std::chrono::nanoseconds max) {
    if (d > max) {
        throw config_error(key, format_duration(d),
                           "must not exceed " + std::string(max_key) + " (" + format_duration(max) +
                               ")");
    }
}

} // namespace redial::detail

#endif
