// judge() must return redial::verdict, not a bool that could be read either way.
#include <redial/backoff/exponential.hpp>
#include <redial/core/machine.hpp>

struct bool_judge_stability {
#ifdef REDIAL_COMPILE_FAIL_FIXED
    redial::verdict judge(const redial::session_end&) { return redial::verdict::stable; }
#else
    bool judge(const redial::session_end&) { return true; }
#endif
    void reset() noexcept {}
};

redial::basic_reconnect_machine<redial::exponential_backoff, bool_judge_stability> machine;
