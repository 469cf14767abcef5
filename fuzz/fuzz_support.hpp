#ifndef REDIAL_FUZZ_FUZZ_SUPPORT_HPP
#define REDIAL_FUZZ_FUZZ_SUPPORT_HPP

// Shared by the fuzz targets: invariant checks that abort (so libFuzzer records the input), a
// byte reader for binary inputs, and the documented configuration checks as an oracle.

#include <redial/config.hpp>
#include <redial/error.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <string>
#include <string_view>

namespace redial::fuzz {

/// Reports a broken invariant and aborts: libFuzzer saves the input as a crash, and the replay
/// binary stops at the file that broke it.
[[noreturn]] inline void fail(std::string_view what, std::string_view detail = {}) {
    std::fprintf(stderr, "redial fuzz: invariant violated: %.*s%s%.*s\n",
                 static_cast<int>(what.size()), what.data(), detail.empty() ? "" : ": ",
                 static_cast<int>(detail.size()), detail.data());
    std::abort();
}

inline void check(bool ok, std::string_view what, std::string_view detail = {}) {
    if (!ok) {
        fail(what, detail);
    }
}

/// As check(), with a detail built only on failure (the hot paths run millions of times).
template <class Detail>
void check_lazy(bool ok, std::string_view what, Detail detail) {
    if (!ok) {
        fail(what, detail());
    }
}

/// A config_error's what() is "invalid <key> \"<value>\": <why>" with a non-empty why: the
/// message names the key and the value it carries.
inline void check_message(const config_error& e) {
    // Key and value are escaped in the message, so a NUL or newline in them cannot cut it.
    const std::string prefix = "invalid " + redial::detail::escape(e.key()) + " \"" +
                               redial::detail::escape(e.value()) + "\": ";
    const std::string_view what = e.what();
    const bool ok = what.starts_with(prefix) && what.size() > prefix.size() &&
                    what.find('\n') == std::string_view::npos;
    check(ok, "config_error's message does not name its key and value", what);
}

/// Reads a binary input front to back; past the end every read is zero, so any input decodes.
class byte_reader {
public:
    byte_reader(const std::uint8_t* data, std::size_t size) noexcept : data_(data), size_(size) {}

    [[nodiscard]] bool empty() const noexcept { return pos_ == size_; }

    std::uint8_t u8() noexcept { return pos_ < size_ ? data_[pos_++] : std::uint8_t{0}; }

    std::uint64_t u64() noexcept {
        std::uint64_t v = 0;
        for (int i = 0; i < 8; ++i) {
            v |= std::uint64_t{u8()} << (8 * i);
        }
        return v;
    }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_{0};
};

/// The checks docs/configuration.md ("Checks") lists, written from the text, not the code:
/// true iff validate() must accept `o`. The stable-after rule applies to stability=uptime only
/// (the one policy that reads it), as validate() does; the docs leave that qualifier implicit.
inline bool documented_valid(const options& o) {
    using std::chrono::nanoseconds;
    constexpr nanoseconds largest = nanoseconds::max();
    if (static_cast<std::size_t>(o.jitter) > 5 || static_cast<std::size_t>(o.jitter_cap) > 2) {
        return false;
    }
    const std::string_view stabilities[] = {"uptime", "always", "damping", "intensity"};
    if (std::find(std::begin(stabilities), std::end(stabilities), o.stability) ==
        std::end(stabilities)) {
        return false;
    }
    // backoff: a built-in name; jitter only for exponential, and jitter=decorrelated (the older
    // spelling of backoff=decorrelated) only with backoff exponential or decorrelated.
    const std::string_view backoffs[] = {"exponential", "decorrelated", "constant", "linear"};
    if (std::find(std::begin(backoffs), std::end(backoffs), o.backoff) == std::end(backoffs)) {
        return false;
    }
    if (o.jitter == jitter_kind::decorrelated) {
        if (o.backoff != "exponential" && o.backoff != "decorrelated") {
            return false;
        }
    } else if (o.jitter != jitter_kind::none && o.backoff != "exponential") {
        return false;
    }
    if (o.step && o.step->count() < 0) {
        return false;
    }
    if (o.initial.count() <= 0 || !(o.multiplier >= 1.0) ||
        o.multiplier == std::numeric_limits<double>::infinity() || o.max.count() <= 0 ||
        o.initial > o.max || o.timeout.count() < 0 ||
        !(o.jitter_fraction >= 0.0 && o.jitter_fraction <= 1.0) ||
        (o.stable_after && o.stable_after->count() <= 0) || o.intensity_drops < 1 ||
        o.intensity_drops > 4096 || o.intensity_window.count() <= 0 ||
        o.damping_half_life.count() <= 0 || o.damping_half_life > largest / 4 ||
        (o.connect_timeout && o.connect_timeout->count() <= 0)) {
        return false;
    }
    if (o.timeout.count() != 0) {
        if (o.timeout < o.initial) {
            return false;
        }
        if (o.stability == "uptime" && o.stable_after && *o.stable_after > o.timeout) {
            return false;
        }
        if (o.stability == "damping" && o.timeout <= 4 * o.damping_half_life) {
            return false;
        }
    }
    return true;
}

} // namespace redial::fuzz

#endif
