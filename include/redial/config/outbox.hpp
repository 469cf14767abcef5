#ifndef REDIAL_CONFIG_OUTBOX_HPP
#define REDIAL_CONFIG_OUTBOX_HPP

#include <redial/config/options.hpp>
#include <redial/outbox/outbox.hpp>
#include <redial/outbox/overflow.hpp>

#include <string>

namespace redial {

/// The outbox the options describe (queue-messages, queue-bytes, queue-overflow, queue-ttl,
/// queue-cut), its overflow policy chosen at run time; `Message` is what one send owns. Throws
/// config_error for limits validate() would refuse.
template <outbox_message Message = std::string>
outbox<overflow::configured, Message> make_outbox(const options& o) {
    outbox<overflow::configured, Message> box{{.max_messages = o.queue_messages,
                                               .max_bytes = o.queue_bytes,
                                               .ttl = o.queue_ttl,
                                               .cut = o.queue_cut},
                                              overflow::configured(o.queue_overflow)};
    box.options.validate();
    return box;
}

} // namespace redial

#endif
