// reset() must be noexcept: the machine calls it on paths that must not fail.
#include <redial/core/machine.hpp>

#include <chrono>

struct throwing_reset_backoff {
    std::chrono::nanoseconds next() { return std::chrono::seconds{1}; }
#ifdef REDIAL_COMPILE_FAIL_FIXED
    void reset() noexcept {}
#else
    void reset() {}
#endif
};

redial::basic_reconnect_machine<throwing_reset_backoff> machine;
