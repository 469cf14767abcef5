#ifndef REDIAL_TRANSPORT_TLS_HPP
#define REDIAL_TRANSPORT_TLS_HPP

// TLS over asio::ssl (OpenSSL): link OpenSSL::SSL. Only this header includes OpenSSL.

#include <redial/clock/concept.hpp>
#include <redial/clock/steady_clock.hpp>
#include <redial/detail/deadline.hpp>
#include <redial/detail/saturate.hpp>
#include <redial/error.hpp>
#include <redial/time.hpp>
#include <redial/transport/concept.hpp>
#include <redial/transport/socket_options.hpp>
#include <redial/transport/tcp.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/associated_allocator.hpp>
#include <asio/associated_cancellation_slot.hpp>
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/bind_executor.hpp>
#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/stream.hpp>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

namespace redial {

/// Why a peer certificate was refused, as OpenSSL says it ("self-signed certificate",
/// "hostname mismatch", "certificate has expired"): the error a TLS connect fails with.
inline const std::error_category& tls_verify_category() noexcept {
    struct category final : std::error_category {
        const char* name() const noexcept override { return "tls-verify"; }
        std::string message(int ev) const override {
            return std::string("certificate verify failed: ") + X509_verify_cert_error_string(ev);
        }
    };
    static const category c;
    return c;
}

/// Settings of a TLS transport. Verification is on by default: the peer's certificate must
/// chain to a trusted CA (`ca_file`, else the system's store) and name the host.
struct tls_options {
    std::optional<std::string> ca_file{}; ///< PEM file of trusted CAs; unset: the system's store
    bool verify = true;                   ///< turn off only for tests against throwaway servers
    std::optional<std::string> sni{};     ///< server name sent and verified; unset: the host
    std::chrono::nanoseconds connect_timeout = detail::default_connect_timeout; ///< TCP + handshake
    socket_options socket{}; ///< set on every attempt's TCP socket before it connects
    /// Run on every attempt's TCP socket after `socket`, before the connect, as
    /// tcp_options::prepare is; empty: none.
    socket_prepare prepare{};
};

/// A TLS stream the reconnector can close.
class tls_connection {
public:
    using stream_type = asio::ssl::stream<asio::ip::tcp::socket>;
    using executor_type = asio::any_io_executor; // an AsyncReadStream / AsyncWriteStream

    tls_connection() = default;
    explicit tls_connection(std::unique_ptr<stream_type> s) : stream_(std::move(s)) {}
    tls_connection(tls_connection&&) noexcept = default;
    tls_connection& operator=(tls_connection&& other) noexcept {
        if (this != &other) {
            release();
            stream_ = std::move(other.stream_);
        }
        return *this;
    }
    ~tls_connection() { release(); }

    template <class Buffers, class Token>
    auto async_read_some(const Buffers& b, Token&& token) {
        return asio::async_initiate<Token, void(std::error_code, std::size_t)>(
            [](auto handler, const std::shared_ptr<stream_type>& s, const Buffers& buffers) {
                s->async_read_some(buffers, keep_alive<decltype(handler)>{std::move(handler), s});
            },
            token, stream_, b);
    }
    template <class Buffers, class Token>
    auto async_write_some(const Buffers& b, Token&& token) {
        return asio::async_initiate<Token, void(std::error_code, std::size_t)>(
            [](auto handler, const std::shared_ptr<stream_type>& s, const Buffers& buffers) {
                s->async_write_some(buffers, keep_alive<decltype(handler)>{std::move(handler), s});
            },
            token, stream_, b);
    }
    /// Closes the socket (no TLS shutdown: the session is being abandoned).
    void close() {
        if (stream_) {
            std::error_code ignored;
            stream_->lowest_layer().close(ignored);
        }
    }
    [[nodiscard]] bool is_open() const { return stream_ && stream_->lowest_layer().is_open(); }
    [[nodiscard]] stream_type& stream() { return *stream_; }
    [[nodiscard]] executor_type get_executor() { return stream_->get_executor(); }

private:
    // An ssl::stream's composed operations use its internal state until their last step has
    // run, and a cancelled read may still start a step after the socket is closed. So every
    // operation owns a reference to the stream, released with its handler, and the connection
    // only closes the socket and drops its own reference. (Destroying the stream from a handler
    // posted behind the cancelled completions was not enough: ASan caught a step queued later.)
    template <class Handler>
    struct keep_alive {
        Handler handler;
        std::shared_ptr<stream_type> stream;

