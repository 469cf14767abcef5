// A setup step declared with the wrong signature (here it takes the buffer by value, so the
// bytes it read past its reply would be lost) is refused with both signatures a step may have.
#include <redial/clock/virtual_clock.hpp>
#include <redial/setup/transport.hpp>
#include <redial/transport/scripted.hpp>

using connection = redial::scripted_transport<redial::virtual_clock>::connection;

struct hello {
#ifdef REDIAL_COMPILE_FAIL_FIXED
    void operator()(connection&, redial::setup_buffer&, redial::setup_done done) const { done(); }
#else
    void operator()(connection&, redial::setup_buffer, redial::setup_done done) const { done(); }
#endif
};

using transport = redial::setup_transport<redial::scripted_transport<redial::virtual_clock>, hello>;
static_assert(sizeof(transport) > 0);
