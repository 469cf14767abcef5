#ifndef REDIAL_DETAIL_ERASED_HANDLER_HPP
#define REDIAL_DETAIL_ERASED_HANDLER_HPP

// The standard library's configuration before asio's: asio 1.22 uses aligned_alloc only if
// libstdc++ announced it already, so translation units that include asio first and those that
// do not free each other's handler memory with the wrong function (an ODR bug ASan reports).
#include <array>
#include <cstddef>
#include <memory>
#include <new>
#include <optional>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include <asio/any_io_executor.hpp>
#include <asio/associated_executor.hpp>
#include <asio/bind_allocator.hpp>
#include <asio/dispatch.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/strand.hpp>

namespace redial::detail {

/// Per-thread free lists of small blocks in 16-byte size classes. asio's recycling allocator
/// keeps its cache in the thread_info of each run()/poll() call, two blocks per purpose, and
/// frees it when that call returns; code driven by repeated polls (the virtual clock) or with
/// more operations in flight would allocate every time. These lists last as long as the thread.
/// A block freed on another thread joins that thread's list.
class block_cache {
public:
    static constexpr std::size_t granule = 16;
    static constexpr std::size_t largest = 1024; // larger requests go to operator new
    static constexpr std::size_t keep = 64;      // blocks kept per class and thread

    static void* allocate(std::size_t n) {
        if (n == 0 || n > largest) {
            return ::operator new(n);
        }
        list& l = local().classes[index(n)];
        if (node* b = l.head) {
            l.head = b->next;
            --l.count;
            return b;
        }
        return ::operator new((index(n) + 1) * granule);
    }
    static void deallocate(void* p, std::size_t n) noexcept {
        if (n != 0 && n <= largest) {
            lists& all = local();
            list& l = all.classes[index(n)];
            if (all.alive && l.count < keep) {
                l.head = ::new (p) node{l.head};
                ++l.count;
                return;
            }
        }
        ::operator delete(p);
    }

    /// Frees the blocks this thread keeps (benchmarks measure the heap without them).
    static void trim() noexcept { local().clear(); }

private:
    static constexpr std::size_t index(std::size_t n) noexcept { return (n - 1) / granule; }
    struct node {
        node* next;
    };
    struct list {
        node* head = nullptr;
        std::size_t count = 0;
    };
    struct lists {
        std::array<list, largest / granule> classes{};
        bool alive = true;
        lists() = default;
        lists(const lists&) = delete;
        lists& operator=(const lists&) = delete;
        ~lists() {
            alive = false; // a block freed later (by another thread_local's destructor) is freed
            clear();
        }
        void clear() noexcept {
            for (list& l : classes) {
                while (l.head != nullptr) {
                    ::operator delete(std::exchange(l.head, l.head->next));
                }
                l.count = 0;
            }
        }
    };
    static lists& local() noexcept {
        static thread_local lists l;
        return l;
    }
};

/// An allocator over block_cache (stateless: any instance frees what another allocated).
template <class T>
struct cached_allocator {
    using value_type = T;
    cached_allocator() noexcept = default;
    template <class U>
    cached_allocator(const cached_allocator<U>&) noexcept {} // NOLINT: converts on rebinding
    T* allocate(std::size_t n) { return static_cast<T*>(block_cache::allocate(n * sizeof(T))); }
    void deallocate(T* p, std::size_t n) noexcept { block_cache::deallocate(p, n * sizeof(T)); }
    template <class U>
    bool operator==(const cached_allocator<U>&) const noexcept {
        return true;
    }
};

/// `f` with its asio operation memory from block_cache.
template <class F>
auto with_cached_memory(F f) {
    return asio::bind_allocator(cached_allocator<std::byte>{}, std::move(f));
}

/// Posts `f` to `ex` (never runs it inline), the posted operations' memory from block_cache.
/// Through an any_io_executor asio 1.22 ignores the handler's allocator (it takes the memory
/// from the thread_info cache); posted to the strand's io_context executor, then dispatched
/// into the strand, it is used. (A post from inside the strand to itself would make the strand
/// re-post its invoker with asio's cache.)
template <class F>
void post_cached_any(const asio::any_io_executor& ex, F f) {
    using io_executor = asio::io_context::executor_type;
    const std::type_info& type = ex.target_type();
    if (type == typeid(asio::strand<io_executor>)) {
        const auto& strand = *ex.target<asio::strand<io_executor>>();
        asio::post(strand.get_inner_executor(),
                   with_cached_memory([strand, f = std::move(f)]() mutable {
                       asio::dispatch(strand, with_cached_memory(std::move(f)));
                   }));
    } else if (type == typeid(io_executor)) {
        asio::post(*ex.target<io_executor>(), with_cached_memory(std::move(f)));
    } else {
        asio::post(ex, with_cached_memory(std::move(f)));
    }
}

template <class Executor, class F>
void post_cached(const Executor& ex, F f) {
    if constexpr (std::is_same_v<Executor, asio::any_io_executor>) {
        post_cached_any(ex, std::move(f));
    } else {
        asio::post(ex, with_cached_memory(std::move(f))); // its own type: the allocator is used
    }
}

/// What erased_handler posts: one function-object type for every handler and signature, so the
/// posting code (post_cached_any's three paths and the asio operations under them) is compiled
/// once per program rather than once per handler type.
class erased_call_target {
public:
    virtual void invoke() && = 0;           // calls the handler with its arguments, frees *this
    virtual void destroy() && noexcept = 0; // frees *this without calling the handler

protected:
    ~erased_call_target() = default;
};

class erased_call {
public:
    explicit erased_call(erased_call_target* t) noexcept : t_(t) {}
    erased_call(erased_call&& other) noexcept : t_(std::exchange(other.t_, nullptr)) {}
    erased_call(const erased_call&) = delete;
    erased_call& operator=(const erased_call&) = delete;
    erased_call& operator=(erased_call&&) = delete;
    ~erased_call() {
        if (t_ != nullptr) { // never ran (its io_context went away): the handler is destroyed
            std::move(*t_).destroy();
        }
    }
    void operator()() { std::move(*std::exchange(t_, nullptr)).invoke(); }

private:
    erased_call_target* t_;
};

/// Posts `f` to `ex` (never runs it inline) as an erased_call, boxed in block_cache memory: a
/// lambda costs its own box only, not a chain of asio operations of its type. Straight into the
/// strand's own queue, not through post_cached_any's hop via the io_context: calls one thread
/// makes one after another (a session's done() then wake()) must run in that order, and two
/// hops may arrive in either order when the io_context runs on several threads.
template <class F>
void post_erased(const asio::any_io_executor& ex, F f) {
    struct task final : erased_call_target {
        F fn;
        explicit task(F g) : fn(std::move(g)) {}
        void invoke() && override {
            F g = std::move(fn);
            std::move(*this).destroy();
            g();
        }
        void destroy() && noexcept override {
            this->~task();
            block_cache::deallocate(this, sizeof(task));
        }
    };
    void* memory = block_cache::allocate(sizeof(task));
    task* t = nullptr;
    try {
        t = ::new (memory) task(std::move(f));
    } catch (...) {
        block_cache::deallocate(memory, sizeof(task));
        throw;
    }
    asio::post(ex, erased_call{t});
}

/// A move-only completion handler of signature void(Args...), type-erased so an operation can
/// keep it until it completes (asio 1.22 has no any_completion_handler), boxed in block_cache
/// memory: a steady stream of them allocates nothing. complete() posts it to its associated
/// executor (or the fallback), never runs it inline.
template <class... Args>
class erased_handler {
    struct base : erased_call_target {
        virtual void complete(Args... args) && = 0; // stores the arguments, posts the handler
        virtual void complete_in_order(Args... args) && = 0; // the same in one hop
        // Runs the handler now if its executor is `current`, else as complete_in_order().
        virtual void complete_on(const asio::any_io_executor& current, Args... args) && = 0;

