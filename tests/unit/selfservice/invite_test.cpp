#include <catch2/catch.hpp>

#include <atomic>
#include <sys/stat.h>
#include <thread>

#include "selfservice/invite.hpp"
#include "selfservice/invite_key.hpp"
#include "selfservice/token.hpp"
#include "support/process.hpp"
#include "support/state_under_test.hpp"
#include "support/temp_dir.hpp"

using namespace mailsync;

namespace {

const std::string key = "0123456789abcdef0123456789abcdef";

MailboxMigration self_service_migration(const std::string& name = "alice") {
    MailboxMigration m;
    m.meta.name = name;
    m.source.username = "alice@old.example";
    m.source.host = "imap.old.example";
    m.source.port = 993;
    m.destination.username = "alice@new.example";
    m.destination.host = "imap.new.example";
    m.destination.port = 993;
    Auth auth;
    SelfServiceAuth self;
    self.email = "alice@example.com";
    self.expires = std::chrono::hours(24);
    auth.self_service = self;
    m.source.auth = auth;
    return m;
}

// Issues and records an invitation for `m` at `now`; its token.
std::string invite(StateStore& state, const MailboxMigration& m, std::int64_t now) {
    IssuedInvite issued = issue_invite(m, key, now);
    issued.record.sent_at = "2026-12-05T10:00:00.000Z";
    REQUIRE(record_invite(state, m, issued.record));
    return issued.token;
}

} // namespace

