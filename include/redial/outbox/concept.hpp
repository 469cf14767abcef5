#ifndef REDIAL_OUTBOX_CONCEPT_HPP
#define REDIAL_OUTBOX_CONCEPT_HPP

#include <redial/time.hpp>

#include <chrono>
#include <concepts>
#include <cstddef>
#include <optional>
#include <system_error>
#include <type_traits>

namespace redial {

/// Per message: a time-to-live that replaces the outbox's (zero or less: it expires at once).
struct send_options {
    std::optional<std::chrono::nanoseconds> ttl{};
};

/// How a message ended: `code` empty when written, otherwise an outbox_errc.
struct outbox_outcome {
    std::error_code code;
    std::size_t bytes;  ///< the message's size
    time_point sent_at; ///< when it was handed to the outbox
};

/// One piece of a gathered write: bytes of one message.
struct outbox_buffer {
    const void* data;
    std::size_t size;
};

/// The default: no outbox. The reconnector has no async_send and spends nothing on one; the
/// session writes to its connection itself.
struct no_outbox {
    static constexpr bool disabled = true;
};

template <class O>
concept disabled_outbox = requires { requires O::disabled; };

/// What the reconnector takes as its Outbox part: no_outbox, or a policy such as
/// redial::outbox<Overflow, Message> (outbox/outbox.hpp) that names the machine to run for a
/// completion type and builds it.
template <class O>
concept outbox_policy = std::move_constructible<O> && (disabled_outbox<O> || requires(const O& o) {
                            typename O::message_type;
                            typename O::template machine<void (*)()>;
                            {
                                o.template make_machine<void (*)()>()
                            } -> std::same_as<typename O::template machine<void (*)()>>;
                        });

} // namespace redial

#endif
