// A backoff policy without reset() is rejected, and the error names the missing expression.
#include <redial/core/machine.hpp>

#include <chrono>

struct no_reset_backoff {
    std::chrono::nanoseconds next() { return std::chrono::seconds{1}; }
#ifdef REDIAL_COMPILE_FAIL_FIXED
    void reset() noexcept {}
#endif
};

redial::basic_reconnect_machine<no_reset_backoff> machine;
