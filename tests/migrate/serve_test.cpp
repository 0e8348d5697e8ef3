// `mailsync serve` against the fixture's two Dovecot servers: the owner's link, the live login
// test, the copy, the credentials wiped at COMPLETED and found nowhere; links forged, reused,
// replaced and expired; CSRF, Origin and the rate limit; a server killed mid-migration resumes;
// expired credentials and a changed source; the administrator's page and CSV.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include <fmt/format.h>

#include "migrate/served.hpp"
#include "selfservice/invitations.hpp"
#include "selfservice/invite.hpp"
#include "selfservice/invite_key.hpp"
#include "serve/credentials.hpp"

using namespace mailsync;
using namespace mailsync::test;

namespace {

const char* date = "10-Oct-2025 10:00:00 +0000";

void fill_box(int n) {
    fill(mail_fixture(), user(n), password(n),
         {{"INBOX", "\\Seen", date, text_message(fmt::format("s{}a@x", n), "one", "1")},
          {"INBOX", "\\Flagged $Label1", date, text_message(fmt::format("s{}b@x", n), "two", "2")},
          {"Archive/2024", "", date, text_message(fmt::format("s{}c@x", n), "three", "3")}});
}

std::string file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string form_value(const std::string& text) {
    std::string out;
    for (unsigned char c : text)
        out +=
            std::isalnum(c) != 0 ? std::string(1, static_cast<char>(c)) : fmt::format("%{:02X}", c);
    return out;
}

// Keeps a credential for migration `name` as serve would, with the key serve uses.
void keep_credential(Served& served, const std::string& name, const std::string& bound,
                     std::int64_t expires_at, const std::string& secret) {
    Result<std::string> key =
        load_private_key(served.file("keys/credential.key"), true, "credential key");
    REQUIRE(key);
    Result<StateStore> state = StateStore::open(served.state);
    REQUIRE(state);
    CredentialVault vault(*state, credential_sealing_key(*key));
    OwnerCredential credential;
    credential.bound_to = bound;
    credential.stored_at = unix_now() - 10;
    credential.expires_at = expires_at;
    credential.value.emplace(secret);
    REQUIRE(vault.keep(name, credential));
}

std::string migration_status(Served& served, const std::string& name) {
    Result<StateStore> state = StateStore::open(served.state);
    REQUIRE(state);
    Result<std::vector<MigrationRecord>> records = state->migrations();
    REQUIRE(records);
    std::string out;
    for (const MigrationRecord& record : *records)
        if (record.name == name)
            out = std::string(status_name(record.status)) + ": " + record.message;
    return out;
}

std::string csrf_of(const std::string& page) {
    std::smatch found;
    return std::regex_search(page, found, std::regex("name=\"csrf\" value=\"([0-9a-f]+)\""))
               ? found[1].str()
               : std::string();
}

} // namespace

TEST_CASE("serve: the owner's password, tested live, starts the copy; it ends identical, the "
          "password wiped and found nowhere") {
    fill_box(9);
    Served served(std::vector<OwnedBox>{{9}});
    std::map<std::string, std::string> tokens = served.invite();
    REQUIRE(tokens.contains("m9"));
    served.start();
    std::string cookie = served.open_link(tokens["m9"]);

    Answer page = served.get("/owner", cookie);
    CHECK(page.status == 200);
    CHECK(page.body.find("m9@example.test on localhost") != std::string::npos);
    CHECK(page.body.find("<label for=\"password\">") != std::string::npos);
    std::string csrf = served.csrf(cookie);

    Answer wrong =
        served.post("/owner/credentials", "csrf=" + csrf + "&password=not-the-password", cookie);
    CHECK(wrong.status == 422);
    CHECK(wrong.body.find("Your mail server did not accept the password. It said: "
                          "[AUTHENTICATIONFAILED] Authentication failed.") != std::string::npos);
    CHECK(migration_status(served, "m9").starts_with("INVITED"));

    Answer right = served.post("/owner/credentials",
                               "csrf=" + csrf + "&password=" + form_value(password(9)), cookie);
    INFO(right.body << served.output());
    REQUIRE(right.status == 303);
    CHECK(right.location == "/owner");
    std::string done = served.wait_for(cookie, "COMPLETED");
    CHECK(done.find("value=\"100\"") != std::string::npos);
    CHECK(done.find("name=\"password\"") == std::string::npos);
    CHECK(read_all(destination_fixture(), user(9), password(9)) ==
          read_all(mail_fixture(), user(9), password(9)));

    // Wiped at COMPLETED; and nowhere: not in the state, its dump, serve's output, its command
    // line or environment, any page, the invitation.
    {
        Result<StateStore> state = StateStore::open(served.state);
        REQUIRE(state);
        Result<std::optional<std::string>> kept = state->meta("credential:m9");
        REQUIRE(kept);
        CHECK((!*kept || (*kept)->empty()));
    }
    std::string secret = password(9);
    std::string cmdline = file_bytes(fmt::format("/proc/{}/cmdline", served.pid));
    std::string environ = file_bytes(fmt::format("/proc/{}/environ", served.pid));
    REQUIRE(!cmdline.empty());
    CHECK(cmdline.find(secret) == std::string::npos);
    CHECK(environ.find(secret) == std::string::npos);
    served.stop();
    ProcessResult dump = run_mailsync({"state", "show", "--state", served.state}, served.options);
    CHECK(dump.exit_code == 0);
    for (const std::string& text : {served.output(), dump.out, dump.err, file_bytes(served.state),
                                    file_bytes(served.state + "-wal"), page.body, done, wrong.body})
        CHECK(text.find(secret) == std::string::npos);
    for (const auto& entry :
         std::filesystem::directory_iterator(mail_fixture().values.at("RELAYED_DIR")))
        CHECK(file_bytes(entry.path().string()).find(secret) == std::string::npos);
    CHECK(served.output().find(tokens["m9"]) == std::string::npos);
}

