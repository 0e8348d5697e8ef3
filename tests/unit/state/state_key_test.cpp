#include <catch2/catch.hpp>

#include <cstdlib>
#include <sys/stat.h>

#include "state/state.hpp"
#include "state/state_key.hpp"
#include "support/process.hpp"
#include "support/state_under_test.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync;

namespace {

const std::string key_text = "an-outside-key-of-forty-characters-long!";

// Sets an environment variable for the length of a test.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const std::string& value) : m_name(name) {
        ::setenv(name, value.c_str(), 1);
    }
    ~ScopedEnv() { ::unsetenv(m_name); }

private:
    const char* m_name;
};

// The bytes of the state and SQLite's files beside it.
std::string state_bytes(const std::string& path) {
    return test::read_file(path) + test::read_file(path + "-wal") + test::read_file(path + "-shm");
}

// What a state holds that could reveal its key: the file's bytes, or the meta table's values.
std::string key_material(const test::StateUnderTest& backend, const std::string& location) {
    if (!backend.postgres())
        return state_bytes(location);
    auto opened = open_state_backend(location);
    REQUIRE(opened);
    auto contents = (*opened)->contents();
    REQUIRE(contents);
    std::string out;
    for (const auto& [key, value] : contents->meta)
        out += key + "=" + value + "\n";
    for (const auto& [key, value] : contents->fingerprints)
        out += value + "\n";
    return out;
}

} // namespace

TEST_CASE("a state key is trimmed and must have 32 characters", "[state][key]") {
    Result<StateKey> key = state_key_from_text("  " + key_text + "\n", "MAILSYNC_STATE_KEY");
    REQUIRE(key);
    CHECK(key->value == key_text);
    Result<StateKey> short_key = state_key_from_text("short\n", "MAILSYNC_STATE_KEY");
    REQUIRE_FALSE(short_key);
    CHECK(short_key.error().message ==
          "the state key in MAILSYNC_STATE_KEY is too short: 5 characters, at least 32 are "
          "needed (make one with 'openssl rand -hex 32')");
}

TEST_CASE("a state key file must be private", "[state][key]") {
    test::TempDir dir;
    std::string path = dir.file("state.key");
    test::write_file(path, key_text + "\n");
    ::chmod(path.c_str(), 0644);
    Result<StateKey> open_to_all = read_state_key_file(path);
    REQUIRE_FALSE(open_to_all);
    CHECK(open_to_all.error().message ==
          "the state key file " + path +
              " can be read or written by others (mode 0644); make it private with 'chmod 600 " +
              path + "'");
    ::chmod(path.c_str(), 0600);
    Result<StateKey> key = read_state_key_file(path);
    REQUIRE(key);
    CHECK(key->value == key_text);
    CHECK(key->source == "MAILSYNC_STATE_KEY_FILE " + path);
    Result<StateKey> missing = read_state_key_file(dir.file("missing.key"));
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message == "cannot read the state key file " + dir.file("missing.key") +
                                         ": No such file or directory");
}

TEST_CASE("the state key comes from MAILSYNC_STATE_KEY or MAILSYNC_STATE_KEY_FILE",
          "[state][key]") {
    ::unsetenv("MAILSYNC_STATE_KEY");
    ::unsetenv("MAILSYNC_STATE_KEY_FILE");
    CHECK_FALSE(state_key_from_environment().value());
    {
        ScopedEnv empty("MAILSYNC_STATE_KEY", ""); // a CI secret that is not set
        CHECK_FALSE(state_key_from_environment().value());
    }
    test::TempDir dir;
    test::write_file(dir.file("k"), key_text);
    ::chmod(dir.file("k").c_str(), 0600);
    {
        ScopedEnv file("MAILSYNC_STATE_KEY_FILE", dir.file("k"));
        CHECK(state_key_from_environment().value()->value == key_text);
        ScopedEnv text("MAILSYNC_STATE_KEY", key_text);
        Result<std::optional<StateKey>> both = state_key_from_environment();
        REQUIRE_FALSE(both);
        CHECK(both.error().message == "both MAILSYNC_STATE_KEY and MAILSYNC_STATE_KEY_FILE are "
                                      "set; set only one of them");
    }
    ScopedEnv text("MAILSYNC_STATE_KEY", key_text);
    CHECK(state_key_from_environment().value()->source == "MAILSYNC_STATE_KEY");
}

