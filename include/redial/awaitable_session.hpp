#ifndef REDIAL_AWAITABLE_SESSION_HPP
#define REDIAL_AWAITABLE_SESSION_HPP

// awaitable_session lives in the session layer; this name keeps working.
#include <redial/session/awaitable.hpp>

#endif
