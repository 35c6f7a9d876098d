// One open trace in the viewer: where it came from, the trace itself, the
// state at the cursor, the models the panels draw from, and each panel's
// view state. The compare mode holds two of these.
//
// A Document is built on a background thread (simulating or loading a large
// trace takes seconds) and never moves afterwards: the cursor keyframes and
// the models keep pointers into its trace, so it lives in a unique_ptr.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/scenario.hpp"
#include "trace/state.hpp"
#include "trace/trace.hpp"
#include "ui/panel_events.hpp"
#include "ui/panel_inspector.hpp"
#include "ui/panel_sequence.hpp"
#include "ui/sequence_model.hpp"
#include "ui/timeline_model.hpp"
#include "ui/timeline_view.hpp"

namespace loopscope::ui {

// What to open: a built-in lesson, a scenario file, a trace file, or a
// scenario given as text (a simulated trace's own header, re-run with new
// parameters). Overrides are "dotted.key=value" as for --set.
struct DocumentSource {
    enum class Type { lesson, scenario_file, trace_file, scenario_text } type = Type::lesson;
    std::string name;            // lesson id, or path
    std::string scenario_text;   // Type::scenario_text only
    std::vector<std::string> overrides;
};

// Resolves a command-line or dialog argument like the CLI does: an existing
// file (a trace when it looks like one, else a scenario) or a lesson id.
std::variant<DocumentSource, std::string> resolve_source(const std::string& name);

class Document {
public:
    DocumentSource source;
    std::string title;         // "TCP echo: one connection, start to finish"
    std::string lesson_text;   // the lesson's introduction, when it has one
    std::string origin;        // "lesson tcp-echo", "trace run.jsonl" (for the window title)
    std::optional<sim::Scenario> scenario;  // present when the document can be re-simulated
    std::vector<std::string> warnings;      // shown once in the status bar (e.g. truncated file)
    trace::Trace trace;

    // Per-panel view state; the panels own their meaning.
    TimelineViewState timeline_view;
    InspectorState inspector;
    SequenceState sequence_view;
    EventListState event_list;

    std::size_t cursor() const { return cursor_; }
    const trace::WorldState& state() const { return state_; }
    // Moves the cursor, folding forward from the current state when that is
    // cheaper than a keyframe (playback and single steps cost one event).
    void move_to(std::size_t index);
    const TimelineModel& timeline() const { return *timeline_; }
    const SequenceModel& sequence() const { return *sequence_; }
    // compare_origin(trace), found once by index(): compare mode needs it
    // every frame, and a trace without a client.connect is a full scan.
    trace::Nanos compare_origin() const { return compare_origin_; }

    // Builds the cursor keyframes and the models; call once the trace is set.
    void index(const std::function<void(std::string_view stage)>& stage);

private:
    std::size_t cursor_ = 0;
    trace::WorldState state_;
    std::unique_ptr<trace::Cursor> keyframes_;
    std::unique_ptr<TimelineModel> timeline_;
    std::unique_ptr<SequenceModel> sequence_;
    trace::Nanos compare_origin_ = 0;
};

// Progress of a load: a fraction in [0,1] (or < 0 when unknown) and what is
// happening ("simulating", "reading", "indexing").
struct LoadStatus {
    double fraction = -1.0;
    std::string stage;
};

// Thrown from a progress callback when the user cancels a load.
struct LoadCancelled {};

// Simulates or reads the source and indexes it. Reports progress through
// `report`; `cancel` is polled and aborts the load with LoadCancelled.
// Returns a human-readable error (file:line:col: ...) on bad input.
std::variant<std::unique_ptr<Document>, std::string> load_document(
    const DocumentSource& source, const std::function<void(const LoadStatus&)>& report,
    const std::atomic<bool>& cancel);

}  // namespace loopscope::ui
