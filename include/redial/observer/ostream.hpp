#ifndef REDIAL_OBSERVER_OSTREAM_HPP
#define REDIAL_OBSERVER_OSTREAM_HPP

#include <redial/duration.hpp>
#include <redial/observer/hooks.hpp>

#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace redial {

enum class log_format : std::uint8_t { text, json };

namespace detail {
// One log line under construction: on the stack while it fits (a line is ~50-150 bytes), in a
// string only beyond that, so a typical line allocates nothing and is written with one call.
class line_buffer {
public:
    line_buffer() = default;
    line_buffer(const line_buffer&) = delete;
    line_buffer& operator=(const line_buffer&) = delete;

    void append(std::string_view s) {
        if (big_.empty() && s.size() <= sizeof small_ - size_) {
            std::memcpy(small_ + size_, s.data(), s.size());
            size_ += s.size();
            return;
        }
        if (big_.empty()) {
            big_.reserve(2 * sizeof small_ + s.size());
            big_.assign(small_, size_);
        }
        big_.append(s);
    }
    void append(char c) { append(std::string_view{&c, 1}); }
    [[nodiscard]] std::string_view view() const noexcept {
        return big_.empty() ? std::string_view{small_, size_} : std::string_view{big_};
    }

private:
    char small_[256];
    std::size_t size_ = 0;
    std::string big_; // the whole line once it outgrew small_
};
} // namespace detail

/// Writes one line per event to a stream: readable text, or JSON lines with at least `event`
/// and `t` (seconds since the start), plus the event's fields (attempt, delay, uptime, verdict,
/// error / reason). Durations are seconds in JSON and human text ("1.5s") in text. Each line is
/// formatted first and written with a single write() (one write(2) on an unbuffered std::cerr,
/// so lines from several writers do not interleave mid-line), then flushed.
class ostream_observer {
public:
    /// Times count from `start`, or from the first event when none is given.
    explicit ostream_observer(std::ostream& out, log_format format = log_format::text,
                              std::optional<time_point> start = std::nullopt)
        : out_(&out), format_(format), start_(start) {}

    // Each hook builds its line on the stack: begin() writes the event and time, the hook its
    // fields, end() writes the line. Plain functions, not a template per hook: less to compile.
    void on_started(const started_event& e) {
        detail::line_buffer b;
        fields f = begin(b, e.at, "started");
        if (e.stable_after.count() > 0) {
            f.duration("stable_after", e.stable_after);
            f.word("stable_after_from",
                   e.stable_after_follows_backoff ? "backoff-initial" : "given");
        }
        if (e.give_up_timeout.count() > 0) {
            f.duration("give_up_after", e.give_up_timeout);
        } else {
            f.word("give_up_after", "never");
        }
        if (e.max_attempts > 0) {
            f.number("max_attempts", e.max_attempts);
        }
        end(b);
    }
    void on_attempt(const attempt_event& e) {
        detail::line_buffer b;
        begin(b, e.at, "attempt").number("attempt", e.attempt);
        end(b);
    }
    void on_connected(const connected_event& e) {
        detail::line_buffer b;
        begin(b, e.at, "connected").number("attempt", e.attempt);
        end(b);
    }
    void on_connect_failed(const connect_failed_event& e) {
        detail::line_buffer b;
        fields f = begin(b, e.at, "connect_failed");
        f.number("attempt", e.attempt);
        f.text("error", e.error);
        end(b);
    }
    void on_disconnected(const disconnected_event& e) {
        detail::line_buffer b;
        fields f = begin(b, e.at, "disconnected");
        f.duration("uptime", e.uptime);
        if (e.alive_for != e.uptime) { // ended silent: the verdict judged the time until then
            f.duration("alive_for", e.alive_for);
        }
        f.word("verdict", e.verdict == verdict::stable ? "stable" : "flap");
        f.text("reason", e.reason);
        end(b);
    }
    void on_backoff(const backoff_event& e) {
        detail::line_buffer b;
        fields f = begin(b, e.at, "backoff");
        f.duration("delay", e.delay);
        f.number("attempt", e.attempt);
        end(b);
    }
    void on_give_up(const give_up_event& e) {
        detail::line_buffer b;
        begin(b, e.at, "give_up").text("error", e.error);
        end(b);
    }
    void on_ping(const ping_event& e) {
        detail::line_buffer b;
        begin(b, e.at, "ping").duration("idle_for", e.idle_for);
        end(b);
    }
    void on_liveness_timeout(const liveness_timeout_event& e) {
        detail::line_buffer b;
        fields f = begin(b, e.at, "liveness_timeout");
        f.duration("silent_for", e.silent_for);
        if (e.ping_unanswered_for.count() > 0) {
            f.duration("ping_unanswered_for", e.ping_unanswered_for);
        }
        end(b);
    }
    void on_outbox_drop(const outbox_drop_event& e) {
        detail::line_buffer b;
        fields f = begin(b, e.at, "outbox_drop");
        f.number("bytes", e.bytes);
        f.duration("waited", e.waited);
        f.number("queued", e.queued_messages);
        f.number("queued_bytes", e.queued_bytes);
        f.text("reason", e.reason.message());
        end(b);
    }
    void on_outbox_expired(const outbox_expired_event& e) {
        detail::line_buffer b;
        fields f = begin(b, e.at, "outbox_expired");
        f.number("bytes", e.bytes);
        f.duration("waited", e.waited);
        f.number("queued", e.queued_messages);
        f.number("queued_bytes", e.queued_bytes);
        end(b);
    }
    void on_stopped(const stopped_event& e) {
        detail::line_buffer b;
        begin(b, e.at, "stopped");
        end(b);
    }

private:
    // Appends the fields of one line, in either format.
    class fields {
    public:
        fields(detail::line_buffer& b, bool json) : b_(b), json_(json) {}
        void number(std::string_view key, std::uint64_t v) {
            char buf[24];
            const auto r = std::to_chars(buf, buf + sizeof buf, v);
            key_(key);
            b_.append(std::string_view{buf, static_cast<std::size_t>(r.ptr - buf)});
        }
        void duration(std::string_view key, std::chrono::nanoseconds d) {
            key_(key);
            if (json_) {
                seconds(b_, d);
            } else {
                b_.append(format_duration(d));
            }
        }
        void word(std::string_view key, std::string_view v) {
            key_(key);
            if (json_) {
                quote(v);
            } else {
                b_.append(v);
            }
        }
        void text(std::string_view key, std::string_view v) {
            key_(key);
            quote(v);
        }
        void text(std::string_view key, const failure& f) {
            if (f.text.empty()) {
                text(key, f.code.message());
            } else {
                text(key, f.text); // no copy
            }
        }