    protected:
        ~base() = default;
    };
    template <class Handler>
    struct holder final : base {
        Handler handler;
        asio::associated_executor_t<Handler, asio::any_io_executor> ex;
        std::optional<std::tuple<Args...>> args;
        // The associated executor is asked for before the handler moves (asio 1.22 quirk).
        holder(Handler h, const asio::any_io_executor& fallback)
            : handler(std::move(h)), ex(asio::get_associated_executor(handler, fallback)) {}
        void complete(Args... a) && override {
            args.emplace(std::move(a)...);
            post_cached(ex, erased_call{this}); // on failure erased_call's destructor frees this
        }
        void complete_in_order(Args... a) && override {
            args.emplace(std::move(a)...);
            asio::post(ex, erased_call{this}); // as post_erased: straight into the strand's queue
        }
        void complete_on(const asio::any_io_executor& current, Args... a) && override {
            if constexpr (std::is_same_v<decltype(ex), asio::any_io_executor>) {
                if (ex == current) {
                    Handler h = std::move(handler);
                    std::move(*this).destroy();
                    std::move(h)(std::move(a)...);
                    return;
                }
            }
            std::move(*this).complete_in_order(std::move(a)...);
        }
        void invoke() && override {
            if (!args) [[unlikely]] { // unreachable: complete() stores them before it posts
                std::move(*this).destroy();
                return;
            }
            Handler h = std::move(handler);
            std::tuple<Args...> a = std::move(*args);
            std::move(*this).destroy(); // the memory is free again before the handler runs
            std::apply(std::move(h), std::move(a));
        }
        void destroy() && noexcept override {
            this->~holder();
            block_cache::deallocate(this, sizeof(holder));
        }
    };
    struct release {
        void operator()(base* p) const noexcept { std::move(*p).destroy(); }
    };

public:
    erased_handler() = default;
    template <class Handler>
    erased_handler(Handler h, const asio::any_io_executor& fallback) {
        void* memory = block_cache::allocate(sizeof(holder<Handler>));
        try {
            p_.reset(::new (memory) holder<Handler>(std::move(h), fallback));
        } catch (...) {
            block_cache::deallocate(memory, sizeof(holder<Handler>));
            throw;
        }
    }

    explicit operator bool() const noexcept { return p_ != nullptr; }

    /// Posts the handler with `args`; afterwards this is empty.
    void complete(Args... args) {
        base* p = p_.release();
        std::move(*p).complete(std::move(args)...);
    }

    /// The same, posted straight into the executor's queue (a strand's own): completions one
    /// thread posts one after another run in that order even on an io_context run by several
    /// threads, which complete()'s hop through the io_context does not keep. It costs an
    /// allocation per call where asio's recycling cache is empty (repeated polls), which
    /// complete() avoids: for completions whose order is promised (an outbox's).
    void complete_in_order(Args... args) {
        base* p = p_.release();
        std::move(*p).complete_in_order(std::move(args)...);
    }

    /// Runs the handler with `args` at once if its associated executor is `current` (the
    /// caller runs there, in a completion handler of its own: asio's composed operations call
    /// their final handler the same way), else posts it as complete_in_order(); afterwards this
    /// is empty.
    void complete_on(const asio::any_io_executor& current, Args... args) {
        base* p = p_.release();
        std::move(*p).complete_on(current, std::move(args)...);
    }

private:
    std::unique_ptr<base, release> p_;
};

} // namespace redial::detail

#endif
