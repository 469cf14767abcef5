// libFuzzer target: redial-redis's RESP reply parser (examples/redis/resp.hpp).
//
// The input is the bytes a server sends. Its first byte picks the limits (the defaults, or
// small ones the fuzzer can reach: depth 3, lines of 32 bytes, 512 bytes and 16 values a
// reply) and the size of the pieces the bytes arrive in (1 to 64, or all at once). Invariants:
// - the replies parsed from the whole input, one after another, and from the same input fed
//   piece by piece (each parse given what is left unconsumed plus the next piece) are the same
//   replies, printed alike, ending in the same state (an error with the same message, or bytes
//   left for a reply not yet complete);
// - a parse consumes no more than it was given, and a complete reply consumed at least 3 bytes;
// - an error says "RESP: ...", on one line, and stays until reset();
// - no reply holds more values, nesting or bytes than the limits allow;
// - the bytes the parser keeps waiting for (unconsumed) never exceed what one item may take.

#include "fuzz_support.hpp"

#include <redis/resp.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using redial::fuzz::check;
using redial::fuzz::check_lazy;

struct outcome {
    std::vector<std::string> replies; // printed
    resp::status last = resp::status::need_more;
    std::string error;
};

// Values and depth of a reply, to check against the limits.
void measure(const resp::value& v, std::size_t depth, std::size_t& values, std::size_t& deepest) {
    deepest = depth > deepest ? depth : deepest;
    for (const resp::value& e : v.elements) {
        ++values;
        measure(e, depth + (e.is_aggregate() ? 1 : 0), values, deepest);
    }
}

void check_reply(const resp::value& v, const resp::limits& l) {
    std::size_t values = 0;
    std::size_t deepest = 0;
    measure(v, v.is_aggregate() ? 1 : 0, values, deepest);
    check(values <= l.max_values, "a reply holds more values than max_values");
    check(deepest <= l.max_depth, "a reply nests deeper than max_depth");
    check(v.text.size() <= l.max_bytes, "a string longer than max_bytes");
}

// Parses `input` arriving in pieces of `piece` bytes (0: at once).
outcome run(std::string_view input, const resp::limits& l, std::size_t piece) {
    outcome o;
    resp::parser p{l};
    std::string pending; // received, not consumed
    std::size_t fed = 0;
    while (true) {
        const std::size_t take = piece == 0 ? input.size() - fed : piece;
        const std::size_t n = take < input.size() - fed ? take : input.size() - fed;
        pending.append(input.substr(fed, n));
        fed += n;
        while (true) {
            const resp::result r = p.parse(pending);
            check(r.consumed <= pending.size(), "consumed more than given");
            pending.erase(0, r.consumed);
            o.last = r.status;
            if (r.status == resp::status::error) {
                o.error = p.error();
                check(o.error.starts_with("RESP: "), "an error without \"RESP: \"", o.error);
                check(o.error.find('\n') == std::string::npos, "an error on two lines", o.error);
                check(p.parse("+OK\r\n").status == resp::status::error, "an error went away");
                return o;
            }
            if (r.status == resp::status::need_more) {
                break;
            }
            const resp::value v = p.take();
            check_reply(v, l);
            o.replies.push_back(resp::to_text(v));
        }
        // Waiting: at most one line, or one string with its header, not yet whole.
        check_lazy(pending.size() <= l.max_bytes + l.max_line + 2, "kept too many bytes waiting",
                   [&] { return std::to_string(pending.size()); });
        if (fed == input.size()) {
            return o;
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::uint8_t control = data[0];
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    const resp::limits l =
        (control & 0x80) != 0
            ? resp::limits{.max_depth = 3, .max_line = 32, .max_bytes = 512, .max_values = 16}
            : resp::limits{};
    const std::size_t piece = (control & 0x40) != 0 ? 0 : 1 + (control & 0x3f);
    const outcome whole = run(input, l, 0);
    const outcome split = run(input, l, piece);
    check(whole.replies == split.replies, "pieces gave other replies than the whole");
    check(whole.last == split.last, "pieces ended in another state than the whole");
    check(whole.error == split.error, "pieces gave another error than the whole", split.error);
    return 0;
}