        using executor_type = asio::associated_executor_t<Handler, stream_type::executor_type>;
        executor_type get_executor() const noexcept {
            return asio::get_associated_executor(handler, stream->get_executor());
        }
        using allocator_type = asio::associated_allocator_t<Handler>;
        allocator_type get_allocator() const noexcept {
            return asio::get_associated_allocator(handler);
        }
        using cancellation_slot_type = asio::associated_cancellation_slot_t<Handler>;
        cancellation_slot_type get_cancellation_slot() const noexcept {
            return asio::get_associated_cancellation_slot(handler);
        }
        void operator()(std::error_code ec, std::size_t n) {
            auto hold = std::move(stream); // alive until the handler has returned
            std::move(handler)(ec, n);
        }
    };

    void release() noexcept {
        if (stream_) {
            std::error_code ignored;
            stream_->lowest_layer().close(ignored);
            stream_.reset();
        }
    }

    std::shared_ptr<stream_type> stream_;
};

/// TLS over TCP: basic_tcp_transport's connect (resolve, every endpoint), then a client
/// handshake with SNI, peer verification and host name verification, all within the connect
/// timeout, measured on `Clock` (virtual time under virtual_clock); the socket options and the
/// prepare hook apply to the TCP socket underneath. A verification failure is a
/// connect error whose message says why (tls_verify_category). `tls_transport` is the
/// production one, on steady_clock.
template <clock_source Clock = steady_clock>
class basic_tls_transport {
public:
    using connection = tls_connection;

    /// Throws config_error naming `tls ca-file` when the CA file cannot be loaded, and the
    /// config_errors of basic_tcp_transport's host, port, timeout and socket options. `clock`:
    /// the connect timeout's (default-constructed for steady_clock; a virtual_clock must be
    /// given).
    basic_tls_transport(asio::any_io_executor ex, const std::string& host, std::string port,
                        tls_options options = {}, Clock clock = Clock{})
        : tcp_(ex, host, std::move(port),
               tcp_options{options.connect_timeout, options.socket, std::move(options.prepare)},
               clock),
          shared_(std::make_shared<shared>(
              shared{std::move(ex),
                     options.sni.value_or(host),
                     std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client),
                     options.connect_timeout,
                     options.verify,
                     std::move(clock),
                     {}})) {
        std::error_code ec;
        if (options.ca_file) {
            shared_->context->load_verify_file(*options.ca_file, ec);
            if (ec) {
                throw config_error("tls ca-file", *options.ca_file,
                                   "cannot be loaded: " + ec.message());
            }
        } else {
            shared_->context->set_default_verify_paths(ec);
        }
        shared_->context->set_verify_mode(options.verify ? asio::ssl::verify_peer
                                                         : asio::ssl::verify_none);
    }

    template <class Token>
    auto async_connect(Token&& token) {
        return asio::async_initiate<Token, void(std::error_code, connection)>(
            [this](auto handler) { this->start(std::move(handler)); }, token);
    }
    /// Aborts the connect or the handshake in progress.
    void cancel() {
        ++shared_->cancels;
        tcp_.cancel();
        if (auto op = shared_->handshaking.lock()) {
            std::error_code ignored;
            op->stream.lowest_layer().close(ignored);
        }
    }

    /// The clock the connect timeout runs on.
    [[nodiscard]] const Clock& clock() const noexcept { return tcp_.clock(); }
    /// The limit on one attempt (TCP and handshake), as validated by the constructor.
    [[nodiscard]] std::chrono::nanoseconds connect_timeout() const noexcept {
        return tcp_.connect_timeout();
    }
    /// The executor attempts run on when the handler has none of its own.
    [[nodiscard]] asio::any_io_executor get_executor() const noexcept {
        return tcp_.get_executor();
    }

private:
    using stream_type = tls_connection::stream_type;

