// A loopback TCP server that restarts gracefully, for the outbox's loopback tests: it stops
// listening, shuts down its sending side of each connection and reads what the client sent
// until the client closes, so nothing a client wrote is lost; then it listens again on the
// same port.
#ifndef REDIAL_TEST_RESTARTABLE_SERVER_HPP
#define REDIAL_TEST_RESTARTABLE_SERVER_HPP

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace redial::test {

using asio::ip::tcp;

// One port for the server's life: a socket bound to it but never listening holds it (a connect to
// it is refused), and the listener binds beside it (SO_REUSEADDR on both) each time it starts,
// so that no other process can take the port between restarts.
class restartable_server {
public:
    explicit restartable_server(asio::io_context& io) : io_(io), hold_(io) {
        hold_.open(tcp::v4());
        hold_.set_option(asio::socket_base::reuse_address(true));
        hold_.bind({asio::ip::address_v4::loopback(), 0});
        port_ = hold_.local_endpoint().port();
    }

    [[nodiscard]] unsigned short port() const { return port_; }

    void start() {
        ++generation_;
        acceptor_.emplace(io_);
        acceptor_->open(tcp::v4());
        acceptor_->set_option(asio::socket_base::reuse_address(true));
        acceptor_->bind({asio::ip::address_v4::loopback(), port_});
        acceptor_->listen();
        accept();
    }

    // Stops listening (a connect is refused from now on) and ends each open connection from this
    // side only: what the client wrote before it saw the end is still read.
    void stop() {
        ++generation_;
        acceptor_.reset();
        for (const auto& c : connections_) {
            std::error_code ignored;
            c->socket.shutdown(tcp::socket::shutdown_send, ignored);
        }
    }

    // Everything closed: the io_context can run out of work.
    void close() {
        stop();
        for (const auto& c : connections_) {
            std::error_code ignored;
            c->socket.close(ignored);
        }
        hold_.close();
    }

    [[nodiscard]] std::string received() const {
        std::string all;
        for (const auto& c : connections_) {
            all += c->data;
        }
        return all;
    }
    [[nodiscard]] std::size_t connections() const { return connections_.size(); }
    // What connection `i` (in accept order) received.
    [[nodiscard]] const std::string& received(std::size_t i) const {
        return connections_.at(i)->data;
    }

    std::function<void()> on_accept; // after each accept
    std::function<void()> on_data;   // after each read that brought bytes

private:
    struct connection {
        explicit connection(tcp::socket s) : socket(std::move(s)) {}
        tcp::socket socket;
        std::string data;
        std::array<char, 4096> buffer{};
    };

    void accept() {
        acceptor_->async_accept([this, g = generation_](std::error_code ec, tcp::socket s) {
            if (ec) {
                return;
            }
            auto c = std::make_shared<connection>(std::move(s));
            connections_.push_back(c);
            read(c);
            if (on_accept) {
                on_accept();
            }
            if (g == generation_ && acceptor_) {
                accept();
            } else { // accepted just before stop(): ended like the others
                std::error_code ignored;
                c->socket.shutdown(tcp::socket::shutdown_send, ignored);
            }
        });
    }

    void read(const std::shared_ptr<connection>& c) {
        c->socket.async_read_some(asio::buffer(c->buffer),
                                  [this, c](std::error_code ec, std::size_t n) {
                                      c->data.append(c->buffer.data(), n);
                                      if (ec) {
                                          std::error_code ignored;
                                          c->socket.close(ignored);
                                          return;
                                      }
                                      if (on_data) {
                                          on_data();
                                      }
                                      read(c);
                                  });
    }

    asio::io_context& io_;
    tcp::socket hold_;
    std::optional<tcp::acceptor> acceptor_;
    std::vector<std::shared_ptr<connection>> connections_;
    unsigned short port_ = 0;
    unsigned generation_ = 0;
};

} // namespace redial::test

#endif
