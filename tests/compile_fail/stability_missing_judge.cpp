// A stability policy without judge() is rejected, and the error names the missing expression.
#include <redial/backoff/exponential.hpp>
#include <redial/core/machine.hpp>

struct no_judge_stability {
#ifdef REDIAL_COMPILE_FAIL_FIXED
    redial::verdict judge(const redial::session_end&) { return redial::verdict::stable; }
#endif
    void reset() noexcept {}
};

redial::basic_reconnect_machine<redial::exponential_backoff, no_judge_stability> machine;
