// What every sentence of the explanation catalogue (trace/explain.cpp)
// reads an event with: its fields by name, worded (bytes, durations, enum
// names), and its context (which host, which connection, which OS).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "trace/explain.hpp"
#include "trace/trace.hpp"

namespace loopscope::trace::explain_detail {

inline std::string with_commas(std::uint64_t n) { return format_count(n); }

inline std::string plural(std::uint64_t n, std::string_view one, std::string_view many) {
    return with_commas(n) + " " + std::string(n == 1 ? one : many);
}

// Reads one event's fields by name and words its context.
class Sentence {
public:
    Sentence(const Trace& trace, const Event& event) : trace_(trace), e_(event) {}

    std::int64_t arg(std::string_view field) const { return trace_.arg(e_, field); }
    std::uint64_t count(std::string_view field) const {
        const auto v = arg(field);
        return v < 0 ? 0 : static_cast<std::uint64_t>(v);
    }
    bool flag(std::string_view field) const { return arg(field) != 0; }
    std::string bytes(std::string_view field) const { return format_bytes(count(field)); }
    std::string nanos(std::string_view field) const { return format_nanos(arg(field)); }
    std::string number(std::string_view field) const { return with_commas(count(field)); }
    // Identifiers such as ports read better without thousands separators.
    std::string plain(std::string_view field) const { return std::to_string(count(field)); }
    std::string_view name(std::string_view field) const {
        const int index = field_index(e_.kind, field);
        if (index < 0) return "?";
        const auto names = enum_names(kind_spec(e_.kind).fields[static_cast<std::size_t>(index)].type);
        const auto v = arg(field);
        return v >= 0 && static_cast<std::size_t>(v) < names.size() ? names[static_cast<std::size_t>(v)] : "?";
    }
    std::string text(std::string_view field) const { return std::string(trace_.text(arg(field))); }
    NotifierApi api() const { return static_cast<NotifierApi>(arg("api")); }

    // "the server" / "the client", from the host's role in the header.
    std::string who() const { return "the " + role(); }
    std::string Who() const { return "The " + role(); }
    std::string whose() const { return "the " + role() + "'s"; }
    // The other end of the connection.
    std::string peer() const { return role() == "server" ? "the client" : "the server"; }
    std::string Peer() const { return role() == "server" ? "The client" : "The server"; }
    std::string conn() const {
        return e_.conn == no_conn ? std::string("a connection") : "connection " + std::to_string(e_.conn);
    }
    // "connection 3", or "the listening socket of listener 1".
    std::string socket() const {
        const auto listener = count("listener");
        if (field_index(e_.kind, "listener") >= 0 && listener != 0)
            return "the listening socket of listener " + std::to_string(listener);
        return conn();
    }
    std::string os() const { return e_.host < trace_.header.hosts.size() ? trace_.header.hosts[e_.host].os : ""; }

private:
    const Trace& trace_;
    const Event& e_;

    std::string role() const {
        if (e_.host < trace_.header.hosts.size() && !trace_.header.hosts[e_.host].role.empty())
            return trace_.header.hosts[e_.host].role;
        return "host";
    }
};

}  // namespace loopscope::trace::explain_detail
