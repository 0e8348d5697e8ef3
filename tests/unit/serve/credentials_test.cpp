// The owner's credentials at rest: AES-256-GCM under the credential key, bound to the migration,
// the source and the expiry; wiped on request.
#include <catch2/catch.hpp>

#include "serve/credentials.hpp"
#include "support/process.hpp"
#include "support/state_under_test.hpp"
#include "support/temp_dir.hpp"
#include "util/crypto.hpp"
#include "util/sealed.hpp"

using namespace mailsync;

namespace {

MailboxMigration owned_migration() {
    MailboxMigration m;
    m.meta.name = "alice";
    m.source.username = "alice@old.example";
    m.source.host = "imap.old.example";
    m.source.port = 993;
    m.destination.username = "alice@new.example";
    m.destination.host = "imap.new.example";
    m.destination.port = 993;
    Auth auth;
    SelfServiceAuth self;
    self.email = "alice@example.com";
    auth.self_service = self;
    m.source.auth = auth;
    return m;
}

OwnerCredential password_credential(const MailboxMigration& m, const Config& config) {
    OwnerCredential credential;
    credential.bound_to = source_binding(m, config, CredentialKind::password);
    credential.stored_at = 1'000;
    credential.expires_at = 2'000;
    credential.value.emplace("the owner's password");
    return credential;
}

} // namespace

TEST_CASE("sealed text opens with its key and associated data, and not when altered", "[serve]") {
    std::string key = random_bytes(32);
    std::string sealed = seal_text(key, "secret words", "bound to this");
    CHECK(sealed.find("secret") == std::string::npos);
    CHECK(seal_text(key, "secret words", "bound to this") != sealed); // a fresh nonce each time
    Result<std::string> opened = open_text(key, sealed, "bound to this");
    REQUIRE(opened);
    CHECK(*opened == "secret words");

    CHECK(!open_text(random_bytes(32), sealed, "bound to this"));
    CHECK(!open_text(key, sealed, "bound to that"));
    std::string altered = sealed;
    altered[altered.size() / 2] = altered[altered.size() / 2] == 'A' ? 'B' : 'A';
    Result<std::string> broken = open_text(key, altered, "bound to this");
    REQUIRE(!broken);
    CHECK(broken.error().message ==
          "the sealed text cannot be opened: another key, or it was altered");
    CHECK(!open_text(key, "not base64url!", "bound to this"));
    CHECK(!open_text(key, "", "bound to this"));
    CHECK(!open_text("short key", sealed, "bound to this"));
}

