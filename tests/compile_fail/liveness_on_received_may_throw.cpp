// on_received runs on every read completion: a policy whose on_received may throw is refused,
// naming the requirement.
#include <redial/liveness/concept.hpp>

struct my_liveness {
    redial::time_point on_connected(redial::time_point now) noexcept { return now; }
#ifdef REDIAL_COMPILE_FAIL_FIXED
    void on_received(redial::time_point) noexcept {}
#else
    void on_received(redial::time_point) {}
#endif
    redial::liveness_decision on_check(redial::time_point) {
        return redial::liveness_decision::dead();
    }
    [[nodiscard]] redial::time_point last_alive() const { return {}; }
};

template <redial::liveness_policy L>
struct uses {};
uses<my_liveness> u;
