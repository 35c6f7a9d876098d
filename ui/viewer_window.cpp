// The viewer's window: GLFW + OpenGL 3 + Dear ImGui, following the frame of
// ImGui's example_glfw_opengl3. Everything the frame shows is built by
// build_frame() from the ViewerState; this file only owns the window, the
// fonts' texture, the ini file and screenshots.
#include "ui/viewer.hpp"

#include <GLFW/glfw3.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>

#include <cfloat>
#include <cstdlib>
#include <iostream>
#include <vector>

#include "sim/lessons.hpp"
#include <imgui_internal.h>

#include "ui/png_writer.hpp"
#include "ui/viewer_fonts.hpp"
#include "ui/viewer_frame.hpp"
#include "ui/viewer_settings.hpp"

namespace loopscope::ui {

namespace {

void report_glfw_error(int code, const char* description) {
    std::cerr << "loopscope: GLFW error " << code << ": " << description << "\n";
}

// Queues presses and repeats for handle_keys(); releases need no action.
void queue_key_press(GLFWwindow* window, int key, int, int action, int mods) {
    if (action != GLFW_PRESS && action != GLFW_REPEAT) return;
    auto* state = static_cast<ViewerState*>(glfwGetWindowUserPointer(window));
    if (state != nullptr)
        state->key_presses.push_back(KeyPress{key, (mods & GLFW_MOD_SHIFT) != 0, (mods & GLFW_MOD_CONTROL) != 0});
}

// Reads the back buffer (after rendering, before the swap) into top-first rows.
std::vector<std::uint8_t> read_back_buffer(int width, int height) {
    std::vector<std::uint8_t> pixels(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 4);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadBuffer(GL_BACK);
    glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
    // OpenGL's first row is the bottom one; PNG's is the top.
    const std::size_t row = static_cast<std::size_t>(width) * 4;
    std::vector<std::uint8_t> flipped(pixels.size());
    for (int y = 0; y < height; ++y)
        std::copy_n(pixels.begin() + static_cast<std::ptrdiff_t>(y * row), row,
                    flipped.begin() + static_cast<std::ptrdiff_t>((height - 1 - y) * row));
    // The window has no alpha to show: make every pixel opaque.
    for (std::size_t i = 3; i < flipped.size(); i += 4) flipped[i] = 255;
    return flipped;
}

// Screenshot mode: which step to show once the documents are loaded.
bool position_cursor(ViewerState& state, const ViewerOptions& options, std::ostream& err) {
    if (options.at_time) {
        move_cursor(state, index_at_time(state.primary->trace, trace_origin(state.primary->trace) + *options.at_time));
        return true;
    }
    if (options.at.empty()) return true;
    auto index = parse_step_spec(options.at, state.primary->trace.size());
    if (auto* message = std::get_if<std::string>(&index)) {
        err << "loopscope view: " << *message << "\n";
        return false;
    }
    move_cursor(state, std::get<std::size_t>(index));
    return true;
}

std::vector<std::pair<std::string, std::string>> lesson_titles() {
    std::vector<std::pair<std::string, std::string>> titles;
    for (const sim::Lesson& lesson : sim::builtin_lessons()) {
        auto loaded = sim::load_lesson(lesson);
        const auto* scenario = std::get_if<sim::Scenario>(&loaded);
        titles.emplace_back(std::string(lesson.id), scenario ? scenario->title : std::string(lesson.id));
    }
    return titles;
}

}  // namespace

std::string no_display_reason() {
#if defined(__linux__) || defined(__FreeBSD__) || defined(__OpenBSD__)
    const char* x11 = std::getenv("DISPLAY");
    const char* wayland = std::getenv("WAYLAND_DISPLAY");
    if ((x11 == nullptr || *x11 == '\0') && (wayland == nullptr || *wayland == '\0'))
        return "no display found (neither DISPLAY nor WAYLAND_DISPLAY is set)";
#endif
    return {};
}

int run_viewer(const ViewerOptions& options, std::ostream& err) {
    const std::string target = options.target.empty() ? std::string(sim::default_lesson_id) : options.target;
    auto primary_source = resolve_source(target);
    if (auto* message = std::get_if<std::string>(&primary_source)) {
        err << "loopscope view: " << *message << "\n";
        return 2;
    }
    if (!options.overrides.empty()) {
        DocumentSource& source = std::get<DocumentSource>(primary_source);
        if (source.type == DocumentSource::Type::trace_file) {
            err << "loopscope view: --set changes a scenario, but " << source.name << " is a recorded trace\n";
            return 2;
        }
        source.overrides = options.overrides;
    }
    std::optional<DocumentSource> compare_source;
    if (!options.compare_target.empty()) {
        auto resolved = resolve_source(options.compare_target);
        if (auto* message = std::get_if<std::string>(&resolved)) {
            err << "loopscope view: --compare: " << *message << "\n";
            return 2;
        }
        compare_source = std::get<DocumentSource>(resolved);
        if (!options.compare_overrides.empty() && compare_source->type == DocumentSource::Type::trace_file) {
            err << "loopscope view: --compare-set changes a scenario, but " << compare_source->name << " is a recorded trace\n";
            return 2;
        }
        compare_source->overrides = options.compare_overrides;
    }

    glfwSetErrorCallback(report_glfw_error);
    if (!glfwInit()) {
        err << "loopscope view: cannot open a window (GLFW could not initialise the display)\n";
        return viewer_no_window;
    }
    const bool screenshot_mode = !options.screenshot.empty();
    ViewerState state;
    WindowGeometry geometry;
    state.lessons = lesson_titles();
    state.presenter = options.presenter;
    state.show_help = options.show_help;
    if (auto tab = tab_from_name(options.tab)) {
        state.tab = *tab;
        state.tab_requested = true;
    }

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    // Screenshots and tests must not depend on (or change) a user's saved
    // layout; an interactive run remembers it in the config directory.
    const std::string ini_path = screenshot_mode ? std::string() : settings_path();
    register_settings(state, geometry);
    io.IniFilename = nullptr;
    if (!ini_path.empty()) {
        ImGui::LoadIniSettingsFromDisk(ini_path.c_str());
        io.IniFilename = ini_path.c_str();
    }
    if (options.presenter_scale > 0.0f) state.presenter_scale = options.presenter_scale;
    if (options.size_given || screenshot_mode) geometry = WindowGeometry{options.width, options.height};

    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
    glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_TRUE);
    if (screenshot_mode) glfwWindowHint(GLFW_RESIZABLE, GLFW_FALSE);
    GLFWwindow* window = glfwCreateWindow(geometry.width, geometry.height, "loopscope", nullptr, nullptr);
    if (window == nullptr) {
        err << "loopscope view: cannot create an OpenGL 3 window\n";
        ImGui::DestroyContext();
        glfwTerminate();
        return viewer_no_window;
    }
    glfwMakeContextCurrent(window);
    glfwSwapInterval(screenshot_mode ? 0 : 1);
    float content_x = 1.0f, content_y = 1.0f;
    glfwGetWindowContentScale(window, &content_x, &content_y);
    state.dpi_scale = std::max(1.0f, content_y);

