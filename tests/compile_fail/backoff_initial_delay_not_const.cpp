// A hook named right but declared wrong is an error, not silently ignored: a non-const
// initial_delay() would otherwise be skipped, and the stability threshold would not follow it.
#include <redial/core/machine.hpp>

#include <chrono>

struct my_backoff {
    std::chrono::nanoseconds next() { return std::chrono::seconds{1}; }
    void reset() noexcept {}
#ifdef REDIAL_COMPILE_FAIL_FIXED
    std::chrono::nanoseconds initial_delay() const { return std::chrono::seconds{1}; }
#else
    std::chrono::nanoseconds initial_delay() { return std::chrono::seconds{1}; }
#endif
};

redial::basic_reconnect_machine<my_backoff> machine;
