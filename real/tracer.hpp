// The real loop's recorder. Like Tracy's: plain fixed-size records written
// into a buffer that belongs to one thread (each Loop has its own Tracer),
// timestamps from the monotonic clock, and nothing allocated or formatted
// while recording. Both the record buffer and the text arena are reserved
// once, up front (real/reserved_memory.hpp); untouched pages cost no memory. When either is full,
// records are counted as dropped instead of growing (the flush step says
// how many). real/trace_build.hpp turns the records into a trace::Trace.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string_view>
#include <type_traits>

#include "real/clock.hpp"
#include "real/reserved_memory.hpp"
#include "trace/kinds.hpp"

namespace loopscope::real {

inline constexpr std::uint32_t no_record = 0xffffffffu;
inline constexpr int max_record_fields = 8;

// One event as recorded: 88 bytes, no pointers. Text fields hold a handle
// from Tracer::text() (an offset and length into the tracer's text arena).
struct TraceRecord {
    Stamp stamp;  // cycle_stamp(); Tracer::time_of() gives monotonic ns
    trace::Kind kind;
    std::uint8_t host;
    std::uint8_t field_count;
    std::int32_t conn;
    std::uint32_t cause;  // record number in the same tracer, or no_record
    // Bit f set: fields[f] is a duration in stamp ticks (set_duration),
    // turned into ns by Tracer::field_value once the clock is calibrated.
    std::uint32_t tick_fields;
    std::int64_t fields[max_record_fields];
};
static_assert(sizeof(TraceRecord) == 88);
// Records live in raw reserved memory (implicit-lifetime: no constructor runs).
static_assert(std::is_trivially_copyable_v<TraceRecord> && std::is_trivially_default_constructible_v<TraceRecord>);

struct TracerLimits {
    std::size_t records = 1u << 20;     // 1 Mi records (88 MiB reserved)
    std::size_t text_bytes = 16u << 20; // payload prefixes, URLs, handshake names
    // Back every page before the first record instead of as records come
    // (real/reserved_memory.hpp): for long runs at full speed.
    bool commit_up_front = false;
};

class Tracer {
public:
    // A disabled tracer records nothing and costs one branch per call site
    // (--no-trace).
    Tracer(std::uint8_t host, bool enabled, TracerLimits limits = {});

    bool enabled() const noexcept { return enabled_; }
    std::uint8_t host() const noexcept { return host_; }

    // Records one event now. `fields` follow the kind's field order in
    // trace/kinds.cpp. Returns the record number (a cause for later
    // records) or no_record when disabled or full.
    std::uint32_t record(trace::Kind kind, std::int32_t conn, std::initializer_list<std::int64_t> fields,
                         std::uint32_t cause = no_record) noexcept {
        if (!enabled_) return no_record;
        return record_at(cycle_stamp(), kind, conn, fields.begin(), fields.size(), cause);
    }
    // With a stamp taken earlier (cycle_stamp()): an event whose moment
    // came before the code could record it.
    std::uint32_t record_at(Stamp stamp, trace::Kind kind, std::int32_t conn, const std::int64_t* fields,
                            std::size_t count, std::uint32_t cause = no_record) noexcept {
        if (!enabled_) return no_record;
        if (used_ == limits_.records || count > max_record_fields) {
            ++dropped_;
            return no_record;
        }
        TraceRecord& r = records_[used_];
        r.stamp = stamp;
        r.kind = kind;
        r.host = host_;
        r.field_count = static_cast<std::uint8_t>(count);
        r.conn = conn;
        r.cause = cause;
        r.tick_fields = 0;
        if (count != 0) std::memcpy(r.fields, fields, count * sizeof(std::int64_t));  // {} may pass a null pointer
        return static_cast<std::uint32_t>(used_++);
    }

    std::uint32_t record_at(Stamp stamp, trace::Kind kind, std::int32_t conn, std::initializer_list<std::int64_t> fields,
                            std::uint32_t cause = no_record) noexcept {
        return record_at(stamp, kind, conn, fields.begin(), fields.size(), cause);
    }

    // Copies `bytes` into the text arena and returns the handle to put in a
    // text field (-1 when the arena is full or the tracer is off: the field
    // becomes ""). A copy, not formatting: one memcpy.
    std::int64_t text(std::string_view bytes) noexcept;

    // Changes one field of a record already made.
    void set_field(std::uint32_t record, int field, std::int64_t value) noexcept {
        if (record != no_record) records_[record].fields[field] = value;
    }
    // Sets a duration field to the time since `started` (a callback's
    // duration, known once it returned), in stamp ticks: two reads of the
    // cycle counter instead of two clock_gettime calls per traced callback.
    void set_duration(std::uint32_t record, int field, Stamp started) noexcept {
        if (record == no_record) return;
        TraceRecord& r = records_[record];
        r.fields[field] = static_cast<std::int64_t>(cycle_stamp().ticks - started.ticks);
        r.tick_fields |= 1u << field;
    }
    // For a record replayed from another process's tracer (same counter).
    void set_tick_fields(std::uint32_t record, std::uint32_t mask) noexcept {
        if (record != no_record) records_[record].tick_fields = mask;
    }
    // A record's field as the trace shows it: durations in ns.
    std::int64_t field_value(const TraceRecord& r, int field) const noexcept {
        return (r.tick_fields >> field) & 1u ? clock_.duration_of(r.fields[field]) : r.fields[field];
    }

    // Forgets every record (the buffers stay reserved): a benchmark's
    // repeated runs, a served trace after it was written.
    void clear() noexcept {
        used_ = 0;
        text_used_ = 0;
        dropped_ = 0;
    }

    std::size_t size() const noexcept { return used_; }
    // Takes the second calibration point; call once recording has stopped.
    void finish_clock() noexcept { clock_.calibrate(); }
    const StampClock& clock() const noexcept { return clock_; }
    // Converts with another tracer's line: the tracers of one run must
    // share one, or two lines a few µs apart put a read before the write
    // that sent its bytes (real/trace_build.cpp).
    void use_clock(const StampClock& clock) noexcept { clock_ = clock; }
    Nanos time_of(const TraceRecord& r) const noexcept { return clock_.to_nanos(r.stamp); }
    const TraceRecord& operator[](std::size_t i) const noexcept { return records_[i]; }
    std::string_view text_of(std::int64_t handle) const noexcept;
    std::uint64_t dropped() const noexcept { return dropped_; }

private:
    std::uint8_t host_;
    bool enabled_;
    TracerLimits limits_;
    ReservedMemory record_memory_;  // pages are backed only once written
    ReservedMemory text_memory_;
    TraceRecord* records_ = nullptr;
    char* text_ = nullptr;
    std::size_t used_ = 0;
    std::size_t text_used_ = 0;
    std::uint64_t dropped_ = 0;
    StampClock clock_;
};

}  // namespace loopscope::real