    // Our key callback goes in first: ImGui's backend installs its own and
    // chains to the one it found, so both see every key.
    glfwSetWindowUserPointer(window, &state);
    glfwSetKeyCallback(window, queue_key_press);
    ImGui_ImplGlfw_InitForOpenGL(window, true);
    ImGui_ImplOpenGL3_Init("#version 130");

    start_load(state, std::get<DocumentSource>(primary_source), BackgroundLoad::Slot::primary);
    state.queued_compare = compare_source;

    int exit_code = 0;
    int frames_ready = 0;  // screenshot mode: frames drawn since the documents loaded
    bool styled_presenter = !state.presenter;
    std::string shown_title;
    while (!glfwWindowShouldClose(window)) {
        // Idle windows sleep until input arrives; playing, loading and
        // screenshots keep the frames coming.
        if (state.playing || state.loading || screenshot_mode) glfwPollEvents();
        else glfwWaitEventsTimeout(0.25);

        int framebuffer_width = 0, framebuffer_height = 0;
        glfwGetFramebufferSize(window, &framebuffer_width, &framebuffer_height);
        const float scale = effective_scale(state, static_cast<float>(std::max(framebuffer_height, 1)));
        if (scale != state.font_scale_built || styled_presenter != state.presenter) {
            build_fonts(state, scale);
            ImGui_ImplOpenGL3_DestroyFontsTexture();
            ImGui_ImplOpenGL3_CreateFontsTexture();
            state.style = make_view_style(state.presenter, scale, true);
            styled_presenter = state.presenter;
        }

        ImGui_ImplOpenGL3_NewFrame();
        ImGui_ImplGlfw_NewFrame();
        // A screenshot shows the window as it is, not a tooltip under
        // wherever the virtual display's pointer happens to rest.
        if (screenshot_mode) io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
        ImGui::NewFrame();
        update(state, static_cast<double>(io.DeltaTime));
        build_frame(state);
        ImGui::Render();

        int width = 0, height = 0;
        glfwGetFramebufferSize(window, &width, &height);
        glViewport(0, 0, width, height);
        const ImVec4 clear = ImGui::ColorConvertU32ToFloat4(state.style.background);
        glClearColor(clear.x, clear.y, clear.z, 1.0f);
        glClear(GL_COLOR_BUFFER_BIT);
        ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());

