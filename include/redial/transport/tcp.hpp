#ifndef REDIAL_TRANSPORT_TCP_HPP
#define REDIAL_TRANSPORT_TCP_HPP

#include <redial/clock/concept.hpp>
#include <redial/clock/steady_clock.hpp>
#include <redial/detail/check.hpp>
#include <redial/detail/connect_op.hpp>
#include <redial/transport/concept.hpp>
#include <redial/transport/socket_options.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/error.hpp>
#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/socket_base.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace redial {

/// A hook the tcp and tls transports run on every attempt's socket, once per endpoint tried:
/// after the socket is opened for the endpoint's protocol and given the socket_options, before
/// the connect. For what socket_options does not cover: TCP_NODELAY, SO_BINDTODEVICE, SO_MARK,
/// a bind to a source address. It runs on the attempt's executor (or inside async_connect, for
/// an IP address with a numeric port). A returned error fails that endpoint as a refused
/// connect would: the next endpoint is tried, and the last endpoint's error is the attempt's.
/// So does a thrown std::system_error (its code: asio's throwing set_option and bind report the
/// errno that way); any other exception is transport_errc::prepare_threw. Nothing escapes into
/// the event loop.
using socket_prepare =
    std::function<std::error_code(asio::ip::tcp::socket&, const asio::ip::tcp::endpoint&)>;

/// Settings of a TCP transport beyond the host and port.
struct tcp_options {
    std::chrono::nanoseconds connect_timeout =
        detail::default_connect_timeout; ///< resolve + connect
    socket_options socket{};             ///< set on every attempt's socket before it connects
    socket_prepare prepare{}; ///< run on every attempt's socket after `socket`; empty: none
};

/// Errors of the tcp and tls transports' own making (category "redial.transport").
enum class transport_errc {
    /// The socket_prepare hook threw something other than a std::system_error; the exception
    /// itself is not kept (an error_code holds no text).
    prepare_threw = 1,
};

namespace detail {
class transport_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "redial.transport"; }
    std::string message(int ev) const override {
        return ev == static_cast<int>(transport_errc::prepare_threw)
                   ? "the socket prepare hook threw an exception"
                   : "unknown redial.transport error";
    }
};
} // namespace detail

inline const std::error_category& transport_category() noexcept {
    static const detail::transport_category_impl category;
    return category;
}
inline std::error_code make_error_code(transport_errc e) noexcept {
    return {static_cast<int>(e), transport_category()};
}

} // namespace redial

template <>
struct std::is_error_code_enum<redial::transport_errc> : std::true_type {};

namespace redial {

namespace detail {

/// tcp_options::prepare as a transport and its attempts share it: one reference-counted
/// pointer, so an attempt copies no std::function (steady attempts allocate nothing) and may
/// outlive its transport. 8 bytes where a shared_ptr takes 16: the transport stays at its size
/// (performance.md's memory per reconnector) and the attempt in its block_cache size class.
class shared_prepare {
public:
    shared_prepare() noexcept = default;
    explicit shared_prepare(socket_prepare f) : box_(f ? new box{{1}, std::move(f)} : nullptr) {}
    shared_prepare(const shared_prepare& other) noexcept : box_(other.box_) {
        if (box_ != nullptr) {
            box_->refs.fetch_add(1, std::memory_order_relaxed);
        }
    }
    shared_prepare(shared_prepare&& other) noexcept : box_(std::exchange(other.box_, nullptr)) {}
    shared_prepare& operator=(shared_prepare other) noexcept {
        std::swap(box_, other.box_);
        return *this;
    }
    ~shared_prepare() {
        if (box_ != nullptr && box_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            delete box_;
        }
    }

