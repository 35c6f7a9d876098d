// Opening a document: simulate a lesson or scenario, or read a trace file,
// then build what the panels need. Runs on the loader thread; the viewer
// only ever sees finished documents.
#include "ui/document.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "sim/lessons.hpp"
#include "sim/scenario_loader.hpp"
#include "sim/simulate.hpp"
#include "trace/jsonl.hpp"
#include "ui/cli_target.hpp"
#include "ui/stepper.hpp"
#include "ui/stepping.hpp"

namespace loopscope::ui {

namespace {

// The lesson text a trace carries in its header, if any.
std::string lesson_text_of(const trace::Trace& trace) {
    const auto scenario = nlohmann::json::parse(trace.header.scenario_json, nullptr, false);
    if (scenario.is_object() && scenario.contains("lesson") && scenario["lesson"].is_string())
        return scenario["lesson"].get<std::string>();
    return {};
}

std::variant<sim::Scenario, std::string> load_scenario(const DocumentSource& source) {
    std::variant<sim::Scenario, sim::ScenarioError> loaded;
    switch (source.type) {
        case DocumentSource::Type::lesson: {
            const sim::Lesson* lesson = sim::find_lesson(source.name);
            if (lesson == nullptr) return "\"" + source.name + "\" is not a built-in lesson; the lessons are: " + lesson_ids();
            loaded = sim::load_lesson(*lesson, source.overrides);
            break;
        }
        case DocumentSource::Type::scenario_file:
            loaded = sim::load_scenario_file(source.name, source.overrides);
            break;
        case DocumentSource::Type::scenario_text:
            loaded = sim::load_scenario_text(source.scenario_text, source.name, source.overrides);
            break;
        case DocumentSource::Type::trace_file:
            return std::string("internal error: a trace file is not a scenario");
    }
    if (auto* error = std::get_if<sim::ScenarioError>(&loaded)) return error->text();
    return std::get<sim::Scenario>(std::move(loaded));
}

}  // namespace

std::variant<DocumentSource, std::string> resolve_source(const std::string& name) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(name, ec)) {
        DocumentSource source;
        source.type = trace::looks_like_trace_file(name) ? DocumentSource::Type::trace_file
                                                         : DocumentSource::Type::scenario_file;
        source.name = name;
        return source;
    }
    if (sim::find_lesson(name) != nullptr) return DocumentSource{DocumentSource::Type::lesson, name, {}, {}};
    return unknown_target(name);
}

void Document::move_to(std::size_t index) {
    if (trace.empty()) return;
    index = std::min(index, trace.size() - 1);
    // Folding forward costs one apply() per event; a keyframe jump costs a
    // state copy plus up to one interval of folding. Fold when that is less.
    if (index >= cursor_ && state_.applied == cursor_ + 1 && index - cursor_ <= keyframes_->keyframe_interval()) {
        for (std::size_t i = cursor_ + 1; i <= index; ++i) trace::apply(state_, trace, trace[i]);
    } else {
        state_ = keyframes_->state_at(index);
    }
    cursor_ = index;
}

void Document::index(const std::function<void(std::string_view stage)>& stage) {
    stage("indexing steps");
    keyframes_ = std::make_unique<trace::Cursor>(trace);
    stage("laying out the timeline");
    timeline_ = std::make_unique<TimelineModel>(trace);
    stage("drawing the packet flow");
    sequence_ = std::make_unique<SequenceModel>(trace);
    compare_origin_ = ui::compare_origin(trace);
    cursor_ = 0;
    state_ = trace.empty() ? trace::WorldState{} : keyframes_->state_at(0);
}

std::variant<std::unique_ptr<Document>, std::string> load_document(
    const DocumentSource& source, const std::function<void(const LoadStatus&)>& report,
    const std::atomic<bool>& cancel) {
    auto document = std::make_unique<Document>();
    document->source = source;
    auto stage = [&](std::string_view what) {
        if (cancel.load()) throw LoadCancelled{};
        report(LoadStatus{-1.0, std::string(what)});
    };
    if (source.type == DocumentSource::Type::trace_file) {
        auto loaded = trace::read_trace_file(source.name, [&](std::size_t done, std::size_t total) {
            if (cancel.load()) throw LoadCancelled{};
            report(LoadStatus{total == 0 ? -1.0 : static_cast<double>(done) / static_cast<double>(total),
                              "reading " + source.name});
        });
        if (auto* error = std::get_if<trace::LoadError>(&loaded)) return error->text();
        document->trace = std::get<trace::Trace>(std::move(loaded));
        if (document->trace.truncated) document->warnings.push_back(document->trace.truncation_note);
        document->title = document->trace.header.scenario_title.empty() ? source.name
                                                                          : document->trace.header.scenario_title;
        document->lesson_text = lesson_text_of(document->trace);
        if (const std::string note = real_trace_note(document->trace); !note.empty())
            document->lesson_text += (document->lesson_text.empty() ? "" : "\n\n") + note;
        // A real run says so: its times were measured on a machine, not simulated.
        document->origin = std::string(document->trace.header.source == "real" ? "real trace " : "trace ") +
                           std::filesystem::path(source.name).filename().string();
        // A simulated trace carries its scenario: it can be run again with
        // other parameters. A real trace cannot.
        if (document->trace.header.source == "sim") {
            auto scenario = sim::load_scenario_text(document->trace.header.scenario_json, source.name + " (header)");
            if (auto* s = std::get_if<sim::Scenario>(&scenario)) document->scenario = std::move(*s);
        }
    } else {
        auto scenario = load_scenario(source);
        if (auto* error = std::get_if<std::string>(&scenario)) return *error;
        document->scenario = std::get<sim::Scenario>(std::move(scenario));
        const sim::Scenario& s = *document->scenario;
        document->title = s.title;
        document->lesson_text = s.lesson;
        document->origin = source.type == DocumentSource::Type::lesson ? "lesson " + source.name
                                                                       : std::filesystem::path(source.name).filename().string();
        sim::RunOptions options;
        options.progress = [&](trace::Nanos now, trace::Nanos stop) {
            if (cancel.load()) throw LoadCancelled{};
            report(LoadStatus{stop <= 0 ? -1.0 : static_cast<double>(now) / static_cast<double>(stop),
                              "simulating " + s.id});
        };
        document->trace = sim::simulate(s, options);
    }
    if (document->trace.empty()) return source.name + ": the trace has no events";
    document->index(stage);
    return document;
}

}  // namespace loopscope::ui
