#ifndef REDIAL_BENCH_ALLOC_COUNT_HPP
#define REDIAL_BENCH_ALLOC_COUNT_HPP

// Counts heap allocations at the allocator: this header defines malloc, calloc, realloc,
// reallocarray, free, aligned_alloc, posix_memalign, memalign, valloc and pvalloc (glibc
// supports replacing them: "Replacing malloc" in its manual), forwarding to glibc's own
// __libc_* entry points. The executable's definitions interpose every shared library's calls,
// so libstdc++'s operator new in all its forms (plain, array, aligned, nothrow; each ends in
// malloc or aligned_alloc) and asio's aligned_alloc handler memory are counted too, with no
// operator new replacement of our own (check_alloc_count() proves it at startup).
//
// Include it in exactly one translation unit per executable (it defines the functions).
//
// REDIAL_ALLOC_TRACE=1 in the environment prints a backtrace for every allocation made while
// tracing is on (alloc_trace scopes it); decode the module offsets with
//   addr2line -Cfipe build/bin/<binary> 0x<offset> ...

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>

#include <execinfo.h>
#include <unistd.h>

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void __libc_free(void*);
void* __libc_memalign(std::size_t, std::size_t);
void* __libc_valloc(std::size_t);
void* __libc_pvalloc(std::size_t);
}

namespace redial_bench {

namespace detail {
inline std::atomic<std::uint64_t> allocation_count{0};
inline std::atomic<bool> tracing{false};
inline thread_local bool in_trace = false; // backtrace() may allocate: no recursion

inline void counted() noexcept {
    allocation_count.fetch_add(1, std::memory_order_relaxed);
    if (tracing.load(std::memory_order_relaxed) && !in_trace) {
        in_trace = true;
        void* frames[24];
        const int n = ::backtrace(frames, 24);
        static const char line[] = "---- allocation\n";
        (void)!::write(2, line, sizeof line - 1);
        ::backtrace_symbols_fd(frames, n, 2);
        in_trace = false;
    }
}
} // namespace detail

/// Heap allocations so far, all threads, every allocating entry point.
inline std::uint64_t allocations() noexcept {
    return detail::allocation_count.load(std::memory_order_relaxed);
}

/// While alive, and REDIAL_ALLOC_TRACE=1, prints a backtrace per allocation to stderr.
class alloc_trace {
public:
    alloc_trace() {
        const char* env = std::getenv("REDIAL_ALLOC_TRACE");
        if (env != nullptr && env[0] == '1') {
            void* warm[1];
            detail::in_trace = true;
            ::backtrace(warm, 1); // loads libgcc_s outside the traced region
            detail::in_trace = false;
            detail::tracing.store(true);
            on_ = true;
        }
    }
    alloc_trace(const alloc_trace&) = delete;
    alloc_trace& operator=(const alloc_trace&) = delete;
    ~alloc_trace() {
        if (on_) {
            detail::tracing.store(false);
        }
    }

private:
    bool on_ = false;
};

/// Exits unless every form of operator new and the C allocators reach the counter (a
/// libstdc++ that inlined its own allocator would make every count in the benchmark a lie).
inline void check_alloc_count() {
    int failures = 0;
    const auto expect = [&](const char* what, auto&& allocate, auto&& release) {
        const std::uint64_t before = allocations();
        void* volatile p = allocate();
        const std::uint64_t after = allocations();
        release(p);
        if (p == nullptr || after != before + 1) {
            std::fprintf(stderr, "alloc_count: %s is not counted (%llu calls)\n", what,
                         static_cast<unsigned long long>(after - before));
            ++failures;
        }
    };
    constexpr auto big = std::align_val_t{64};
    expect(
        "malloc", [] { return std::malloc(24); }, [](void* p) { std::free(p); });
    expect(
        "calloc", [] { return std::calloc(3, 8); }, [](void* p) { std::free(p); });
    expect(
        "aligned_alloc", [] { return std::aligned_alloc(64, 64); }, [](void* p) { std::free(p); });
    expect(
        "posix_memalign",
        [] {
            void* p = nullptr;
            return ::posix_memalign(&p, 64, 64) == 0 ? p : nullptr;
        },
        [](void* p) { std::free(p); });
    expect(
        "operator new", [] { return ::operator new(24); }, [](void* p) { ::operator delete(p); });
    expect(
        "operator new[]", [] { return ::operator new[](24); },
        [](void* p) { ::operator delete[](p); });
    expect(
        "operator new(nothrow)", [] { return ::operator new(24, std::nothrow); },
        [](void* p) { ::operator delete(p, std::nothrow); });
    expect(
        "operator new[](nothrow)", [] { return ::operator new[](24, std::nothrow); },
        [](void* p) { ::operator delete[](p, std::nothrow); });
    expect(
        "operator new(align)", [] { return ::operator new(64, big); },
        [](void* p) { ::operator delete(p, big); });
    expect(
        "operator new[](align)", [] { return ::operator new[](64, big); },
        [](void* p) { ::operator delete[](p, big); });
    expect(
        "operator new(align, nothrow)", [] { return ::operator new(64, big, std::nothrow); },
        [](void* p) { ::operator delete(p, big, std::nothrow); });
    expect(
        "operator new[](align, nothrow)", [] { return ::operator new[](64, big, std::nothrow); },
        [](void* p) { ::operator delete[](p, big, std::nothrow); });
    if (failures != 0) {
        std::exit(3);
    }
}

} // namespace redial_bench

extern "C" {
// NOLINTBEGIN: these are the C library's own names and signatures.
void* malloc(std::size_t n) noexcept {
    redial_bench::detail::counted();
    return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t size) noexcept {
    redial_bench::detail::counted();
    return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t n) noexcept {
    redial_bench::detail::counted(); // counted even when it grows in place: it may move
    return __libc_realloc(p, n);
}
void* reallocarray(void* p, std::size_t n, std::size_t size) noexcept {
    std::size_t bytes = 0;
    if (__builtin_mul_overflow(n, size, &bytes)) {
        errno = ENOMEM;
        return nullptr;
    }
    return realloc(p, bytes);
}
void free(void* p) noexcept {
    __libc_free(p);
}
void* memalign(std::size_t align, std::size_t n) noexcept {
    redial_bench::detail::counted();
    return __libc_memalign(align, n);
}
void* aligned_alloc(std::size_t align, std::size_t n) noexcept {
    redial_bench::detail::counted();
    return __libc_memalign(align, n);
}
int posix_memalign(void** out, std::size_t align, std::size_t n) noexcept {
    if (align % sizeof(void*) != 0 || (align & (align - 1)) != 0 || align == 0) {
        return EINVAL;
    }
    redial_bench::detail::counted();
    void* p = __libc_memalign(align, n);
    if (p == nullptr) {
        return ENOMEM;
    }
    *out = p;
    return 0;
}
void* valloc(std::size_t n) noexcept {
    redial_bench::detail::counted();
    return __libc_valloc(n);
}
void* pvalloc(std::size_t n) noexcept {
    redial_bench::detail::counted();
    return __libc_pvalloc(n);
}
// NOLINTEND
}

#endif
