// A backoff policy's max_delay() that is not const is refused by name (the jitter decorator
// would otherwise lose the cap in silence).
#include <redial/core/machine.hpp>

#include <chrono>

struct my_backoff {
    std::chrono::nanoseconds next() { return std::chrono::seconds{1}; }
    void reset() noexcept {}
#ifdef REDIAL_COMPILE_FAIL_FIXED
    std::chrono::nanoseconds max_delay() const { return std::chrono::seconds{1}; }
#else
    std::chrono::nanoseconds max_delay() { return std::chrono::seconds{1}; }
#endif
};

redial::basic_reconnect_machine<my_backoff> machine;
