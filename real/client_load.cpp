#include "real/client_load.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

#include "real/client_http_get.hpp"
#include "trace/explain.hpp"

namespace loopscope::real {
namespace {

std::uint64_t count_open_fds(std::uint64_t limit) {
    if (DIR* dir = opendir("/proc/self/fd")) {
        std::uint64_t n = 0;
        while (const dirent* entry = readdir(dir))
            if (entry->d_name[0] != '.') ++n;
        closedir(dir);
        return n > 0 ? n - 1 : 0;  // the directory's own descriptor
    }
    std::uint64_t n = 0;
    for (std::uint64_t fd = 0; fd < limit && fd < (1u << 20); ++fd)
        if (fcntl(static_cast<int>(fd), F_GETFD) != -1) ++n;
    return n;
}

}  // namespace

std::uint64_t FdBudget::connections_that_fit(std::uint64_t per_connection) const {
    const std::uint64_t used = open_now + fd_margin;
    if (soft_limit <= used || per_connection == 0) return 0;
    return (soft_limit - used) / per_connection;
}

FdBudget raise_fd_limit() {
    FdBudget budget;
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        budget.error = std::string("getrlimit(RLIMIT_NOFILE) failed: ") + std::strerror(errno);
        budget.soft_limit = budget.hard_limit = 1024;
    } else {
        if (limit.rlim_cur < limit.rlim_max) {
            rlimit raised = limit;
            raised.rlim_cur = limit.rlim_max;
            // An unlimited hard limit cannot be the soft limit on Linux
            // (it is capped by fs.nr_open): try, and keep the old one if refused.
            if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
                limit = raised;
                budget.raised = true;
            } else {
                budget.error = std::string("setrlimit(RLIMIT_NOFILE) to the hard limit failed: ") + std::strerror(errno);
            }
        }
        budget.soft_limit = limit.rlim_cur == RLIM_INFINITY ? (1u << 20) : limit.rlim_cur;
        budget.hard_limit = limit.rlim_max == RLIM_INFINITY ? (1u << 20) : limit.rlim_max;
    }
    budget.open_now = count_open_fds(budget.soft_limit);
    return budget;
}

std::unique_ptr<ClientProgram> make_load_client(Loop& loop, const sim::Scenario& scenario, RunNotes& notes) {
    return make_load_client_budgeted(loop, scenario, notes, 2);
}

std::unique_ptr<ClientProgram> make_load_client_budgeted(Loop& loop, const sim::Scenario& scenario, RunNotes& notes,
                                                         unsigned fds_per_connection) {
    std::unique_ptr<ClientHost> host = make_http_get_host(loop, scenario, tcp_connector(), true);
    const FdBudget budget = raise_fd_limit();
    if (!budget.error.empty()) notes.add("load: " + budget.error + ".");
    const std::uint64_t wanted = scenario.clients.count;
    const std::uint64_t fit = budget.connections_that_fit(fds_per_connection);
    if (fit < wanted) {
        using trace::format_count;
        const std::string why =
            fds_per_connection > 1
                ? " each connection needs " + std::to_string(fds_per_connection) +
                      " descriptors here because the server runs in the same process"
                : " each connection needs one descriptor";
        notes.add("load: opening only " + format_count(fit) + " of " + format_count(wanted) +
                  " connections: RLIMIT_NOFILE is " + format_count(budget.soft_limit) + " (hard limit " +
                  format_count(budget.hard_limit) + "), " + format_count(budget.open_now) +
                  " descriptors were already open, " + format_count(fd_margin) + " are kept free, and" + why + ".");
        host->set_client_limit(static_cast<std::uint32_t>(fit));
        host->count_connect_failures(wanted - fit);
    }
    return host;
}

}  // namespace loopscope::real