        static void seconds(detail::line_buffer& b, std::chrono::nanoseconds d) {
            char buf[32];
            const int n =
                std::snprintf(buf, sizeof buf, "%.3f", std::chrono::duration<double>(d).count());
            b.append(std::string_view{buf, n > 0 ? static_cast<std::size_t>(n) : 0});
        }

    private:
        void key_(std::string_view key) {
            b_.append(json_ ? ",\"" : " ");
            b_.append(key);
            b_.append(json_ ? "\":" : "=");
        }
        // JSON string escaping (also used for text-mode messages, so a line stays one line).
        void quote(std::string_view v) {
            b_.append('"');
            std::size_t run = 0; // the start of the pending stretch that needs no escape
            for (std::size_t i = 0; i < v.size(); ++i) {
                const char c = v[i];
                const char* esc = nullptr;
                switch (c) {
                case '"':
                    esc = "\\\"";
                    break;
                case '\\':
                    esc = "\\\\";
                    break;
                case '\n':
                    esc = "\\n";
                    break;
                case '\r':
                    esc = "\\r";
                    break;
                case '\t':
                    esc = "\\t";
                    break;
                default:
                    if (static_cast<unsigned char>(c) >= 0x20) {
                        continue;
                    }
                }
                b_.append(v.substr(run, i - run));
                run = i + 1;
                if (esc != nullptr) {
                    b_.append(esc);
                } else {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
                    b_.append(std::string_view{buf, 6});
                }
            }
            b_.append(v.substr(run));
            b_.append('"');
        }

        detail::line_buffer& b_;
        bool json_;
    };

    fields begin(detail::line_buffer& b, time_point at, std::string_view event) {
        if (!start_) {
            start_ = at;
        }
        const bool json = format_ == log_format::json;
        if (json) {
            b.append("{\"event\":\"");
            b.append(event);
            b.append("\",\"t\":");
            fields::seconds(b, at - *start_);
        } else {
            b.append('[');
            fields::seconds(b, at - *start_);
            b.append("s] ");
            b.append(event);
        }
        return fields{b, json};
    }
    void end(detail::line_buffer& b) {
        b.append(format_ == log_format::json ? "}\n" : "\n");
        const std::string_view s = b.view();
        out_->write(s.data(), static_cast<std::streamsize>(s.size()));
        out_->flush();
    }

    std::ostream* out_;
    log_format format_;
    std::optional<time_point> start_;
};

} // namespace redial

#endif