        if (!state.screenshot_request.empty() && state.screenshot_wait_frames > 0) {
            --state.screenshot_wait_frames;
        } else if (!state.screenshot_request.empty()) {
            const std::string problem = write_png_file(state.screenshot_request, width, height, read_back_buffer(width, height));
            if (problem.empty()) set_status(state, "screenshot saved to " + state.screenshot_request);
            else set_status(state, "cannot save the screenshot: " + problem, true);
            state.screenshot_request.clear();
        }

        if (screenshot_mode) {
            const bool loaded = state.primary && !state.loading && !state.queued_compare;
            if (!loaded && state.loading == nullptr && !state.primary) {
                err << "loopscope view: " << state.status << "\n";
                exit_code = 2;
                break;
            }
            if (loaded && frames_ready == 0 && compare_source && !state.compare) {
                err << "loopscope view: --compare: " << state.status << "\n";
                exit_code = 2;
                break;
            }
            if (loaded && frames_ready == 0 && !position_cursor(state, options, err)) {
                exit_code = 2;
                break;
            }
            // ImGui sizes windows and tables over the first frames; the
            // fourth frame after loading is the settled one.
            if (loaded && ++frames_ready == 4) {
                const std::string problem = write_png_file(options.screenshot, width, height, read_back_buffer(width, height));
                if (!problem.empty()) {
                    err << "loopscope view: cannot save the screenshot: " << problem << "\n";
                    exit_code = 1;
                }
                break;
            }
        }

        glfwSwapBuffers(window);
        if (state.window_title != shown_title) {
            shown_title = state.window_title;
            glfwSetWindowTitle(window, shown_title.empty() ? "loopscope" : shown_title.c_str());
        }
        if (!screenshot_mode) {
            int w = 0, h = 0;
            glfwGetWindowSize(window, &w, &h);
            if (w > 0 && h > 0 && (w != geometry.width || h != geometry.height)) {
                geometry = WindowGeometry{w, h};
                ImGui::MarkIniSettingsDirty();
            }
        }
        if (state.quit_requested) glfwSetWindowShouldClose(window, GLFW_TRUE);
    }

    state.loading.reset();
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();  // writes imgui.ini
    glfwDestroyWindow(window);
    glfwTerminate();
    return exit_code;
}

}  // namespace loopscope::ui
