// make_reconnector takes each part once: a second backoff is refused, not silently dropped.
#include <redial/backoff/constant.hpp>
#include <redial/tcp.hpp>

#include <asio/io_context.hpp>

void make(asio::io_context& io) {
    redial::tcp_transport t{io.get_executor(), "127.0.0.1", "7000"};
    auto r = redial::make_reconnector(io.get_executor(), std::move(t),
                                      redial::with_backoff(redial::constant_backoff{})
#ifndef REDIAL_COMPILE_FAIL_FIXED
                                          ,
                                      redial::with_backoff(redial::constant_backoff{})
#endif
    );
    (void)r;
}