TEST_CASE("a sealed invite token opens with its key and only with it", "[selfservice]") {
    InviteToken token = new_invite_token("alice", 1'800'000'000);
    REQUIRE(token.id.size() == invite_id_size);
    std::string sealed = seal_invite_token(token, key);
    CHECK(sealed.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                   "0123456789-_.") == std::string::npos);
    Result<InviteToken> opened = open_invite_token(sealed, key);
    REQUIRE(opened);
    CHECK(opened->id == token.id);
    CHECK(opened->expires_at == 1'800'000'000);
    CHECK(opened->migration == "alice");

    Result<InviteToken> other_key = open_invite_token(sealed, std::string(32, 'k'));
    REQUIRE(!other_key);
    CHECK(other_key.error().message == "this invitation link is not valid");
    for (std::size_t at : {std::size_t{0}, sealed.size() / 2, sealed.size() - 1}) {
        std::string altered = sealed;
        altered[at] = altered[at] == 'A' ? 'B' : 'A';
        CHECK(!open_invite_token(altered, key));
    }
    CHECK(!open_invite_token("", key));
    CHECK(!open_invite_token(sealed.substr(0, sealed.find('.')), key));
    CHECK(!open_invite_token(std::string(5000, 'a') + "." + std::string(64, '0'), key));
}

TEST_CASE("an invitation verifies once, then is used up", "[selfservice][postgres]") {
    FOR_EACH_STATE(backend);
    test::TempDir dir;
    Result<StateStore> state = StateStore::open(backend.location(dir));
    REQUIRE(state);
    MailboxMigration m = self_service_migration();
    std::string token = invite(*state, m, 1'000'000);

    Result<InviteClaim> claim = verify_invite(token, key, *state, 1'000'100);
    REQUIRE(claim);
    CHECK(claim->migration == "alice");
    CHECK(claim->expires_at == 1'000'000 + 24 * 3600);
    REQUIRE(consume_invite(*claim, *state));

    Result<InviteClaim> again = verify_invite(token, key, *state, 1'000'200);
    REQUIRE(!again);
    CHECK(again.error().message == "this invitation link was already used; ask your "
                                   "administrator for a new one if you need it again");
    CHECK(!consume_invite(*claim, *state));

    // The state holds the record, never the token or the id.
    Result<std::optional<InviteRecord>> record = read_invite(*state, "alice");
    REQUIRE(record);
    REQUIRE(*record);
    CHECK((*record)->sent_to == "alice@example.com");
    CHECK(!(*record)->used_at.empty());
    Result<std::vector<MigrationRecord>> tasks = state->migrations();
    REQUIRE(tasks);
    REQUIRE(tasks->size() == 1);
    CHECK(tasks->at(0).status == TaskStatus::invited);
    CHECK(tasks->at(0).message ==
          "invited alice@example.com, link valid until 1970-01-13 13:46 UTC");
}

TEST_CASE("an expired invitation is refused", "[selfservice]") {
    test::TempDir dir;
    Result<StateStore> state = StateStore::open(dir.file("state.db"));
    REQUIRE(state);
    std::string token = invite(*state, self_service_migration(), 1'000'000);
    Result<InviteClaim> late = verify_invite(token, key, *state, 1'000'000 + 24 * 3600);
    REQUIRE(!late);
    CHECK(late.error().message == "this invitation link expired on 1970-01-13 13:46 UTC; ask "
                                  "your administrator for a new one");
}

TEST_CASE("a new invitation revokes the previous link", "[selfservice]") {
    test::TempDir dir;
    Result<StateStore> state = StateStore::open(dir.file("state.db"));
    REQUIRE(state);
    MailboxMigration m = self_service_migration();
    std::string first = invite(*state, m, 1'000'000);
    std::string second = invite(*state, m, 1'000'050);
    Result<InviteClaim> old = verify_invite(first, key, *state, 1'000'100);
    REQUIRE(!old);
    CHECK(old.error().message == "this invitation link was replaced by a newer one; use the "
                                 "link of the latest invitation");
    CHECK(verify_invite(second, key, *state, 1'000'100));
}

TEST_CASE("a forged invitation is refused, even for a migration with a real one", "[selfservice]") {
    test::TempDir dir;
    Result<StateStore> state = StateStore::open(dir.file("state.db"));
    REQUIRE(state);
    invite(*state, self_service_migration(), 1'000'000);
    // Sealed with another key: the MAC fails before the state is asked.
    InviteToken forged = new_invite_token("alice", 2'000'000);
    Result<InviteClaim> claim =
        verify_invite(seal_invite_token(forged, std::string(32, 'z')), key, *state, 1'000'100);
    REQUIRE(!claim);
    CHECK(claim.error().message == "this invitation link is not valid");
    // Sealed with the right key but an id the state never recorded.
    Result<InviteClaim> unknown =
        verify_invite(seal_invite_token(forged, key), key, *state, 1'000'100);
    CHECK(!unknown);
}

TEST_CASE("the invite key file is made 0600 and refused when others may read it", "[selfservice]") {
    test::TempDir dir;
    std::string path = dir.file("invite.key");
    Result<std::string> made = load_invite_key(path, true);
    REQUIRE(made);
    CHECK(made->size() == 64);
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    Result<std::string> again = load_invite_key(path, true);
    REQUIRE(again);
    CHECK(*again == *made);

    REQUIRE(::chmod(path.c_str(), 0640) == 0);
    Result<std::string> open = load_invite_key(path, true);
    REQUIRE(!open);
    CHECK(open.error().message ==
          "the invite key file " + path +
              " can be read or written by others (mode 0640); make it private with 'chmod 600 " +
              path + "'");

    Result<std::string> missing = load_invite_key(dir.file("none.key"), false);
    REQUIRE(!missing);
    CHECK(missing.error().message.starts_with("cannot read the invite key file"));
}

TEST_CASE("of many uses of one link at once, from separate connections, exactly one wins",
          "[selfservice][postgres]") {
    FOR_EACH_STATE(backend);
    test::TempDir dir;
    std::string location = backend.location(dir);
    std::string token;
    {
        Result<StateStore> state = StateStore::open(location);
        REQUIRE(state);
        token = invite(*state, self_service_migration(), 1'000'000);
    }
    constexpr int users = 6;
    std::vector<StateStore> connections;
    std::vector<InviteClaim> claims;
    for (int i = 0; i < users; ++i) {
        Result<StateStore> state = StateStore::open(location);
        REQUIRE(state);
        Result<InviteClaim> claim = verify_invite(token, key, *state, 1'000'100);
        REQUIRE(claim); // every one of them read the link as unused
        connections.push_back(std::move(*state));
        claims.push_back(*claim);
    }
    std::atomic<int> won{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < users; ++i)
        threads.emplace_back([&, i] {
            if (consume_invite(claims[static_cast<std::size_t>(i)],
                               connections[static_cast<std::size_t>(i)]))
                ++won;
        });
    for (std::thread& thread : threads)
        thread.join();
    CHECK(won == 1);
}