TEST_CASE("the vault keeps a credential sealed in the state, opens it, and wipes it",
          "[serve][postgres]") {
    FOR_EACH_STATE(backend);
    test::TempDir dir;
    Result<StateStore> state = StateStore::open(backend.location(dir));
    REQUIRE(state);
    Config config;
    MailboxMigration m = owned_migration();
    std::string key = credential_sealing_key("0123456789abcdef0123456789abcdef");
    CredentialVault vault(*state, key);

    Result<std::optional<OwnerCredential>> none = vault.read("alice");
    REQUIRE(none);
    CHECK(!*none);
    REQUIRE(vault.keep("alice", password_credential(m, config)));
    Result<bool> held = vault.holds("alice");
    REQUIRE(held);
    CHECK(*held);

    // The state holds no word of it in clear.
    Result<std::optional<std::string>> raw = state->meta("credential:alice");
    REQUIRE(raw);
    REQUIRE(*raw);
    CHECK((*raw)->find("owner's password") == std::string::npos);
    CHECK((*raw)->find("owner") == std::string::npos);

    Result<std::optional<OwnerCredential>> read = vault.read("alice");
    REQUIRE(read);
    REQUIRE(*read);
    CHECK((*read)->value->reveal() == "the owner's password");
    CHECK((*read)->bound_to == source_binding(m, config, CredentialKind::password));
    CHECK((*read)->expires_at == 2'000);

    // Another key opens nothing, and says so without the contents.
    CredentialVault other(*state, credential_sealing_key("another key of thirty-two characters"));
    Result<std::optional<OwnerCredential>> refused = other.read("alice");
    REQUIRE(!refused);
    CHECK(refused.error().message == "the credentials kept for 'alice' cannot be opened: another "
                                     "credential key, or the record was altered");

    // A record moved to another migration, or given a later expiry, opens nothing either.
    REQUIRE(state->set_meta("credential:bob", **raw));
    CHECK(!vault.read("bob"));
    REQUIRE(state->set_meta("credentials-of-no-one", "x"));
    Result<std::vector<std::pair<std::string, std::string>>> all =
        state->meta_with_prefix("credential:");
    REQUIRE(all);
    REQUIRE(all->size() == 2);
    CHECK(all->at(0).first == "credential:alice");
    CHECK(all->at(1).first == "credential:bob");
    CHECK(credential_expiry(all->at(0).second) == 2'000);
    CHECK(!credential_expiry("not a record"));
    std::string later = **raw;
    later.replace(later.find("2000"), 4, "9000");
    REQUIRE(state->set_meta("credential:alice", later));
    CHECK(!vault.read("alice"));

    // A record of odd types, as anyone who can write the state may leave: refused, not thrown.
    REQUIRE(state->set_meta("credential:carol", R"({"kind":5,"bound_to":[],"sealed":7})"));
    CHECK(!vault.read("carol"));
    CHECK(!credential_expiry(R"({"expires_at":"soon"})"));

    REQUIRE(vault.wipe("alice"));
    Result<std::optional<OwnerCredential>> wiped = vault.read("alice");
    REQUIRE(wiped);
    CHECK(!*wiped);
    Result<bool> gone = vault.holds("alice");
    REQUIRE(gone);
    CHECK(!*gone);
}

TEST_CASE("a credential is bound to the source the owner was shown", "[serve]") {
    Config config;
    MailboxMigration m = owned_migration();
    std::string bound = source_binding(m, config, CredentialKind::password);
    CHECK(bound == "alice@old.example@imap.old.example:993 ssl verify=yes ca= -> "
                   "alice@new.example@imap.new.example");
    for (auto change : std::vector<std::function<void(MailboxMigration&)>>{
             [](MailboxMigration& x) { x.source.host = "imap.attacker.example"; },
             [](MailboxMigration& x) { x.source.port = 143; },
             [](MailboxMigration& x) { x.source.username = "other@old.example"; },
             [](MailboxMigration& x) { x.source.encryption = Encryption::none; },
             [](MailboxMigration& x) { x.source.tls.verify = false; },
             [](MailboxMigration& x) { x.source.tls.ca_file = "/tmp/own-ca.pem"; },
             [](MailboxMigration& x) { x.destination.username = "mallory@new.example"; },
             [](MailboxMigration& x) { x.destination.host = "imap.attacker.example"; }}) {
        MailboxMigration changed = m;
        change(changed);
        CHECK(source_binding(changed, config, CredentialKind::password) != bound);
    }
    // The CA file by what it holds, not only by its path.
    test::TempDir dir;
    test::write_file(dir.file("ca.pem"), "one CA");
    MailboxMigration with_ca = m;
    with_ca.source.tls.ca_file = dir.file("ca.pem");
    std::string ca_bound = source_binding(with_ca, config, CredentialKind::password);
    test::write_file(dir.file("ca.pem"), "another CA");
    CHECK(source_binding(with_ca, config, CredentialKind::password) != ca_bound);

    // A refresh token is bound to its client's token endpoint too.
    OAuth2Client client;
    client.meta.name = "google";
    client.provider = Provider::google;
    config.clients.push_back(client);
    config.index_clients();
    m.source.auth->self_service->client = "google";
    std::string token_bound = source_binding(m, config, CredentialKind::refresh_token);
    CHECK(token_bound == bound + " client=google token=https://oauth2.googleapis.com/token "
                                 "verify=yes ca=");
    config.clients[0].token_url = "https://token.attacker.example/token";
    CHECK(source_binding(m, config, CredentialKind::refresh_token) != token_bound);
}

TEST_CASE("the owner's credential becomes the source's login, as a literal secret", "[serve]") {
    MailboxMigration m = owned_migration();
    OwnerCredential credential = password_credential(m, Config{});
    MailboxMigration owned = with_owner_credential(m, credential);
    CHECK(!is_self_service(owned));
    REQUIRE(owned.source.auth->password);
    CHECK(owned.source.auth->password->source == Secret::Source::literal);
    CHECK(owned.source.auth->password->value->reveal() == "the owner's password");
    CHECK(is_self_service(m)); // the configuration's own is left as it was

    credential.kind = CredentialKind::refresh_token;
    MailboxMigration signed_in = with_owner_credential(m, credential, "google");
    REQUIRE(signed_in.source.auth->oauth2);
    CHECK(signed_in.source.auth->oauth2->client == "google");
    CHECK(signed_in.source.auth->oauth2->refresh_token->value->reveal() == "the owner's password");
}
