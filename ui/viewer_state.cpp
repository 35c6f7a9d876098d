// The viewer's behaviour that does not draw anything: actions, cursor moves,
// playback and background loading. Kept apart from the ImGui code so tests
// drive exactly what the keys and buttons drive.
#include "ui/viewer_state.hpp"

#include <algorithm>
#include <cmath>

#include "trace/explain.hpp"

namespace loopscope::ui {

BackgroundLoad::BackgroundLoad(DocumentSource source_in, Slot slot_in, std::optional<trace::Nanos> keep_time_in)
    : source(std::move(source_in)), slot(slot_in), keep_time(keep_time_in) {
    worker_ = std::thread([this] {
        try {
            auto result = load_document(
                source,
                [this](const LoadStatus& status) {
                    std::lock_guard lock(mutex_);
                    status_ = status;
                },
                cancel_);
            if (auto* document = std::get_if<std::unique_ptr<Document>>(&result)) document_ = std::move(*document);
            else error_ = std::get<std::string>(result);
        } catch (const LoadCancelled&) {
            error_.clear();
        } catch (const std::exception& e) {
            error_ = source.name + ": " + e.what();
        }
        done_.store(true);
    });
}

BackgroundLoad::~BackgroundLoad() {
    cancel_.store(true);
    if (worker_.joinable()) worker_.join();
}

LoadStatus BackgroundLoad::status() const {
    std::lock_guard lock(mutex_);
    return status_;
}

std::optional<BottomTab> tab_from_name(std::string_view name) {
    if (name == "inspector") return BottomTab::inspector;
    if (name == "sequence") return BottomTab::sequence;
    if (name == "events") return BottomTab::events;
    if (name == "parameters") return BottomTab::parameters;
    return std::nullopt;
}

float presenter_scale_limit(float height) { return std::max(1.0f, height / (16.0f * 30.0f)); }

float effective_scale(const ViewerState& state, float height) {
    if (!state.presenter) return state.dpi_scale;
    return state.dpi_scale * std::min(state.presenter_scale, presenter_scale_limit(height / state.dpi_scale));
}

void set_status(ViewerState& state, std::string text, bool is_error) {
    state.status = std::move(text);
    state.status_is_error = is_error;
}

void move_cursor(ViewerState& state, std::size_t index) {
    if (!state.primary || state.primary->trace.empty()) return;
    state.primary->move_to(index);
    if (state.compare && !state.compare->trace.empty())
        state.compare->move_to(aligned_cursor(state.primary->trace, state.primary->cursor(), state.compare->trace));
}

void start_load(ViewerState& state, DocumentSource source, BackgroundLoad::Slot slot,
                std::optional<trace::Nanos> keep_time) {
    state.playing = false;
    state.loading.reset();  // cancels and joins a load already running
    state.loading = std::make_unique<BackgroundLoad>(std::move(source), slot, keep_time);
}

namespace {

void step(ViewerState& state, StepSize size, int direction) {
    if (!state.primary) return;
    if (auto next = step_from(state.primary->trace, state.primary->cursor(), size, direction)) {
        move_cursor(state, *next);
    } else if (size != StepSize::event) {
        set_status(state, direction > 0 ? "no further " + std::string(step_size_name(size)) + " after this step"
                                        : "no earlier " + std::string(step_size_name(size)) + " before this step");
    }
}

void zoom(ViewerState& state, double factor) {
    if (!state.primary) return;
    TimeAxis& axis = state.primary->timeline_view.axis;
    const trace::Nanos at = state.primary->trace[state.primary->cursor()].time;
    // Zoom around the cursor when it is on screen, else around the centre.
    const float x = at >= axis.start && at <= axis.end ? axis.x_of(at) : axis.x0 + axis.width / 2.0f;
    axis.zoom_around(x, factor);
    if (state.compare) state.compare->timeline_view.axis = axis;
}

void install(ViewerState& state, BackgroundLoad& load) {
    std::unique_ptr<Document> document = load.take_document();
    if (!document) {
        if (!load.error().empty()) set_status(state, load.error(), true);
        return;
    }
    for (const std::string& warning : document->warnings) set_status(state, "warning: " + warning, true);
    std::size_t index = 0;
    if (load.keep_time) index = index_at_time(document->trace, *load.keep_time);
    if (load.slot == BackgroundLoad::Slot::compare) {
        if (state.primary) document->timeline_view = state.primary->timeline_view;
        state.compare = std::move(document);
        move_cursor(state, state.primary ? state.primary->cursor() : 0);
        if (state.status.empty() || !state.status_is_error) set_status(state, "comparing with " + state.compare->origin);
        return;
    }
    // A re-run keeps the view where it was; a new document starts fitted.
    if (load.keep_time && state.primary) document->timeline_view = state.primary->timeline_view;
    state.primary = std::move(document);
    state.window_title = "loopscope - " + state.primary->title;
    move_cursor(state, index);
    if (!state.status_is_error) set_status(state, "opened " + state.primary->origin + ": " +
                                                      trace::format_count(state.primary->trace.size()) + " steps");
}

}  // namespace

void apply_action(ViewerState& state, Action action) {
    switch (action) {
        case Action::play_pause:
            state.playing = !state.playing;
            state.play_credit = 0.0;
            if (state.playing && state.primary && state.primary->cursor() + 1 >= state.primary->trace.size())
                move_cursor(state, 0);  // play from the start again when at the end
            break;
        case Action::step_forward: step(state, state.step_size, +1); break;
        case Action::step_back: step(state, state.step_size, -1); break;
        case Action::caption_forward: step(state, StepSize::caption, +1); break;
        case Action::caption_back: step(state, StepSize::caption, -1); break;
        case Action::home: move_cursor(state, 0); break;
        case Action::end:
            if (state.primary) move_cursor(state, state.primary->trace.size() - 1);
            break;
        case Action::zoom_in: zoom(state, 2.0); break;
        case Action::zoom_out: zoom(state, 0.5); break;
        case Action::fit:
            if (state.primary) {
                fit_all(state.primary->timeline_view, state.primary->trace);
                if (state.compare) state.compare->timeline_view.axis = state.primary->timeline_view.axis;
            }
            break;
        case Action::zoom_selection:
            if (state.primary) {
                zoom_to_selection(state.primary->timeline_view);
                if (state.compare) state.compare->timeline_view.axis = state.primary->timeline_view.axis;
            }
            break;
        case Action::open: state.open_dialog_requested = true; break;
        case Action::export_dialog: state.export_dialog_requested = true; break;
        case Action::presenter: state.presenter = !state.presenter; break;
        case Action::help: state.show_help = !state.show_help; break;
        case Action::quit: state.quit_requested = true; break;
    }
}

void update(ViewerState& state, double seconds) {
    if (state.loading && state.loading->done()) {
        std::unique_ptr<BackgroundLoad> load = std::move(state.loading);
        install(state, *load);
    }
    if (!state.loading && state.queued_compare && state.primary) {
        DocumentSource source = std::move(*state.queued_compare);
        state.queued_compare.reset();
        start_load(state, std::move(source), BackgroundLoad::Slot::compare);
    } else if (!state.loading && state.queued_compare) {
        state.queued_compare.reset();  // the primary failed to load: nothing to compare with
    }
    if (!state.playing || !state.primary) return;
    state.play_credit += seconds * static_cast<double>(state.steps_per_second);
    // A slow frame never turns into a burst of hundreds of steps.
    state.play_credit = std::min(state.play_credit, std::max(1.0, static_cast<double>(state.steps_per_second)));
    while (state.play_credit >= 1.0) {
        state.play_credit -= 1.0;
        auto next = step_from(state.primary->trace, state.primary->cursor(), state.step_size, +1);
        if (!next) {
            state.playing = false;
            set_status(state, "reached the end; press Space to play again from the start");
            break;
        }
        move_cursor(state, *next);
    }
}

}  // namespace loopscope::ui
