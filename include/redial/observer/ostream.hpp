#ifndef REDIAL_OBSERVER_OSTREAM_HPP
#define REDIAL_OBSERVER_OSTREAM_HPP

#include <redial/duration.hpp>
#include <redial/observer/hooks.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace redial {

enum class log_format : std::uint8_t { text, json };

/// Writes one line per event to a stream: readable text, or JSON lines with at least `event`
/// and `t` (seconds since the start), plus the event's fields (attempt, delay, uptime, verdict,
/// error / reason). Durations are seconds in JSON and human text ("1.5s") in text.
class ostream_observer {
public:
    /// Times count from `start`, or from the first event when none is given.
    explicit ostream_observer(std::ostream& out, log_format format = log_format::text,
                              std::optional<time_point> start = std::nullopt)
        : out_(&out), format_(format), start_(start) {}

    void on_attempt(const attempt_event& e) {
        line(e.at, "attempt", [&](fields& f) { f.number("attempt", e.attempt); });
    }
    void on_connected(const connected_event& e) {
        line(e.at, "connected", [&](fields& f) { f.number("attempt", e.attempt); });
    }
    void on_connect_failed(const connect_failed_event& e) {
        line(e.at, "connect_failed", [&](fields& f) {
            f.number("attempt", e.attempt);
            f.text("error", e.error.message());
        });
    }
    void on_disconnected(const disconnected_event& e) {
        line(e.at, "disconnected", [&](fields& f) {
            f.duration("uptime", e.uptime);
            f.word("verdict", e.verdict == verdict::stable ? "stable" : "flap");
            f.text("reason", e.reason.message());
        });
    }
    void on_backoff(const backoff_event& e) {
        line(e.at, "backoff", [&](fields& f) {
            f.duration("delay", e.delay);
            f.number("attempt", e.attempt);
        });
    }
    void on_give_up(const give_up_event& e) {
        line(e.at, "give_up", [&](fields& f) { f.text("error", e.error); });
    }
    void on_stopped(const stopped_event& e) {
        line(e.at, "stopped", [](fields&) {});
    }

private:
    // Builds one line in either format.
    class fields {
    public:
        explicit fields(log_format f) : json_(f == log_format::json) {}
        void number(std::string_view key, std::uint64_t v) { raw(key, std::to_string(v)); }
        void duration(std::string_view key, std::chrono::nanoseconds d) {
            raw(key, json_ ? seconds(d) : format_duration(d));
        }
        void word(std::string_view key, std::string_view v) {
            raw(key, json_ ? quote(v) : std::string(v));
        }
        void text(std::string_view key, std::string_view v) { raw(key, quote(v)); }
        std::string take() { return std::move(s_); }

        static std::string seconds(std::chrono::nanoseconds d) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.3f", std::chrono::duration<double>(d).count());
            return buf;
        }
        static std::string quote(std::string_view v) {
            std::string q = "\"";
            for (char c : v) {
                switch (c) {
                case '"':
                    q += "\\\"";
                    break;
                case '\\':
                    q += "\\\\";
                    break;
                case '\n':
                    q += "\\n";
                    break;
                case '\r':
                    q += "\\r";
                    break;
                case '\t':
                    q += "\\t";
                    break;
                default:
                    if (static_cast<unsigned char>(c) < 0x20) {
                        char buf[8];
                        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
                        q += buf;
                    } else {
                        q += c;
                    }
                }
            }
            return q + "\"";
        }

    private:
        void raw(std::string_view key, const std::string& v) {
            if (json_) {
                s_.append(",\"").append(key).append("\":").append(v);
            } else {
                s_.append(" ").append(key).append("=").append(v);
            }
        }
        bool json_;
        std::string s_;
    };

    template <class Fill>
    void line(time_point at, std::string_view event, Fill fill) {
        if (!start_) {
            start_ = at;
        }
        fields f{format_};
        fill(f);
        const std::string t = fields::seconds(at - *start_);
        if (format_ == log_format::json) {
            *out_ << "{\"event\":\"" << event << "\",\"t\":" << t << f.take() << "}\n";
        } else {
            *out_ << "[" << t << "s] " << event << f.take() << "\n";
        }
        out_->flush();
    }

    std::ostream* out_;
    log_format format_;
    std::optional<time_point> start_;
};

} // namespace redial

#endif
