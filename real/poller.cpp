#include <stdexcept>

#include "real/poller.hpp"

namespace loopscope::real {

std::vector<std::string> available_backends() {
    std::vector<std::string> names;
#if defined(__linux__)
    names.emplace_back("epoll");
#elif defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) || defined(__NetBSD__)
    names.emplace_back("kqueue");
#elif defined(_WIN32)
    names.emplace_back("iocp");
#endif
#if !defined(_WIN32)
    names.emplace_back("poll");
#endif
    return names;
}

std::unique_ptr<Poller> make_poller(std::string_view backend) {
    if (backend.empty() || backend == "native") {
        const std::vector<std::string> names = available_backends();
        if (names.empty()) throw std::invalid_argument("this build has no event notifier backend");
        backend = names.front();
        return make_poller(std::string(backend));
    }
#if defined(__linux__)
    if (backend == "epoll") return make_epoll_poller();
#endif
#if defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) || defined(__NetBSD__)
    if (backend == "kqueue") return make_kqueue_poller();
#endif
#if defined(_WIN32)
    if (backend == "iocp") return make_iocp_poller();
#else
    if (backend == "poll") return make_poll_poller();
#endif
    std::string known;
    for (const std::string& name : available_backends()) known += (known.empty() ? "" : ", ") + name;
    throw std::invalid_argument("unknown backend \"" + std::string(backend) + "\": this build has " + known +
                                " (or \"native\")");
}

}  // namespace loopscope::real
