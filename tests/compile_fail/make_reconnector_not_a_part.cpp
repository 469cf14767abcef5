// make_reconnector takes named parts after the transport: a bare policy is refused with one
// message that lists the parts.
#include <redial/backoff/constant.hpp>
#include <redial/tcp.hpp>

#include <asio/io_context.hpp>

void make(asio::io_context& io) {
    redial::tcp_transport t{io.get_executor(), "127.0.0.1", "7000"};
#ifdef REDIAL_COMPILE_FAIL_FIXED
    auto r = redial::make_reconnector(io.get_executor(), std::move(t),
                                      redial::with_backoff(redial::constant_backoff{}));
#else
    auto r = redial::make_reconnector(io.get_executor(), std::move(t), redial::constant_backoff{});
#endif
    (void)r;
}
