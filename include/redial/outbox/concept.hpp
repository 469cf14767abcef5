#ifndef REDIAL_OUTBOX_CONCEPT_HPP
#define REDIAL_OUTBOX_CONCEPT_HPP

#include <redial/time.hpp>

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <system_error>
#include <type_traits>

namespace redial {

/// What happens to a message the connection cut off in the middle of its write (some of its
/// bytes went out, the rest did not). The protocol decides which is right: a framed protocol
/// discards a partial frame and takes the whole one again; a protocol that acts on partial
/// input cannot take a duplicate.
enum class cut_message : std::uint8_t {
    resend, ///< write it again whole, from its start, on the next connection
    lose,   ///< complete it with outbox_errc::lost
};

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
