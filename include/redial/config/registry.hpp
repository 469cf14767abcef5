#ifndef REDIAL_CONFIG_REGISTRY_HPP
#define REDIAL_CONFIG_REGISTRY_HPP

#include <redial/config/options.hpp>
#include <redial/detail/parse.hpp>
#include <redial/error.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

// What the backoff and the stability registries share (config/backoff_registry.hpp,
// config/stability_registry.hpp): a compile-time list of entries, each a struct with a `name`,
// a one-line `description`, the `keys` it reads and a factory `make(const options&)` returning
// the policy or a std::variant of policies; an optional `summary(const options&)` is
// describe()'s text for it. The two differ only in the key that chooses (backoff, stability).
namespace redial {

/// What the tools and the documentation show of one registered policy.
struct policy_info {
    std::string_view name;
    std::string_view description;
    std::span<const std::string_view> keys;
};

namespace detail {

template <class... Ts>
struct type_list {};

template <class T>
struct alternatives_of {
    using type = type_list<T>;
};
template <class... Ts>
struct alternatives_of<std::variant<Ts...>> {
    using type = type_list<Ts...>;
};

template <class Seen, class... Rest>
struct unique_variant;
template <class... Seen>
struct unique_variant<type_list<Seen...>> {
    using type = std::variant<Seen...>;
};
template <class... Seen, class T, class... Rest>
struct unique_variant<type_list<Seen...>, T, Rest...>
    : std::conditional_t<(std::is_same_v<T, Seen> || ...),
                         unique_variant<type_list<Seen...>, Rest...>,
                         unique_variant<type_list<Seen..., T>, Rest...>> {};

template <class Seen, class... Lists>
struct flatten;
template <class Seen>
struct flatten<Seen> {
    using type = Seen;
};
template <class... Seen, class... Ts, class... Lists>
struct flatten<type_list<Seen...>, type_list<Ts...>, Lists...>
    : flatten<type_list<Seen..., Ts...>, Lists...> {};

template <class List>
struct variant_of_list;
template <class... Ts>
struct variant_of_list<type_list<Ts...>> : unique_variant<type_list<>, Ts...> {};

template <class Entry>
using made_by = decltype(Entry::make(std::declval<const options&>()));

/// Every type the entries' factories can return, each once, in entry order.
template <class... Entries>
using registry_variant = typename variant_of_list<
    typename flatten<type_list<>, typename alternatives_of<made_by<Entries>>::type...>::type>::type;

/// `p` (a policy or a variant of policies) as one alternative of `Variant`.
template <class Variant, class Made>
Variant as_alternative(Made&& p) {
    if constexpr (requires { std::variant_size<std::remove_cvref_t<Made>>::value; }) {
        return std::visit([](auto&& q) { return Variant{std::forward<decltype(q)>(q)}; },
                          std::forward<Made>(p));
    } else {
        return Variant{std::forward<Made>(p)};
    }
}

// A name a configuration string can carry and read back: [a-z0-9-]+, each once.
template <std::size_t N>
constexpr bool names_valid(const std::array<std::string_view, N>& names) noexcept {
    for (std::size_t i = 0; i < N; ++i) {
        if (names[i].empty()) {
            return false;
        }
        for (const char c : names[i]) {
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
                return false;
            }
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (names[j] == names[i]) {
                return false;
            }
        }
    }
    return true;
}

/// The machinery of a registry of `Entries`. `Kind` names what it chooses: a `key` (for
/// errors) and `chosen(options)`, the entry's name the options pick.
template <class Kind, class... Entries>
struct policy_registry {
    using kind = Kind;

    /// Every policy type the entries can make: the configured policy's alternatives.
    using variant_type = registry_variant<Entries...>;

    /// The entries themselves, for code that iterates over them at compile time.
    using entry_types = type_list<Entries...>;

    static constexpr std::array<std::string_view, sizeof...(Entries)> names{Entries::name...};
    static_assert(names_valid(names),
                  "redial: each registry entry's name must be non-empty, of lower-case letters, "
                  "digits and '-', and unlike the other entries' names (a configuration value "
                  "selects it, and to_string() must read back)");
    static constexpr std::array<policy_info, sizeof...(Entries)> entries{
        policy_info{Entries::name, Entries::description, Entries::keys}...};

    /// The entry called `name`, if any.
    static constexpr const policy_info* find(std::string_view name) noexcept {
        for (const policy_info& e : entries) {
            if (e.name == name) {
                return &e;
            }
        }
        return nullptr;
    }

    /// The policy the options choose, seeded from options.seed when it has a seed() member.
    /// Expects validated options; throws config_error naming Kind::key for an unknown name.
    static variant_type make(const options& o) {
        const std::string_view name = Kind::chosen(o);
        std::optional<variant_type> made;
        (void)((Entries::name == name &&
                (made.emplace(as_alternative<variant_type>(Entries::make(o))), true)) ||
               ...);
        if (!made) {
            throw config_error(Kind::key, name, unknown_choice(name, names));
        }
        if (o.seed) {
            std::visit(
                [s = *o.seed](auto& p) {
                    if constexpr (requires { p.seed(s); }) {
                        p.seed(s);
                    }
                },
                *made);
        }
        return std::move(*made);
    }

    /// describe()'s words for the chosen policy: the entry's summary, else its name.
    static std::string summary(const options& o) {
        const std::string_view name = Kind::chosen(o);
        std::string s(name);
        (void)((Entries::name == name && (s = summary_of<Entries>(o), true)) || ...);
        return s;
    }

private:
    template <class Entry>
    static std::string summary_of(const options& o) {
        if constexpr (requires { Entry::summary(o); }) {
            return Entry::summary(o);
        } else {
            return std::string(Entry::name);
        }
    }
};

template <class Kind, class Default, class... Registries>
struct registry_for_impl {
    using type = Default;
};
template <class Kind, class Default, class R, class... Rest>
struct registry_for_impl<Kind, Default, R, Rest...>
    : std::conditional_t<std::is_same_v<typename R::kind, Kind>, std::type_identity<R>,
                         registry_for_impl<Kind, Default, Rest...>> {};

/// The registry of `Kind` among `Registries` (given in any order), else `Default`.
template <class Kind, class Default, class... Registries>
using registry_for = typename registry_for_impl<Kind, Default, Registries...>::type;

} // namespace detail

} // namespace redial

#endif