TEST_CASE("serve: forged, reused, replaced and expired links are refused; a new invitation ends "
          "the old session") {
    Served served(std::vector<OwnedBox>{{10}});
    std::map<std::string, std::string> first = served.invite();
    served.start();

    std::string forged = first["m10"];
    forged[forged.size() - 3] = forged[forged.size() - 3] == 'A' ? 'B' : 'A';
    Answer refused = served.get("/m/" + forged);
    CHECK(refused.status == 403);
    CHECK(refused.body.find("this invitation link is not valid") != std::string::npos);
    CHECK(served.post("/m", "token=" + forged).status == 403);

    std::string cookie = served.open_link(first["m10"]);
    Answer reused = served.get("/m/" + first["m10"]);
    CHECK(reused.status == 403);
    CHECK(reused.body.find("already used") != std::string::npos);
    CHECK(served.post("/m", "token=" + first["m10"]).status == 403);
    CHECK(served.get("/owner", cookie).status == 200);

    std::map<std::string, std::string> second = served.invite();
    REQUIRE(second["m10"] != first["m10"]);
    CHECK(served.get("/owner", cookie).status == 401); // the old invitation's session ended
    Answer replaced = served.get("/m/" + first["m10"]);
    CHECK(replaced.body.find("replaced by a newer one") != std::string::npos);
    CHECK(served.get("/owner", served.open_link(second["m10"])).status == 200);

    // An invitation whose link expired (sealed an hour in the past by the same key).
    Result<std::string> key = load_invite_key(served.file("keys/invite.key"), false);
    REQUIRE(key);
    MailboxMigration m;
    m.meta.name = "m10";
    Auth auth;
    auth.self_service = SelfServiceAuth{};
    auth.self_service->expires = std::chrono::minutes(10);
    m.source.auth = auth;
    IssuedInvite old = issue_invite(m, *key, unix_now() - 3600);
    {
        Result<StateStore> state = StateStore::open(served.state);
        REQUIRE(state);
        REQUIRE(record_invite(*state, m, old.record));
    }
    Answer expired = served.get("/m/" + old.token);
    CHECK(expired.status == 403);
    CHECK(expired.body.find("this invitation link expired on") != std::string::npos);
    CHECK(served.get("/owner").status == 401); // no session at all
}

