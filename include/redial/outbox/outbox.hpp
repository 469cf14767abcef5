#ifndef REDIAL_OUTBOX_OUTBOX_HPP
#define REDIAL_OUTBOX_OUTBOX_HPP

#include <redial/outbox/concept.hpp>
#include <redial/outbox/error.hpp>
#include <redial/outbox/machine.hpp>
#include <redial/outbox/overflow.hpp>

#include <string>

namespace redial {

/// The reconnector's Outbox part: what the application sends goes out in order while
/// connected, waits (within `options`' limits, under `Overflow`) while not, and is written first
/// thing after each connect and setup; each message completes exactly once.
///
///     redial::outbox<redial::overflow::drop_oldest> box{{.max_messages = 1000, .ttl = 30s}};
///     auto r = redial::make_reconnector(ex, transport, redial::with_outbox(box));
///     r.async_send(std::string("hello\n"), [](std::error_code ec) { ... });
///
/// `Message` is what one send owns and the transport writes whole (std::string by default).
template <outbox_overflow Overflow = overflow::reject, outbox_message Message = std::string>
struct outbox {
    using overflow_type = Overflow;
    using message_type = Message;
    template <class Completion>
    using machine = outbox_machine<Overflow, Message, Completion>;

    outbox_options options{};
    [[no_unique_address]] Overflow overflow{};

    /// Throws config_error for options that outbox_options::validate() refuses.
    template <class Completion>
    [[nodiscard]] machine<Completion> make_machine() const {
        return machine<Completion>(options, overflow);
    }
};

static_assert(outbox_policy<outbox<>> && outbox_policy<no_outbox>);

} // namespace redial

#endif
