#ifndef REDIAL_RANDOM_HPP
#define REDIAL_RANDOM_HPP

#include <cstdint>
#include <random>

namespace redial {

/// Draws a seed from std::random_device: the default for every randomised policy.
inline std::uint64_t random_seed() {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ static_cast<std::uint64_t>(rd());
}

/// SplitMix64 (Steele, Lea, Flood 2014): 8 bytes of state, one add and three xor-shift-multiply
/// rounds per draw, passes BigCrush. Fast enough that jitter costs about as much as the
/// arithmetic around it; satisfies std::uniform_random_bit_generator, so any standard
/// distribution works with it too.
class splitmix64 {
public:
    using result_type = std::uint64_t;

    /// Seeded from std::random_device.
    splitmix64() : state_(random_seed()) {}
    /// Seeded explicitly, for reproducible runs.
    constexpr explicit splitmix64(std::uint64_t seed) noexcept : state_(seed) {}

    constexpr void seed(std::uint64_t s) noexcept { state_ = s; }

    static constexpr result_type min() noexcept { return 0; }
    static constexpr result_type max() noexcept { return ~result_type{0}; }

    constexpr result_type operator()() noexcept {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }

    friend constexpr bool operator==(const splitmix64&, const splitmix64&) = default;

private:
    std::uint64_t state_;
};

static_assert(std::uniform_random_bit_generator<splitmix64>);

/// The generator every built-in randomised policy uses unless told otherwise.
using default_generator = splitmix64;

/// A generator a randomised policy can own: standard, constructible and seedable from one
/// integer, and drawing all 64 bits (std::mt19937 draws 32: jitter built on it would silently
/// collapse to a constant).
template <class G>
concept seedable_generator =
    std::uniform_random_bit_generator<G> && std::copyable<G> &&
    std::constructible_from<G, std::uint64_t> && requires(G& g, std::uint64_t s) { g.seed(s); } &&
    (G::min() == 0) && (G::max() == ~std::uint64_t{0});

namespace detail {
/// A uniform double in [0, 1) from the top 53 bits of a 64-bit draw.
template <class G>
constexpr double unit_interval(G& g) noexcept {
    static_assert(G::min() == 0 && G::max() == ~std::uint64_t{0},
                  "redial's jitter expects a full-range 64-bit generator");
    return static_cast<double>(g() >> 11) * 0x1.0p-53;
}
} // namespace detail

} // namespace redial

#endif