    /// Runs the hook, if any: its error, a thrown system_error's code, or prepare_threw.
    std::error_code operator()(asio::ip::tcp::socket& s,
                               const asio::ip::tcp::endpoint& endpoint) const noexcept {
        if (box_ == nullptr) {
            return {};
        }
        try {
            return box_->fn(s, endpoint);
        } catch (const std::system_error& e) {
            return e.code() ? e.code() : make_error_code(transport_errc::prepare_threw);
        } catch (...) {
            return transport_errc::prepare_threw;
        }
    }

private:
    struct box {
        std::atomic<std::size_t> refs;
        socket_prepare fn;
    };
    box* box_ = nullptr;
};

// An int socket option asio has no name for (TCP_KEEPIDLE and the rest), as asio's
// SettableSocketOption.
template <int Level, int Name>
struct int_socket_option {
    int value;
    template <class Protocol>
    [[nodiscard]] int level(const Protocol&) const noexcept {
        return Level;
    }
    template <class Protocol>
    [[nodiscard]] int name(const Protocol&) const noexcept {
        return Name;
    }
    template <class Protocol>
    [[nodiscard]] const int* data(const Protocol&) const noexcept {
        return &value;
    }
    template <class Protocol>
    [[nodiscard]] std::size_t size(const Protocol&) const noexcept {
        return sizeof value;
    }
};

/// socket_options as a transport and each attempt keep them: 12 bytes instead of 40 (a
/// connected reconnector's heap stays within its budget, performance.md). Only validated
/// options are packed, so every value fits its field.
struct packed_socket_options {
    std::int32_t user_timeout_ms = 0;     // 0: not set
    std::uint16_t keepalive_idle = 0;     // 0: no keepalive
    std::uint16_t keepalive_interval = 0; // seconds
    std::uint8_t keepalive_count = 0;

    static packed_socket_options pack(const socket_options& o) noexcept {
        packed_socket_options p;
        p.user_timeout_ms = static_cast<std::int32_t>(o.user_timeout.count());
        if (o.keepalive) {
            p.keepalive_idle = static_cast<std::uint16_t>(o.keepalive->idle.count());
            p.keepalive_interval = static_cast<std::uint16_t>(o.keepalive->interval.count());
            p.keepalive_count = static_cast<std::uint8_t>(o.keepalive->count);
        }
        return p;
    }
};

/// Sets `o` on an open socket (nothing for the defaults); the first failure's error.
inline std::error_code apply_socket_options(asio::ip::tcp::socket& s,
                                            const packed_socket_options& o) {
    std::error_code ec;
    if (o.keepalive_idle != 0) {
        s.set_option(asio::socket_base::keep_alive(true), ec);
#if defined(TCP_KEEPIDLE)
        constexpr int idle_name = TCP_KEEPIDLE;
#else
        constexpr int idle_name = TCP_KEEPALIVE; // macOS's name for it
#endif
        if (!ec) {
            s.set_option(int_socket_option<IPPROTO_TCP, idle_name>{o.keepalive_idle}, ec);
        }
        if (!ec) {
            s.set_option(int_socket_option<IPPROTO_TCP, TCP_KEEPINTVL>{o.keepalive_interval}, ec);
        }
        if (!ec) {
            s.set_option(int_socket_option<IPPROTO_TCP, TCP_KEEPCNT>{o.keepalive_count}, ec);
        }
    }
    if (!ec && o.user_timeout_ms != 0) {
#if defined(TCP_USER_TIMEOUT)
        s.set_option(int_socket_option<IPPROTO_TCP, TCP_USER_TIMEOUT>{o.user_timeout_ms}, ec);
#else
        ec = asio::error::operation_not_supported;
#endif
    }
    return ec;
}

/// A TCP attempt: connect_op plus the resolver, the endpoints it found and the options and
/// hook each socket gets (a copy and a shared reference: the attempt may outlive its
/// transport).
template <class Clock>
struct tcp_connect_op : connect_op<asio::ip::tcp::socket, Clock> {
    using connect_op<asio::ip::tcp::socket, Clock>::connect_op;
    packed_socket_options options;
    shared_prepare prepare;
    std::optional<asio::ip::tcp::resolver> resolver;
    asio::ip::tcp::resolver::results_type endpoints; // resolved: tried in order
    asio::ip::tcp::resolver::results_type::const_iterator next;

