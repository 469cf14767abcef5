#ifndef REDIAL_TESTS_SUPPORT_LINK_TRANSPORT_HPP
#define REDIAL_TESTS_SUPPORT_LINK_TRANSPORT_HPP

#include <asio/any_io_executor.hpp>
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/buffer.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>

#include <cstddef>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

// A transport whose server the test drives by hand, for the outbox's tests: it accepts or
// refuses each attempt, keeps every byte each connection writes, takes at most `take` bytes per
// write call (partial writes), holds writes while `stalled` (a peer that stopped reading), fails
// the next write with `write_error`, and ends the session when told. Completions are posted.
namespace redial::test {

struct link_server {
    bool accepting = true;
    std::size_t take = std::numeric_limits<std::size_t>::max();
    bool stalled = false;
    std::size_t stall_after = std::numeric_limits<std::size_t>::max(); // write calls, then stall
    std::error_code write_error;       // the next write takes `take` bytes, then fails
    std::vector<std::string> received; // per connection, in connect order
    std::size_t connects = 0;
    std::size_t writes = 0;         // write calls seen
    std::size_t largest_gather = 0; // most buffers in one write call

    // The current connection's pending operations.
    std::function<void(std::error_code, std::size_t)> read;
    std::function<void(std::error_code, std::size_t)> write; // a stalled write
    std::vector<asio::const_buffer> write_buffers;
    std::size_t current = 0; // 1-based connection number; 0: none open
    asio::any_io_executor ex;

    // The server closes the current connection: the session's read completes with `reason`.
    void end_session(std::error_code reason = asio::error::eof) {
        if (read) {
            auto r = std::exchange(read, nullptr);
            asio::post(ex, [r, reason] { r(reason, 0); });
        }
    }
    // A stalled write goes on: the peer reads again.
    void resume() {
        stalled = false;
        stall_after = std::numeric_limits<std::size_t>::max();
        if (write) {
            auto w = std::exchange(write, nullptr);
            complete_write(w, write_buffers);
        }
    }
    void complete_write(const std::function<void(std::error_code, std::size_t)>& w,
                        const std::vector<asio::const_buffer>& buffers) {
        std::size_t n = 0;
        std::string& log = received.at(current - 1);
        for (const asio::const_buffer& b : buffers) {
            const std::size_t k = std::min(b.size(), take - n);
            log.append(static_cast<const char*>(b.data()), k);
            n += k;
            if (n == take) {
                break;
            }
        }
        const std::error_code ec = std::exchange(write_error, {});
        asio::post(ex, [w, ec, n] { w(ec, n); });
    }
    // The client closed (or the run stopped): pending operations end aborted, nothing taken.
    void closed(std::size_t id) {
        if (id != current) {
            return;
        }
        current = 0;
        if (read) {
            auto r = std::exchange(read, nullptr);
            asio::post(ex, [r] { r(asio::error::operation_aborted, 0); });
        }
        if (write) {
            auto w = std::exchange(write, nullptr);
            asio::post(ex, [w] { w(asio::error::operation_aborted, 0); });
        }
    }
};

class link_transport {
public:
    class connection {
    public:
        connection() = default;
        connection(std::shared_ptr<link_server> s, std::size_t id) : s_(std::move(s)), id_(id) {}
        connection(connection&& o) noexcept : s_(std::move(o.s_)), id_(std::exchange(o.id_, 0)) {}
        connection& operator=(connection&& o) noexcept {
            close();
            s_ = std::move(o.s_);
            id_ = std::exchange(o.id_, 0);
            return *this;
        }
        ~connection() { close(); }

        template <class Buffers, class Token>
        auto async_read_some(const Buffers&, Token&& token) {
            return asio::async_initiate<Token, void(std::error_code, std::size_t)>(
                [this](auto handler) {
                    auto box = std::make_shared<decltype(handler)>(std::move(handler));
                    auto call = [box](std::error_code ec, std::size_t n) { (*box)(ec, n); };
                    if (!open()) {
                        asio::post(s_->ex, [call] { call(asio::error::bad_descriptor, 0); });
                        return;
                    }
                    s_->read = call;
                },
                token);
        }
        template <class Buffers, class Token>
        auto async_write_some(const Buffers& buffers, Token&& token) {
            return asio::async_initiate<Token, void(std::error_code, std::size_t)>(
                [this, &buffers](auto handler) {
                    auto box = std::make_shared<decltype(handler)>(std::move(handler));
                    auto call = [box](std::error_code ec, std::size_t n) { (*box)(ec, n); };
                    if (!open()) {
                        asio::post(s_->ex, [call] { call(asio::error::bad_descriptor, 0); });
                        return;
                    }
                    std::vector<asio::const_buffer> copy(asio::buffer_sequence_begin(buffers),
                                                         asio::buffer_sequence_end(buffers));
                    ++s_->writes;
                    s_->largest_gather = std::max(s_->largest_gather, copy.size());
                    if (s_->stalled || s_->writes > s_->stall_after) {
                        s_->write = call;
                        s_->write_buffers = std::move(copy);
                        return;
                    }
                    s_->complete_write(call, copy);
                },
                token);
        }
        void close() {
            if (s_ && id_ != 0) {
                s_->closed(std::exchange(id_, 0));
            }
        }
        using executor_type = asio::any_io_executor;
        [[nodiscard]] executor_type get_executor() const { return s_->ex; }

    private:
        [[nodiscard]] bool open() const { return s_ && id_ != 0 && s_->current == id_; }
        std::shared_ptr<link_server> s_;
        std::size_t id_ = 0;
    };

    link_transport(std::shared_ptr<link_server> s, asio::any_io_executor ex) : s_(std::move(s)) {
        s_->ex = std::move(ex);
    }

    template <class Handler>
    void async_connect(Handler handler) {
        const auto ex = asio::get_associated_executor(handler, s_->ex);
        if (!s_->accepting) {
            asio::post(ex, [h = std::move(handler)]() mutable {
                h(std::error_code(asio::error::connection_refused), connection{});
            });
            return;
        }
        s_->closed(s_->current); // one connection at a time, as a real server would see it
        const std::size_t id = ++s_->connects;
        s_->received.emplace_back();
        s_->current = id;
        asio::post(ex, [h = std::move(handler), c = connection(s_, id)]() mutable {
            h(std::error_code{}, std::move(c));
        });
    }
    void cancel() {}

private:
    std::shared_ptr<link_server> s_;
};

} // namespace redial::test

#endif