TEST_CASE("a state made with an outside key keeps only a check of it", "[state][key][postgres]") {
    FOR_EACH_STATE(backend);
    test::TempDir dir;
    std::string path = backend.location(dir);
    std::string shown = backend.describe(dir);
    StateKey key{key_text, "MAILSYNC_STATE_KEY"};
    SecretValue secret("hunter2");
    std::string fingerprint;
    {
        Result<StateStore> state = StateStore::open(path, key);
        REQUIRE(state);
        CHECK(state->key_is_external());
        fingerprint = state->fingerprint(secret);
        REQUIRE(state->start_run("r", "apply", "sqlite:t.db",
                                 {{0, Kind::oauth2_client, "g", "create", {}, "", "", ""}}));
        REQUIRE(state->mark_completed(
            "r", 0, {Kind::oauth2_client, "g", "id-1", {{"clientSecret", fingerprint}}, {}}, ""));
    }
    // Neither the key nor anything a fingerprint could be computed from is in the file.
    std::string bytes = key_material(backend, path);
    CHECK(bytes.find(fingerprint.substr(12)) != std::string::npos);
    CHECK(bytes.find(key_text) == std::string::npos);
    CHECK(bytes.find("hmac_key") == std::string::npos);

    // Reopened with the same key: the same fingerprints.
    Result<StateStore> again = StateStore::open(path, key);
    REQUIRE(again);
    CHECK(again->fingerprint(secret) == fingerprint);

    Result<StateStore> without = StateStore::open(path, std::nullopt);
    REQUIRE_FALSE(without);
    CHECK(without.error().message ==
          "the state " + shown +
              " was written with a key kept outside it (MAILSYNC_STATE_KEY or "
              "MAILSYNC_STATE_KEY_FILE); set it");

    Result<StateStore> wrong =
        StateStore::open(path, StateKey{std::string(40, 'x'), "MAILSYNC_STATE_KEY"});
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error().message ==
          "the key does not match the state " + shown +
              ": the key of MAILSYNC_STATE_KEY is not the one it was written with");
}

TEST_CASE("a state that keeps its key still opens, and another outside key is refused",
          "[state][key][postgres]") {
    FOR_EACH_STATE(backend);
    test::TempDir dir;
    std::string path = backend.location(dir);
    REQUIRE(StateStore::open(path, std::nullopt));
    Result<StateStore> reopened = StateStore::open(path, std::nullopt);
    REQUIRE(reopened);
    CHECK_FALSE(reopened->key_is_external());
    Result<StateStore> other = StateStore::open(path, StateKey{key_text, "MAILSYNC_STATE_KEY"});
    REQUIRE_FALSE(other);
    CHECK(other.error().message ==
          "the state " + backend.describe(dir) +
              " keeps its own key, and the key of MAILSYNC_STATE_KEY is another one; move the "
              "state's key out with 'mailsync state export-key --out FILE' and give that file "
              "instead");
}

TEST_CASE("export_key moves the state's key into a private file", "[state][key][postgres]") {
    FOR_EACH_STATE(backend);
    test::TempDir dir;
    std::string path = backend.location(dir);
    SecretValue secret("hunter2");
    std::string fingerprint;
    std::string embedded;
    {
        Result<StateStore> state = StateStore::open(path, std::nullopt);
        REQUIRE(state);
        fingerprint = state->fingerprint(secret);
        REQUIRE(state->export_key(dir.file("state.key")));
        CHECK(state->key_is_external());
        Result<void> twice = state->export_key(dir.file("again.key"));
        REQUIRE_FALSE(twice);
        CHECK(twice.error().message.starts_with("the state " + backend.describe(dir) +
                                                " keeps no key"));
    }
    struct stat info {};
    REQUIRE(::stat(dir.file("state.key").c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    Result<StateKey> key = read_state_key_file(dir.file("state.key"));
    REQUIRE(key);
    CHECK(key->value.size() == 64);
    CHECK(key_material(backend, path).find(key->value) == std::string::npos);
    Result<StateStore> reopened = StateStore::open(path, *key);
    REQUIRE(reopened);
    CHECK(reopened->fingerprint(secret) == fingerprint);
    CHECK_FALSE(StateStore::open(path, std::nullopt));
}
