// A registry entry whose name another entry has (or that a configuration string could not carry
// and read back) is refused: the duplicate would silently lose to the first.
#include <redial/config.hpp>

#include <string_view>

struct my_linear {
#ifdef REDIAL_COMPILE_FAIL_FIXED
    static constexpr std::string_view name = "my-linear";
#else
    static constexpr std::string_view name = "linear";
#endif
    static constexpr std::string_view description = "a second linear";
    static constexpr std::string_view keys[] = {"backoff-initial"};
    static redial::constant_backoff make(const redial::options& o) {
        return redial::constant_backoff{o.initial};
    }
};

using registry = redial::builtin_backoffs::with<my_linear>;
static_assert(registry::names.size() == 5);
