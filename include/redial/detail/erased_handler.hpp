#ifndef REDIAL_DETAIL_ERASED_HANDLER_HPP
#define REDIAL_DETAIL_ERASED_HANDLER_HPP

// The standard library's configuration before asio's: asio 1.22 uses aligned_alloc only if
// libstdc++ announced it already, so translation units that include asio first and those that
// do not free each other's handler memory with the wrong function (an ODR bug ASan reports).
#include <memory>
#include <tuple>
#include <utility>

#include <asio/any_io_executor.hpp>
#include <asio/associated_executor.hpp>
#include <asio/post.hpp>

namespace redial::detail {

/// A move-only completion handler of signature void(Args...), type-erased so an operation can
/// keep it until it completes (asio 1.22 has no any_completion_handler). complete() posts it to
/// its associated executor (or the fallback), never runs it inline.
template <class... Args>
class erased_handler {
    struct base {
        virtual ~base() = default;
        virtual void complete(Args... args) && = 0;
    };
    template <class Handler>
    struct holder final : base {
        Handler handler;
        asio::any_io_executor fallback;
        holder(Handler h, asio::any_io_executor ex)
            : handler(std::move(h)), fallback(std::move(ex)) {}
        void complete(Args... args) && override {
            auto ex = asio::get_associated_executor(handler, fallback);
            asio::post(ex,
                       [h = std::move(handler), t = std::make_tuple(std::move(args)...)]() mutable {
                           std::apply(std::move(h), std::move(t));
                       });
        }
    };

public:
    erased_handler() = default;
    template <class Handler>
    erased_handler(Handler h, asio::any_io_executor fallback)
        : p_(std::make_unique<holder<Handler>>(std::move(h), std::move(fallback))) {}

    explicit operator bool() const noexcept { return p_ != nullptr; }

    /// Posts the handler with `args`; afterwards this is empty.
    void complete(Args... args) {
        std::unique_ptr<base> p = std::move(p_);
        std::move(*p).complete(std::move(args)...);
    }

private:
    std::unique_ptr<base> p_;
};

} // namespace redial::detail

#endif
