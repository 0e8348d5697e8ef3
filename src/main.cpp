// mailsync's entry point: the commands live in src/cli, the work in the core library.
#include <cstdio>
#include <exception>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
    try {
        return mailsync::cli::run(argc, argv);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "mailsync: internal error: %s\n", error.what());
    } catch (...) {
        std::fprintf(stderr, "mailsync: internal error\n");
    }
    return 1;
}