TEST_CASE("serve: forms need the session's CSRF token and their own origin; a sixth password "
          "within 15 minutes is refused") {
    Served served(std::vector<OwnedBox>{{11}});
    std::map<std::string, std::string> tokens = served.invite();
    served.start();
    std::string cookie = served.open_link(tokens["m11"]);
    std::string csrf = served.csrf(cookie);

    CHECK(served.post("/owner/credentials", "password=x", cookie).status == 403);
    CHECK(served.post("/owner/credentials", "csrf=" + std::string(64, '0') + "&password=x", cookie)
              .status == 403);
    CHECK(served
              .post("/owner/credentials", "csrf=" + csrf + "&password=x", cookie,
                    "https://evil.example")
              .status == 403);
    CHECK(served.post("/owner/credentials", "csrf=" + csrf + "&password=x").status == 401);
    // Another session's token is no good either.
    std::map<std::string, std::string> again = served.invite();
    std::string other = served.open_link(again["m11"]);
    CHECK(served.post("/owner/credentials", "csrf=" + csrf + "&password=x", other).status == 403);

    csrf = served.csrf(other);
    for (int i = 0; i < 5; ++i)
        CHECK(served.post("/owner/credentials", "csrf=" + csrf + "&password=wrong", other).status ==
              422);
    Answer limited =
        served.post("/owner/credentials", "csrf=" + csrf + "&password=" + password(11), other);
    CHECK(limited.status == 429);
    CHECK(limited.body.find("takes no more passwords for") != std::string::npos);
    CHECK(migration_status(served, "m11").starts_with("INVITED"));

    // The administrator: wrong tokens until the limit; the right one still signs in. CSRF on
    // the admin's forms too.
    for (int i = 0; i < 10; ++i)
        CHECK(served.post("/admin/login", "token=not-the-token").status == 401);
    CHECK(served.post("/admin/login", "token=not-the-token").status == 429);
    std::string token = read_file(served.file("keys/admin.token"));
    token.erase(token.find_last_not_of("\r\n") + 1);
    Answer signed_in = served.post("/admin/login", "token=" + token);
    REQUIRE(signed_in.status == 303);
    CHECK(served.post("/admin/login", "token=" + token, "", "https://evil.example").status == 403);
    Answer list = served.get("/admin", signed_in.cookie);
    CHECK(list.body.find("data-name=\"m11\" data-status=\"INVITED\"") != std::string::npos);
    CHECK(served.get("/admin?status=COMPLETED", signed_in.cookie).body.find("data-name=") ==
          std::string::npos);
    Answer csv = served.get("/admin/migrations.csv", signed_in.cookie);
    CHECK(csv.body.find("\"m11\",\"INVITED\",0,") != std::string::npos);
    CHECK(served.get("/admin/migrations.csv").body.find("\"m11\"") == std::string::npos);
    CHECK(served.get("/admin/migrations.csv", cookie).body.find("\"m11\"") == std::string::npos);
    CHECK(served.post("/admin/retry", "name=m11", signed_in.cookie).status == 403);
}

TEST_CASE("serve: a server killed while a copy is pending resumes it at its next start") {
    fill_box(12);
    // The destination first points at a port that accepts and never answers, so that the copy
    // hangs where it starts; the restart finds the real one (the owner's password is bound to
    // the destination's login and host, which stay: another port of the server is the same
    // mailbox).
    Served served(std::vector<OwnedBox>{{12}});
    std::string config = served.file("config/m.yaml");
    std::string real = read_file(config);
    std::string port = std::to_string(destination_fixture().port("IMAPS"));
    std::string hanging = real;
    hanging.replace(hanging.rfind("port: " + port), 6 + port.size(),
                    "port: " + mail_fixture().values.at("BLACK_HOLE_PORT") + "\n    timeout: 60s");
    write_file(config, hanging);
    std::map<std::string, std::string> tokens = served.invite();
    served.start();
    std::string cookie = served.open_link(tokens["m12"]);
    std::string csrf = served.csrf(cookie);
    REQUIRE(served.post("/owner/credentials", "csrf=" + csrf + "&password=" + password(12), cookie)
                .status == 303);
    served.wait_for(cookie, "PENDING");
    served.kill();
    CHECK(migration_status(served, "m12").starts_with("PENDING"));

    write_file(config, real);
    served.start();
    std::string done = served.wait_for(cookie, "COMPLETED"); // the session survived the restart
    CHECK(read_all(destination_fixture(), user(12), password(12)) ==
          read_all(mail_fixture(), user(12), password(12)));
    CHECK(served.output().find("the owner's login test passed") != std::string::npos);
}

