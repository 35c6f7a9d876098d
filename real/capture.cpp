// Packet capture for real runs (--capture), with libpcap on the loopback
// interface. Only headers are kept (snap length 128), the kernel hands
// packets over at once (immediate mode), and a background thread turns each
// frame into a CapturedSegment (real/segment_parser.hpp does the parsing).
//
// Clocks: libpcap stamps packets with the kernel's wall clock
// (CLOCK_REALTIME); the trace runs on CLOCK_MONOTONIC. start_capture() reads
// the two clocks back to back (the narrowest of a few tries) and adds their
// difference to every packet time. CLOCK_MONOTONIC follows NTP's slewing
// just as CLOCK_REALTIME does (clock_gettime(2)), so the difference stays
// put while the clock is only slewed: the error is half the width of the
// narrowest read-back (tens of ns here), plus any step of the wall clock
// during the run (settimeofday, a leap second), which would shift later
// packets by the size of the step.
#include "real/capture.hpp"

#include <pcap/pcap.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <thread>

#include "real/segment_parser.hpp"

namespace loopscope::real {
namespace {

// Headers only. Loopback frames here are 14 (Ethernet) + 20 (IPv4) + 32..40
// (TCP with options) bytes; only a frame with both IP and TCP options at
// their 60-byte maxima would be cut, and then only its last TCP options.
constexpr int snap_length = 128;
// How long one pcap_dispatch may block, so stop() is never kept waiting.
constexpr int read_timeout_ms = 10;
// The kernel's buffer for packets not yet read (libpcap's default is 2 MiB).
constexpr int buffer_bytes = 8 << 20;
// Segments kept per capture: about 120 MB. A long `serve --capture` under
// load would otherwise grow without bound; later segments are counted in
// dropped() instead.
constexpr std::size_t max_segments = std::size_t{1} << 22;
// How often the capture thread asks the kernel for its drop count.
constexpr Nanos stats_interval = 100'000'000;

constexpr const char* goes_on = "; the run goes on without the wire lane";

Nanos read_clock(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<Nanos>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// monotonic = realtime + offset, from the narrowest of a few back-to-back
// reads (realtime, monotonic, realtime); the error is at most half its width.
struct ClockOffset {
    Nanos realtime_to_monotonic = 0;
};

ClockOffset measure_clock_offset() {
    ClockOffset best;
    Nanos best_width = -1;
    for (int attempt = 0; attempt < 8; ++attempt) {
        Nanos before = read_clock(CLOCK_REALTIME);
        Nanos monotonic = read_clock(CLOCK_MONOTONIC);
        Nanos after = read_clock(CLOCK_REALTIME);
        Nanos width = after - before;
        if (best_width < 0 || width < best_width) {
            best_width = width;
            best.realtime_to_monotonic = monotonic - (before + width / 2);
        }
    }
    return best;
}

std::optional<LinkFraming> framing_for(int link_type) {
    switch (link_type) {
    case DLT_EN10MB: return LinkFraming::ethernet;
    case DLT_NULL: return LinkFraming::bsd_null;
    case DLT_LOOP: return LinkFraming::bsd_loop;
    case DLT_LINUX_SLL: return LinkFraming::linux_sll;
    case DLT_LINUX_SLL2: return LinkFraming::linux_sll2;
    case DLT_RAW: return LinkFraming::raw_ip;
#ifdef DLT_IPV4
    case DLT_IPV4: return LinkFraming::raw_ip;
#endif
    default: return std::nullopt;
    }
}

// The loopback interface as libpcap names it ("lo" on Linux, "lo0" on
// macOS and the BSDs); "lo" when libpcap cannot list the interfaces.
std::string loopback_device() {
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_if_t* devices = nullptr;
    std::string name = "lo";
    if (pcap_findalldevs(&devices, errbuf) == 0) {
        for (pcap_if_t* device = devices; device != nullptr; device = device->next) {
            if ((device->flags & PCAP_IF_LOOPBACK) != 0 && device->name != nullptr) {
                name = device->name;
                break;
            }
        }
        pcap_freealldevs(devices);
    }
    return name;
}

class PcapCapture final : public PacketCapture {
public:
    PcapCapture(pcap_t* handle, LinkFraming framing, bool nanosecond_stamps, ClockOffset offset)
        : handle_(handle), framing_(framing), nanosecond_stamps_(nanosecond_stamps), offset_(offset) {
        segments_.reserve(4096);
        thread_ = std::thread([this] { run(); });
    }

    ~PcapCapture() override {
        if (!stopped_) stop();
        pcap_close(handle_);
    }

    std::vector<CapturedSegment> stop() override {
        if (stopped_) return {};
        stopped_ = true;
        stopping_.store(true);
        pcap_breakloop(handle_);
        thread_.join();
        // Packets the kernel had already queued when stop() was called are
        // still in the capture buffer: read them without blocking, so a FIN
        // sent just before stop() is not lost.
        char errbuf[PCAP_ERRBUF_SIZE] = {};
        if (pcap_setnonblock(handle_, 1, errbuf) == 0) {
            for (int round = 0; round < 1000; ++round) {
                int got = pcap_dispatch(handle_, -1, &PcapCapture::on_packet, reinterpret_cast<u_char*>(this));
                if (got == PCAP_ERROR_BREAK) continue;  // the break requested above, not yet consumed
                if (got <= 0) break;
            }
        }
        update_dropped();
        // One thread appends in arrival order; the kernel stamps in the same
        // order, but a stable sort keeps the promise of "time order" even if
        // a clock step moved a stamp back.
        std::stable_sort(segments_.begin(), segments_.end(),
                         [](const CapturedSegment& a, const CapturedSegment& b) { return a.time < b.time; });
        return std::move(segments_);
    }

    std::uint64_t dropped() const override { return kernel_dropped_.load() + discarded_.load(); }

private:
    void run() {
        Nanos last_stats = read_clock(CLOCK_MONOTONIC);
        while (!stopping_.load()) {
            int got = pcap_dispatch(handle_, -1, &PcapCapture::on_packet, reinterpret_cast<u_char*>(this));
            if (got == PCAP_ERROR) break;  // the interface went away; stop() still returns what was seen
            Nanos now = read_clock(CLOCK_MONOTONIC);
            if (now - last_stats >= stats_interval) {
                update_dropped();
                last_stats = now;
            }
        }
    }

    // pcap_stats is only called from the thread that reads the handle (the
    // capture thread while it runs, then stop() after the join).
    void update_dropped() {
        pcap_stat stats{};
        if (pcap_stats(handle_, &stats) == 0) kernel_dropped_.store(stats.ps_drop);
    }

    static void on_packet(u_char* user, const pcap_pkthdr* header, const u_char* bytes) {
        auto* self = reinterpret_cast<PcapCapture*>(user);
        std::optional<ParsedSegment> parsed = parse_frame(self->framing_, {bytes, header->caplen});
        if (!parsed) return;
        if (self->segments_.size() >= max_segments) {
            self->discarded_.fetch_add(1);
            return;
        }
        // With nanosecond precision libpcap puts nanoseconds in tv_usec.
        Nanos fraction = self->nanosecond_stamps_ ? static_cast<Nanos>(header->ts.tv_usec)
                                                  : static_cast<Nanos>(header->ts.tv_usec) * 1000;
        Nanos wall = static_cast<Nanos>(header->ts.tv_sec) * 1'000'000'000 + fraction;
        CapturedSegment segment;
        segment.time = wall + self->offset_.realtime_to_monotonic;
        segment.src_port = parsed->src_port;
        segment.dst_port = parsed->dst_port;
        segment.flags = parsed->flags;
        segment.seq = parsed->seq;
        segment.ack = parsed->ack;
        segment.len = parsed->len;
        segment.win = self->scaling_.window_bytes(*parsed);
        self->segments_.push_back(segment);
    }

    pcap_t* handle_;
    LinkFraming framing_;
    bool nanosecond_stamps_;
    ClockOffset offset_;
    WindowScaling scaling_;
    // Written by the capture thread only, read by stop() after the join.
    std::vector<CapturedSegment> segments_;
    std::atomic<bool> stopping_{false};
    std::atomic<std::uint64_t> kernel_dropped_{0};
    std::atomic<std::uint64_t> discarded_{0};
    bool stopped_ = false;
    std::thread thread_;
};

std::string pcap_failure(pcap_t* handle, int status) {
    std::string message = pcap_geterr(handle);
    if (message.empty()) message = pcap_statustostr(status);
    return message;
}

}  // namespace

OpenedCapture::~OpenedCapture() {
    if (handle_ != nullptr) pcap_close(handle_);
}

std::variant<OpenedCapture, std::string> open_capture() {
    std::string device = loopback_device();
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_t* handle = pcap_create(device.c_str(), errbuf);
    if (handle == nullptr) {
        return "packet capture could not open " + device + " (pcap: " + errbuf + ")" + goes_on;
    }
    OpenedCapture opened(handle);  // closes the handle on every failure below
    pcap_set_snaplen(handle, snap_length);
    pcap_set_promisc(handle, 0);
    pcap_set_immediate_mode(handle, 1);
    pcap_set_timeout(handle, read_timeout_ms);
    pcap_set_buffer_size(handle, buffer_bytes);
    // Nanosecond stamps where the platform has them (Linux does); otherwise
    // libpcap keeps microseconds and the times are whole microseconds.
    pcap_set_tstamp_precision(handle, PCAP_TSTAMP_PRECISION_NANO);

    int status = pcap_activate(handle);
    if (status == PCAP_ERROR_PERM_DENIED)
        return "packet capture needs root or CAP_NET_RAW (pcap: " + pcap_failure(handle, status) + ")" + goes_on;
    if (status < 0)
        return "packet capture could not start on " + device + " (pcap: " + pcap_failure(handle, status) + ")" +
               goes_on;
    if (!framing_for(pcap_datalink(handle))) {
        const char* name = pcap_datalink_val_to_name(pcap_datalink(handle));
        return "packet capture cannot read " + device + "'s link type " + std::to_string(pcap_datalink(handle)) +
               " (" + (name ? name : "unknown") + ")" + goes_on;
    }
    return std::variant<OpenedCapture, std::string>(std::move(opened));
}

std::variant<std::unique_ptr<PacketCapture>, std::string> start_capture(OpenedCapture opened, std::uint16_t port) {
    if (port == 0) return std::string("packet capture needs the server's port, and port 0 was given") + goes_on;
    pcap_t* handle = opened.handle_;
    const LinkFraming framing = *framing_for(pcap_datalink(handle));
    std::string filter_text = "tcp port " + std::to_string(port);
    bpf_program filter{};
    if (pcap_compile(handle, &filter, filter_text.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
        return "packet capture could not compile the filter \"" + filter_text + "\" (pcap: " + pcap_geterr(handle) +
               ")" + goes_on;
    int set = pcap_setfilter(handle, &filter);
    pcap_freecode(&filter);
    if (set != 0)
        return "packet capture could not install the filter \"" + filter_text + "\" (pcap: " + pcap_geterr(handle) +
               ")" + goes_on;
    bool nanosecond_stamps = pcap_get_tstamp_precision(handle) == PCAP_TSTAMP_PRECISION_NANO;
    // Measured last, just before capturing starts.
    ClockOffset offset = measure_clock_offset();
    try {
        auto capture = std::make_unique<PcapCapture>(handle, framing, nanosecond_stamps, offset);
        opened.handle_ = nullptr;  // the capture owns it now
        return std::unique_ptr<PacketCapture>(std::move(capture));
    } catch (const std::system_error& error) {
        return std::string("packet capture could not start its thread (") + error.what() + ")" + goes_on;
    }
}

std::variant<std::unique_ptr<PacketCapture>, std::string> start_capture(std::uint16_t port) {
    if (port == 0) return std::string("packet capture needs the server's port, and port 0 was given") + goes_on;
    auto opened = open_capture();
    if (auto* reason = std::get_if<std::string>(&opened)) return *reason;
    return start_capture(std::move(std::get<OpenedCapture>(opened)), port);
}

}  // namespace loopscope::real