    /// Cancel and timeout stop the resolve too (its completion then finds the op done).
    void abort(std::error_code ec) {
        if (!this->done && resolver) {
            resolver->cancel();
        }
        connect_op<asio::ip::tcp::socket, Clock>::abort(ec);
    }
};

// A fresh socket of the endpoint's protocol for each try, opened here rather than by
// async_connect so the options are in place before the SYN: TCP_USER_TIMEOUT bounds the
// handshake too, and a bind by the hook chooses the source address.
template <class Clock>
std::error_code tcp_open(tcp_connect_op<Clock>& o, const asio::ip::tcp::endpoint& endpoint) {
    std::error_code ec;
    o.socket.close(ec);
    ec.clear(); // closing a socket that was never opened is no failure
    o.socket.open(endpoint.protocol(), ec);
    if (!ec) {
        ec = apply_socket_options(o.socket, o.options);
    }
    return ec ? ec : o.prepare(o.socket, endpoint);
}

// One connect path for both kinds of host: an IP literal's endpoint, or the resolved ones
// in order (each failure tries the next; the last one's error is the attempt's). Outside the
// transport so a test can run it over endpoints of its own (this machine's names resolve to
// one address).
template <class Clock>
void tcp_connect(std::shared_ptr<tcp_connect_op<Clock>> op, asio::ip::tcp::endpoint endpoint) {
    std::error_code failed = tcp_open(*op, endpoint);
    while (failed) { // no socket to connect: this endpoint failed, as a refused one would
        if (op->done || op->next == op->endpoints.end()) {
            op->finish(failed); // posts the handler: safe inside the initiating call too
            return;             // (nothing if the hook cancelled the attempt)
        }
        endpoint = *op->next++;
        failed = tcp_open(*op, endpoint);
    }
    if (op->done) {
        return; // the hook cancelled the attempt: finished already
    }
    tcp_connect_op<Clock>& o = *op;
    o.socket.async_connect(
        endpoint, tcp_connect_op<Clock>::cached([op = std::move(op)](std::error_code ec) mutable {
            if (op->done) {
                return; // timed out or cancelled: finished already
            }
            if (ec && op->next != op->endpoints.end()) {
                const asio::ip::tcp::endpoint following = *op->next++;
                tcp_connect(std::move(op), following);
                return;
            }
            op->finish(ec);
        }));
}

} // namespace detail

/// TCP: resolves the host on every attempt (addresses change), tries every endpoint in order,
/// and fails with asio::error::timed_out when resolve plus connect exceed the connect timeout,
/// measured on `Clock` (virtual time under virtual_clock). Each endpoint's socket is opened,
/// given the socket_options (keepalive, TCP_USER_TIMEOUT) and passed to the prepare hook
/// before it connects; failing to set one, or the hook's error, is that endpoint's error, like
/// a refused connect. The connection is an asio::ip::tcp::socket. `tcp_transport` is the production
/// one, on steady_clock.
template <clock_source Clock = steady_clock>
class basic_tcp_transport : public detail::connect_transport<basic_tcp_transport<Clock>,
                                                             detail::tcp_connect_op<Clock>, Clock> {
    using op_type = detail::tcp_connect_op<Clock>;
    using base = detail::connect_transport<basic_tcp_transport, op_type, Clock>;
    friend base;

public:
    using connection = asio::ip::tcp::socket;

    /// Throws config_error (a std::invalid_argument) naming the key and the value for an
    /// empty host (key `tcp host`), a host that is neither an IP address nor a possible DNS name
    /// (over 253 characters, a label empty or over 63, a colon, space or control character:
    /// no lookup could ever find it), an empty port or a numeric one outside 1-65535 (`tcp port`;
    /// other ports are service names, resolved per attempt), or a timeout that is not positive
    /// (`connect-timeout`). `clock`: the connect timeout's (default-constructed for
    /// steady_clock; a virtual_clock must be given).
    basic_tcp_transport(asio::any_io_executor ex, std::string host, std::string port,
                        std::chrono::nanoseconds connect_timeout = std::chrono::seconds{10},
                        Clock clock = Clock{})
        : basic_tcp_transport(std::move(ex), std::move(host), std::move(port),
                              tcp_options{connect_timeout, {}, {}}, std::move(clock)) {}

    /// With socket options too: throws the config_errors above, and validate_socket_options'
    /// (`tcp-keepalive`, `tcp-user-timeout`) for values Linux would refuse or clamp.
    basic_tcp_transport(asio::any_io_executor ex, std::string host, std::string port,
                        tcp_options options, Clock clock = Clock{})
        : base(std::move(ex), detail::require_positive("connect-timeout", options.connect_timeout),
               std::move(clock)),
          host_(std::move(host)), port_(std::move(port)), prepare_(std::move(options.prepare)) {
        if (host_.empty()) {
            throw config_error("tcp host", host_, "must not be empty");
        }
        if (port_.empty()) {
            throw config_error("tcp port", port_, "must not be empty");
        }
        // The resolver reads a port with strtoul and keeps 16 bits ("+70000" is port 4464), so
        // anything strtoul would read as a number must be digits only and in range.
        const bool digits = port_.find_first_not_of("0123456789") == std::string::npos;
        const char first = port_.front();
        if (first == '+' || first == '-' || std::isspace(static_cast<unsigned char>(first)) != 0) {
            throw config_error("tcp port", port_, "must be 1 to 65535 or a service name");
        }
        char* end = nullptr;
        const unsigned long port_number = std::strtoul(port_.c_str(), &end, 10); // saturates
        if (digits && (port_number == 0 || port_number > 65535)) {
            throw config_error("tcp port", port_, "must be 1 to 65535 or a service name");
        }
        std::error_code not_ip;
        const asio::ip::address address = asio::ip::make_address(host_, not_ip);
        if (not_ip) {
            check_host_name(host_);
        }
        if (!not_ip && digits) {
            numeric_ = asio::ip::tcp::endpoint(address, static_cast<unsigned short>(port_number));
        }
        validate_socket_options(options.socket);
        socket_ = detail::packed_socket_options::pack(options.socket);
    }

    [[nodiscard]] const std::string& host() const noexcept { return host_; }
    [[nodiscard]] const std::string& port() const noexcept { return port_; }

private:
    // RFC 1035's limits, as resolvers apply them: 253 characters (one trailing dot aside),
    // labels of 1 to 63.
    static void check_host_name(std::string_view host) {
        const auto refuse = [&](std::string_view why) {
            throw config_error("tcp host", host, why);
        };
        for (const char ch : host) {
            const auto c = static_cast<unsigned char>(ch);
            if (c <= 0x20 || c == 0x7F || c == ':') {
                refuse(c == ':' ? "is not an IP address, and a host name has no colon (an IPv6 "
                                  "address goes without brackets; host and port are separate)"
                                : "contains a space or control character");
            }
        }
        std::string_view name = host;
        if (name.size() > 1 && name.back() == '.') {
            name.remove_suffix(1); // the root: "example.com." is fully qualified
        }
        if (name.size() > 253) {
            refuse("is longer than the 253 characters a DNS name may have");
        }
        while (true) {
            const std::size_t dot = name.find('.');
            const std::string_view label = name.substr(0, dot);
            if (label.empty()) {
                refuse("has an empty label");
            }
            if (label.size() > 63) {
                refuse("has a label longer than the 63 characters DNS allows");
            }
            if (dot == std::string_view::npos) {
                return;
            }
            name.remove_prefix(dot + 1);
        }
    }

    // The rest of an attempt does not depend on the handler (begin() erased it): compiled once
    // per clock.
    void launch(std::shared_ptr<op_type> op, const asio::any_io_executor& ex) {
        op->options = socket_;
        op->prepare = prepare_;     // a reference count
        if (numeric_.port() != 0) { // an IP literal: no resolver, no trip through its thread
            detail::tcp_connect(std::move(op), numeric_);
            return;
        }
        // The resolver lives only as long as the attempt: nothing idle per transport.
        op->resolver.emplace(ex).async_resolve(
            host_, port_,
            op_type::cached([op](std::error_code ec,
                                 const asio::ip::tcp::resolver::results_type& endpoints) mutable {
                if (op->done) {
                    return;
                }
                if (ec) {
                    op->finish(ec);
                    return;
                }
                if (endpoints.empty()) {
                    op->finish(asio::error::not_found); // as asio::async_connect reports it
                    return;
                }
                op->endpoints = endpoints; // shares the results: a reference count
                op->next = op->endpoints.begin();
                const asio::ip::tcp::endpoint first = *op->next++;
                detail::tcp_connect(std::move(op), first);
            }));
    }

    std::string host_;
    std::string port_;
    // Host and port as numbers, if they are (port 0 if not: a numeric port is 1-65535). Not an
    // optional: its flag would cost the 8 bytes prepare_ fits in.
    asio::ip::tcp::endpoint numeric_;
    detail::packed_socket_options socket_;
    detail::shared_prepare prepare_;
};

/// TCP on steady_clock: production time.
using tcp_transport = basic_tcp_transport<steady_clock>;

static_assert(transport<tcp_transport>);

} // namespace redial

#endif