TEST_CASE("serve: expired credentials are wiped, and those of a removed migration; a changed "
          "source gets none") {
    Served served(std::vector<OwnedBox>{{13}, {14}});
    served.invite();
    keep_credential(served, "m13", "m13@example.test:1 ssl verify=yes ca=", unix_now() + 3600,
                    "credential-13");
    keep_credential(served, "m14", "whatever", unix_now() - 1, "credential-14");
    keep_credential(served, "m99-removed", "whatever", unix_now() + 3600, "credential-99");
    served.start();
    for (int i = 0; i < 100 && (!migration_status(served, "m13").starts_with("ERROR") ||
                                !migration_status(served, "m14").starts_with("ERROR"));
         ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(migration_status(served, "m13") ==
          "ERROR: the source changed since its owner handed over the credentials, so they were "
          "not sent to it; invite the owner again (mailsync invite)");
    CHECK(migration_status(served, "m14") ==
          "ERROR: the owner's credentials expired before the copy was done; invite the owner "
          "again (mailsync invite)");
    Result<StateStore> state = StateStore::open(served.state);
    REQUIRE(state);
    for (int i = 0; i < 100 && served.output().find("m99-removed") == std::string::npos; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(served.output().find("warning: wiped the owner's credentials kept for 'm99-removed', "
                               "which the configuration no longer declares") != std::string::npos);
    for (const char* name : {"credential:m13", "credential:m14", "credential:m99-removed"}) {
        Result<std::optional<std::string>> kept = state->meta(name);
        REQUIRE(kept);
        CHECK((!*kept || (*kept)->empty()));
    }
}

TEST_CASE("serve: an owner signs in through the OAuth2Client instead of a password") {
    std::string client = google_client_yaml("google") +
                         fmt::format("  authorizationUrl: https://localhost:{}/authorize\n",
                                     mail_fixture().port("OAUTH"));
    OwnedBox box{15, "", "google", "alice@example.test"};
    Served served({box}, client);
    std::map<std::string, std::string> tokens = served.invite();
    served.start();
    std::string cookie = served.open_link(tokens["m15"]);
    std::string csrf = served.csrf(cookie);
    CHECK(served.get("/owner", cookie).body.find("Sign in with Google instead") !=
          std::string::npos);

    Answer to_provider = served.post("/owner/oauth2", "csrf=" + csrf, cookie);
    INFO(to_provider.body << to_provider.location << served.output());
    REQUIRE(to_provider.status == 303);
    std::string prefix =
        fmt::format("https://localhost:{}/authorize?", mail_fixture().port("OAUTH"));
    REQUIRE(to_provider.location.starts_with(prefix));
    CHECK(to_provider.location.find("code_challenge_method=S256") != std::string::npos);
    // (cpp-httplib's client percent-decodes the headers it reads.)
    CHECK(to_provider.location.find(fmt::format(
              "redirect_uri=http://127.0.0.1:{}/owner/oauth2/callback&", served.port)) !=
          std::string::npos);

    // The browser at the provider: signs in and is sent back.
    httplib::SSLClient provider("localhost", mail_fixture().port("OAUTH"));
    provider.set_ca_cert_path(mail_fixture().ca_file().c_str());
    httplib::Result back =
        provider.Get(to_provider.location.substr(to_provider.location.find("/authorize?")));
    REQUIRE(back);
    REQUIRE(back->status == 302);
    std::string callback = back->get_header_value("Location");
    std::string local = fmt::format("http://127.0.0.1:{}", served.port);
    REQUIRE(callback.starts_with(local + "/owner/oauth2/callback?"));
    // Another session cannot use the redirect.
    CHECK(served.get(callback.substr(local.size())).status == 401);
    Answer signed_in = served.get(callback.substr(local.size()), cookie);
    INFO(signed_in.body);
    REQUIRE(signed_in.status == 303);
    served.wait_for(cookie, "COMPLETED");
    // The redirect works once.
    Answer replayed = served.get(callback.substr(local.size()), cookie);
    CHECK(replayed.status == 303); // nothing left to take: back to the owner's page
    CHECK(served.output().find("rt-alice") == std::string::npos);
    CHECK(file_bytes(served.state).find("rt-alice") == std::string::npos);
}

TEST_CASE("serve: a source the trust model does not allow gets nothing; the owner is told to "
          "wait") {
    Served served(std::vector<OwnedBox>{{16}});
    served.options.env["MAILSYNC_ALLOWED_HOSTS"] = "127.0.0.2"; // not localhost
    std::map<std::string, std::string> tokens = served.invite();
    served.start();
    std::string cookie = served.open_link(tokens["m16"]);
    Answer page = served.get("/owner", cookie);
    CHECK(page.body.find("This copy cannot start yet: your administrator has to allow its mail "
                         "servers first") != std::string::npos);
    CHECK(page.body.find("name=\"password\"") == std::string::npos);
    CHECK(page.body.find("MAILSYNC_ALLOWED_HOSTS") == std::string::npos);
    Answer tried = served.post("/owner/credentials",
                               "csrf=" + csrf_of(page.body) + "&password=" + password(16), cookie);
    CHECK(tried.status == 303);
    CHECK(served.output().find("m16: not taking the owner's credentials: refusing to send the "
                               "owner's credentials") != std::string::npos);
    CHECK(served.output().find("login test") == std::string::npos);
    CHECK(migration_status(served, "m16").starts_with("INVITED"));
}
