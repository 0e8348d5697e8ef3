#include "support/process.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <poll.h>
#include <regex>
#include <signal.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace mailsync::test {

namespace {

std::vector<std::string> merged_environment(const RunOptions& options) {
    std::map<std::string, std::string> env;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        std::string item(*entry);
        std::size_t equals = item.find('=');
        if (equals != std::string::npos)
            env[item.substr(0, equals)] = item.substr(equals + 1);
    }
    for (const std::string& name : options.unset_env)
        env.erase(name);
    for (const auto& [name, value] : options.env)
        env[name] = value;
    std::vector<std::string> out;
    for (const auto& [name, value] : env)
        out.push_back(name + "=" + value);
    return out;
}

// Starts argv with the environment of `options`; the file actions set up its descriptors.
pid_t spawn(const std::vector<std::string>& argv, const RunOptions& options,
            posix_spawn_file_actions_t& actions) {
    posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());
    std::vector<std::string> env = merged_environment(options);
    std::vector<char*> env_pointers;
    for (std::string& item : env)
        env_pointers.push_back(item.data());
    env_pointers.push_back(nullptr);
    std::vector<std::string> args = argv;
    std::vector<char*> arg_pointers;
    for (std::string& item : args)
        arg_pointers.push_back(item.data());
    arg_pointers.push_back(nullptr);
    pid_t pid = 0;
    int spawned = posix_spawn(&pid, args[0].c_str(), &actions, nullptr, arg_pointers.data(),
                              env_pointers.data());
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0)
        throw std::runtime_error(std::string("spawn failed: ") + std::strerror(spawned));
    return pid;
}

} // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const RunOptions& options) {
    int out_pipe[2], err_pipe[2], in_pipe[2];
    if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0 || pipe(in_pipe) != 0)
        throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]})
        posix_spawn_file_actions_addclose(&actions, fd);
    pid_t pid = 0;
    try {
        pid = spawn(argv, options, actions);
    } catch (...) {
        for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]})
            close(fd);
        throw;
    }
    close(in_pipe[0]);
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (!options.stdin_text.empty()) {
        ssize_t written = write(in_pipe[1], options.stdin_text.data(), options.stdin_text.size());
        (void)written;
    }
    close(in_pipe[1]);

    ProcessResult result;
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    std::string* sinks[2] = {&result.out, &result.err};
    int open_count = 2;
    char buffer[65536];
    while (open_count > 0) {
        if (poll(fds, 2, -1) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0)
                continue;
            ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
            if (n > 0) {
                sinks[i]->append(buffer, static_cast<std::size_t>(n));
            } else {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_count;
            }
        }
    }
    int status = 0;
    waitpid(pid, &status, 0);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

namespace {

// The built binary with `args`, and the environment every run of it gets: no colour, and no
// live tests in apply unless the test asks for them.
std::vector<std::string> mailsync_argv(const std::vector<std::string>& args) {
    std::vector<std::string> argv{MAILSYNC_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

RunOptions mailsync_options(const RunOptions& options) {
    RunOptions with_env = options;
    with_env.env.emplace("NO_COLOR", "1");
    if (!options.live_tests)
        with_env.env.emplace("MAILSYNC_SKIP_LIVE_TESTS", "1");
    return with_env;
}

} // namespace

ProcessResult run_mailsync(const std::vector<std::string>& args, const RunOptions& options) {
    return run_process(mailsync_argv(args), mailsync_options(options));
}

Background start_mailsync(const std::vector<std::string>& args, const RunOptions& options) {
    return start_process(mailsync_argv(args), mailsync_options(options));
}

Background start_process(const std::vector<std::string>& argv, const RunOptions& with_env) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    return Background{spawn(argv, with_env, actions)};
}

Background start_mailsync_to_files(const std::vector<std::string>& args,
                                   const std::string& out_file, const std::string& err_file,
                                   const RunOptions& options) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawn_file_actions_addopen(&actions, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    return Background{spawn(mailsync_argv(args), mailsync_options(options), actions)};
}

void stop_process(int pid) {
    kill(pid, SIGTERM);
    for (int i = 0; i < 200; ++i) {
        if (waitpid(pid, nullptr, WNOHANG) == pid)
            return;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
}

int Background::wait() {
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_file(const std::string& path, const std::string& text) {
    std::filesystem::path p(path);
    if (p.has_parent_path())
        std::filesystem::create_directories(p.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << text;
}

int wait_for_serving(const std::string& out_file) {
    std::regex serving("serving on https?://127\\.0\\.0\\.1:([0-9]+)");
    for (int i = 0; i < 200; ++i) {
        std::smatch found;
        std::string text = read_file(out_file);
        if (std::regex_search(text, found, serving))
            return std::stoi(found[1]);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return 0;
}

} // namespace mailsync::test
