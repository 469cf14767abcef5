// A terminal-error classifier must be callable with the machine's error type.
#include <redial/core/machine.hpp>

#include <system_error>

struct string_classifier {
#ifdef REDIAL_COMPILE_FAIL_FIXED
    bool operator()(const std::error_code& e) const { return e == std::errc::permission_denied; }
#else
    bool operator()(const char* text) const { return text != nullptr; }
#endif
};

redial::basic_reconnect_machine<redial::exponential_backoff, redial::uptime_threshold,
                                std::error_code, string_classifier>
    machine;
