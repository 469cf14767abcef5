// A backoff policy without next() is rejected, and the error names the missing expression.
#include <redial/core/machine.hpp>

#include <chrono>

struct no_next_backoff {
#ifdef REDIAL_COMPILE_FAIL_FIXED
    std::chrono::nanoseconds next() { return std::chrono::seconds{1}; }
#endif
    void reset() noexcept {}
};

redial::basic_reconnect_machine<no_next_backoff> machine;