    // One handshake: the stream and what is left of the connect timeout.
    struct handshake_op {
        handshake_op(asio::ip::tcp::socket socket, asio::ssl::context& context, const Clock& clock)
            : stream(std::move(socket), context), limit(clock, stream.get_executor()) {}
        stream_type stream;
        detail::deadline<Clock> limit;
    };

    // What the handshake needs, owned by its completions, so a transport destroyed mid-connect
    // leaves nothing dangling.
    struct shared {
        asio::any_io_executor ex;
        std::string server_name;
        std::shared_ptr<asio::ssl::context> context;
        std::chrono::nanoseconds timeout;
        bool verify;
        Clock clock;
        std::weak_ptr<handshake_op> handshaking;
        std::uint64_t cancels = 0; // a cancel between the TCP connect and the handshake ends it
    };

    template <class Handler>
    void start(Handler handler) {
        // The TCP connect has its own timeout; the handshake gets what is left of it.
        const time_point started = shared_->clock.now();
        // The TCP attempt, and so the handshake and the connection, on the handler's executor
        // (a reconnector's strand).
        const asio::any_io_executor ex = asio::get_associated_executor(handler, shared_->ex);
        tcp_.async_connect(asio::bind_executor(
            ex, [state = shared_, started, cancels = shared_->cancels,
                 h = std::move(handler)](std::error_code ec, asio::ip::tcp::socket socket) mutable {
                if (!ec && cancels != state->cancels) {
                    // Cancelled after the TCP connect completed, before this ran: no
                    // handshake to close yet, so it is refused here.
                    ec = asio::error::operation_aborted;
                }
                if (ec) {
                    std::move(h)(ec, connection{});
                    return;
                }
                handshake(state, std::move(socket), started, std::move(h));
            }));
    }

    template <class Handler>
    static void handshake(const std::shared_ptr<shared>& state, asio::ip::tcp::socket socket,
                          time_point started, Handler h) {
        auto op = std::make_shared<handshake_op>(std::move(socket), *state->context, state->clock);
        SSL* ssl = op->stream.native_handle();
        std::error_code not_ip;
        (void)asio::ip::make_address(state->server_name, not_ip);
        if (not_ip) { // a DNS name: sent as SNI (RFC 6066 forbids IP literals there)
            SSL_set_tlsext_host_name(ssl, state->server_name.c_str());
        }
        if (state->verify) {
            // OpenSSL's own check, so a mismatch reads "hostname mismatch" in the error.
            if (not_ip) {
                SSL_set1_host(ssl, state->server_name.c_str());
            } else {
                X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), state->server_name.c_str());
            }
        }
        state->handshaking = op;
        const std::uint64_t cancels = state->cancels;
        op->limit.arm(detail::sat_add(started, state->timeout), std::weak_ptr<handshake_op>(op),
                      [](handshake_op& o) {
                          std::error_code ignored;
                          o.stream.lowest_layer().close(ignored); // fails the handshake
                      });
        handshake_op& o = *op;
        o.stream.async_handshake(
            asio::ssl::stream_base::client,
            [op = std::move(op), state, cancels, h = std::move(h)](std::error_code ec) mutable {
                op->limit.cancel();
                if (cancels != state->cancels) {
                    // cancel() closed the socket: whatever the handshake then saw (a bad
                    // descriptor, or even success on a closed stream), the attempt was aborted.
                    ec = asio::error::operation_aborted;
                } else if (op->limit.expired()) {
                    ec = asio::error::timed_out;
                } else if (ec && state->verify) {
                    // Say why verification failed, not just that the handshake did. Only when
                    // verifying: otherwise the result is about a check nobody asked for, and
                    // the handshake's own error (a server's alert) is the reason.
                    const long verify = SSL_get_verify_result(op->stream.native_handle());
                    if (verify != X509_V_OK) {
                        ec = std::error_code(static_cast<int>(verify), tls_verify_category());
                    }
                }
                if (ec) {
                    std::move(h)(ec, connection{});
                    return;
                }
                std::move(h)(ec, connection{std::make_unique<stream_type>(std::move(op->stream))});
            });
    }

    basic_tcp_transport<Clock> tcp_;
    std::shared_ptr<shared> shared_;
};

/// TLS on steady_clock: production time.
using tls_transport = basic_tls_transport<steady_clock>;

static_assert(transport<tls_transport>);

} // namespace redial

#endif
