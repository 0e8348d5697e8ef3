// Connections that fail: at the first connect a refusal or a failed login ends the migration
// at once; a connection lost after the work started is reconnected, and the reconnects tried
// are the ones counted; one broken off by the server at the first connect is tried once more.
// The lost connections come from a relay in front of the source Dovecot.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <atomic>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>

#include "config/loader.hpp"
#include "migrate/cutting_relay.hpp"
#include "migrate/mailboxes.hpp"
#include "migrate/migrator.hpp"

using namespace mailsync;
using namespace mailsync::test;

namespace {

// The migrations of `yaml`, loaded with the mailboxes' passwords in the environment.
LoadedConfig load_migrations(const std::string& yaml) {
    LoadOptions options;
    options.env = [](const std::string& name) -> std::optional<std::string> {
        for (int n = 1; n <= 40; ++n)
            if (name == fmt::format("M{}_PASSWORD", n))
                return password(n);
        return std::nullopt;
    };
    options.allowed_paths = std::vector<std::string>{mail_fixture().dir, destination_fixture().dir};
    LoadedConfig loaded = load_config_text("migrations.yaml", yaml, options);
    for (const Diagnostic& diagnostic : loaded.diagnostics.items())
        UNSCOPED_INFO(render_diagnostic(diagnostic, loaded.sources, false));
    REQUIRE(loaded.diagnostics.error_count() == 0);
    REQUIRE(loaded.config.migrations.size() == 1);
    return loaded;
}

std::vector<Fill> attachments(const std::string& prefix, int count) {
    std::vector<Fill> out;
    for (int i = 0; i < count; ++i)
        out.push_back({"INBOX", "", "", with_attachment(fmt::format("{}{}@x", prefix, i), 60'000)});
    return out;
}

} // namespace

TEST_CASE("a refused connection or a failed login at the first connect ends the migration at "
          "once, without reconnects") {
    const MailFixture& source = mail_fixture();
    const MailFixture& destination = destination_fixture();
    fill(source, user(21), password(21), {{"INBOX", "", "", text_message("r@x", "r", "r")}});
    TempDir dir;
    Side refused = password_side(source, 21);
    refused.port = 1; // nothing listens there
    Side wrong{&source, user(21), "{ password: wrong-password }"};
    write_file(dir.file("config/m.yaml"),
               migration_yaml("refused", refused, password_side(destination, 21)) +
                   migration_yaml("bad-login", wrong, password_side(destination, 21)));
    ProcessResult apply = run_mailsync({"apply", "--auto-approve", "--parallelism", "2", "config"},
                                       migrate_options(dir));
    INFO(apply.out << apply.err);
    CHECK(apply.exit_code == 1);
    CHECK_THAT(apply.out, Catch::Contains("ERROR     refused: 0 messages copied (0.0 KB); source "
                                          "localhost:1: connect: cannot connect to localhost:1: "
                                          "Connection refused in "));
    CHECK_THAT(apply.out, Catch::Contains("ERROR     bad-login: 0 messages copied (0.0 KB); source "
                                          "localhost:"));
    CHECK_THAT(apply.out, !Catch::Contains("reconnect") && !Catch::Contains("gave up"));
}

TEST_CASE("a connection lost after the copy started is reconnected, and giving up counts the "
          "reconnects tried") {
    const MailFixture& source = mail_fixture();
    const MailFixture& destination = destination_fixture();
    fill(source, user(22), password(22), attachments("g", 30));
    // The source goes away once it has sent about 600 KB: connections are refused from then on.
    CuttingRelay relay(source.port("IMAPS"), 600'000, true);
    Side through = password_side(source, 22);
    through.port = relay.port();
    LoadedConfig loaded =
        load_migrations(migration_yaml("m22", through, password_side(destination, 22)));
    TempDir dir;
    Result<StateStore> state = StateStore::open(dir.file("state.db"));
    REQUIRE(state);
    MigrationLedger ledger(*state);
    MigrationProgress progress;
    MigrationOptions options;
    options.reconnects = 3;
    options.reconnect_delay = std::chrono::milliseconds(1);

    MigrationOutcome outcome =
        run_migration(loaded.config.migrations[0], loaded.config, ledger, progress, options);
    CHECK(relay.cut());
    CHECK(outcome.status == TaskStatus::error);
    std::string refusal = fmt::format("source localhost:{0}: connect: cannot connect to "
                                      "localhost:{0}: Connection refused",
                                      relay.port());
    CHECK(outcome.message == refusal + " (gave up after 3 reconnects without progress)");
    REQUIRE(outcome.reconnects.size() == 4);
    CHECK_THAT(outcome.reconnects[0], Catch::StartsWith(fmt::format(
                                          "connection lost: source localhost:{}: ", relay.port())));
    CHECK(outcome.reconnects[1] == "reconnect 1 of 3 failed: " + refusal);
    CHECK(outcome.reconnects[2] == "reconnect 2 of 3 failed: " + refusal);
    CHECK(outcome.reconnects[3] == "reconnect 3 of 3 failed: " + refusal);
    CHECK(outcome.problems.empty());
}

TEST_CASE("a connection cut once is reconnected and the copy ends identical") {
    const MailFixture& source = mail_fixture();
    const MailFixture& destination = destination_fixture();
    fill(source, user(23), password(23), attachments("c", 30));
    // One cut after about 600 KB; the reconnect finds the source again.
    CuttingRelay relay(source.port("IMAPS"), 600'000, false);
    Side through = password_side(source, 23);
    through.port = relay.port();
    LoadedConfig loaded =
        load_migrations(migration_yaml("m23", through, password_side(destination, 23)));
    TempDir dir;
    Result<StateStore> state = StateStore::open(dir.file("state.db"));
    REQUIRE(state);
    MigrationLedger ledger(*state);
    MigrationProgress progress;
    MigrationOptions options;
    options.reconnect_delay = std::chrono::milliseconds(1);

    MigrationOutcome outcome =
        run_migration(loaded.config.migrations[0], loaded.config, ledger, progress, options);
    INFO(outcome.message);
    CHECK(relay.cut());
    CHECK(outcome.status == TaskStatus::completed);
    REQUIRE(outcome.reconnects.size() == 2);
    CHECK_THAT(outcome.reconnects[0], Catch::StartsWith(fmt::format(
                                          "connection lost: source localhost:{}: ", relay.port())));
    CHECK(outcome.reconnects[1] == "reconnect 1 of 5 succeeded");
    std::vector<Stored> at_source = read_all(source, user(23), password(23));
    CHECK(at_source.size() == 30);
    CHECK(read_all(destination, user(23), password(23)) == at_source);
}

namespace {

// A server that takes every connection and closes it at once, as a login process that dies.
class ClosingServer {
public:
    ClosingServer() {
        m_listener = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(m_listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(::listen(m_listener, 8) == 0);
        socklen_t size = sizeof address;
        ::getsockname(m_listener, reinterpret_cast<sockaddr*>(&address), &size);
        m_port = ntohs(address.sin_port);
        m_thread = std::thread([this] {
            while (true) {
                int client = ::accept(m_listener, nullptr, nullptr);
                if (client < 0)
                    return;
                ++m_accepted;
                ::close(client);
            }
        });
    }
    ~ClosingServer() {
        ::shutdown(m_listener, SHUT_RDWR);
        ::close(m_listener);
        m_thread.join();
    }
    int port() const { return m_port; }
    int accepted() const { return m_accepted; }

private:
    int m_listener = -1;
    int m_port = 0;
    std::atomic<int> m_accepted{0};
    std::thread m_thread;
};

} // namespace

TEST_CASE("a first connection that the server breaks off is tried once more, then is final") {
    ClosingServer server;
    Side closing{&mail_fixture(), user(23), "{ password: \"${env:M23_PASSWORD}\" }"};
    closing.port = server.port();
    std::string yaml = migration_yaml("m23", closing, password_side(destination_fixture(), 23));
    yaml.insert(yaml.find("    tls:"), "    encryption: none\n    allowPlaintextAuth: true\n");
    LoadedConfig loaded = load_migrations(yaml);
    TempDir dir;
    Result<StateStore> state = StateStore::open(dir.file("state.db"));
    REQUIRE(state);
    MigrationLedger ledger(*state);
    MigrationProgress progress;
    MigrationOptions options;
    options.reconnect_delay = std::chrono::milliseconds(1);
    MigrationOutcome outcome =
        run_migration(loaded.config.migrations[0], loaded.config, ledger, progress, options);
    CHECK(outcome.status == TaskStatus::error);
    CHECK(server.accepted() == 2);
    REQUIRE(outcome.reconnects.size() == 1);
    CHECK_THAT(outcome.reconnects[0],
               Catch::StartsWith(fmt::format("the first connection broke (source localhost:{}: "
                                             "greeting: the server closed the connection",
                                             server.port())));
}
