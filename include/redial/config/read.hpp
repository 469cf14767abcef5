#ifndef REDIAL_CONFIG_READ_HPP
#define REDIAL_CONFIG_READ_HPP

#include <redial/config/backoff_registry.hpp>
#include <redial/config/keys.hpp>
#include <redial/config/options.hpp>
#include <redial/config/stability_registry.hpp>
#include <redial/config/validate.hpp>
#include <redial/detail/environment.hpp>
#include <redial/detail/parse.hpp>
#include <redial/detail/text.hpp>
#include <redial/error.hpp>

#include <cstddef>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Options from the three sources, each validated once at the end with the key names as the
// user wrote them. `Registries` names the backoff and/or stability registry the `backoff` and
// `stability` keys are checked against (validate()); the built-in ones otherwise.
namespace redial {

/// Options from key/value pairs (keys as for apply_option): `preset` first, the rest in order
/// (a later value wins), then validate().
template <class... Registries>
options options_from_pairs(std::span<const std::pair<std::string_view, std::string_view>> pairs) {
    std::vector<detail::entry> entries;
    entries.reserve(pairs.size());
    for (const auto& [key, value] : pairs) {
        entries.push_back(detail::resolve_key(key, value));
    }
    return detail::build<Registries...>(entries, {});
}
template <class... Registries>
options
options_from_pairs(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
    return options_from_pairs<Registries...>(std::span(pairs.begin(), pairs.size()));
}

/// Options from "backoff-initial=250ms,backoff-max=10s". White space around keys and values is
/// ignored; an empty (or blank) string gives the defaults.
template <class... Registries>
options options_from_string(std::string_view text) {
    std::vector<detail::entry> entries;
    if (!detail::trim(text).empty()) {
        std::string_view rest = text;
        while (true) {
            const std::size_t comma = rest.find(',');
            const std::string_view piece = detail::trim(rest.substr(0, comma));
            const std::size_t eq = piece.find('=');
            if (eq == std::string_view::npos) {
                // The likeliest cause after tcp-keepalive: its parts written with commas.
                const bool after_keepalive =
                    !entries.empty() &&
                    entries.back().id == static_cast<std::size_t>(detail::key_id::tcp_keepalive);
                throw config_error("entry", piece,
                                   std::string("expected key=value, e.g. backoff-initial=250ms, "
                                               "separated by commas") +
                                       (after_keepalive ? " (tcp-keepalive's parts are separated "
                                                          "by slashes: 60s/10s/5)"
                                                        : ""));
            }
            entries.push_back(detail::resolve_key(detail::trim(piece.substr(0, eq)),
                                                  detail::trim(piece.substr(eq + 1))));
            if (comma == std::string_view::npos) {
                break;
            }
            rest.remove_prefix(comma + 1);
        }
    }
    return detail::build<Registries...>(entries, {});
}

/// Options from "NAME=VALUE" strings (an environment block). Variables without `prefix` are
/// ignored; every one with it must name a key (REDIAL_BACKOF_MAX is refused, not skipped).
/// Errors name the variable.
template <class... Registries>
options options_from_env(std::span<const std::string_view> variables, std::string_view prefix) {
    if (prefix.empty()) {
        throw config_error("prefix", prefix, "must not be empty");
    }
    std::vector<std::string> known;
    for (const option_key& k : detail::keys) {
        known.push_back(detail::env_variable(prefix, k.name));
    }
    std::vector<detail::entry> entries;
    for (std::string_view var : variables) {
        if (!var.starts_with(prefix)) {
            continue;
        }
        const std::size_t eq = var.find('=');
        const std::string_view name = var.substr(0, eq);
        const std::string_view value =
            eq == std::string_view::npos ? std::string_view{} : var.substr(eq + 1);
        std::size_t i = 0;
        while (i < known.size() && known[i] != name) {
            ++i;
        }
        if (i == known.size()) {
            const std::vector<std::string_view> names(known.begin(), known.end());
            throw config_error(name, value,
                               "unknown variable" + detail::did_you_mean(name, names) +
                                   "; known: " + detail::join(names));
        }
        if (eq == std::string_view::npos) {
            throw config_error(name, value, "expected NAME=VALUE");
        }
        entries.push_back({i, name, value});
    }
    return detail::build<Registries...>(entries, {prefix, true, {}});
}
template <class... Registries>
options options_from_env(std::initializer_list<std::string_view> variables,
                         std::string_view prefix = "REDIAL_") {
    return options_from_env<Registries...>(std::span(variables.begin(), variables.size()), prefix);
}

/// Options from the process environment's variables that start with `prefix`.
template <class... Registries>
options options_from_env(std::string_view prefix = "REDIAL_") {
    const std::vector<std::string_view> variables = detail::environment_with_prefix(prefix);
    return options_from_env<Registries...>(std::span<const std::string_view>(variables), prefix);
}

} // namespace redial

#endif
