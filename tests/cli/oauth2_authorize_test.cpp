// `mailsync oauth2 authorize`: the authorization-code flow with PKCE against the tests' OAuth2
// fixture (tests/fixtures/oauth_server, started per test), the browser played by libcurl. The
// refresh token lands in a file of mode 0600 that `${file:...}` reads, and no output holds it,
// the code or the client secret.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <thread>

#include "support/oauth_server.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "util/curl.hpp"

using namespace mailsync::test;
namespace fs = std::filesystem;

namespace {

const std::string ca_file = std::string(MAILSYNC_TEST_CERTS) + "/ca.pem";

// The last line of an output (the error, after the warnings the tests' own sign-in page brings).
std::string last_line(const std::string& text) {
    std::size_t end = text.ends_with('\n') ? text.size() - 1 : text.size();
    std::size_t start = text.rfind('\n', end == 0 ? 0 : end - 1);
    return text.substr(start == std::string::npos ? 0 : start + 1);
}

// A checkout with the fixture's two clients and an account whose refresh token is the file that
// authorize writes; the environment with the secrets, the allowlist and the CA's folder.
struct Checkout {
    TempDir dir;
    OAuthServer server;
    RunOptions options;

    Checkout() {
        write_file(dir.file("clients.yaml"),
                   "apiVersion: mailsync/v1\nkind: OAuth2Client\nmetadata: { name: google }\n"
                   "spec:\n  provider: google\n  clientId: google-test.apps.example\n"
                   "  clientSecret: ${env:GOOGLE_CLIENT_SECRET}\n"
                   "  authorizationUrl: " +
                       server.url("/authorize") + "\n  tokenUrl: " + server.url("/token") +
                       "\n  tls: { caFile: " + ca_file +
                       " }\n---\napiVersion: mailsync/v1\nkind: OAuth2Client\n"
                       "metadata: { name: m365 }\nspec:\n  provider: microsoft\n"
                       "  clientId: m365-test-app\n  tenantId: " +
                       test_tenant + "\n  clientSecret: ${env:M365_CLIENT_SECRET}\n" +
                       "  authorizationUrl: " + server.microsoft_url("authorize") +
                       "\n  tokenUrl: " + server.microsoft_url("token") +
                       "\n  tls: { caFile: " + ca_file + " }\n");
        write_file(dir.file("accounts/alice.yaml"),
                   "apiVersion: mailsync/v1\nkind: MailAccount\nmetadata: { name: alice }\n"
                   "spec:\n  protocol: imap\n  host: imap.example.test\n"
                   "  username: alice@example.test\n  auth:\n    oauth2:\n"
                   "      client: google\n"
                   "      refreshToken: ${file:../secrets/alice.token}\n");
        fs::create_directories(dir.file("secrets"));
        options.cwd = dir.path();
        options.env = {{"GOOGLE_CLIENT_SECRET", "google-client-secret"},
                       {"M365_CLIENT_SECRET", "m365-client-secret"},
                       {"MAILSYNC_ALLOWED_HOSTS", "localhost"},
                       {"MAILSYNC_ALLOWED_PATHS", MAILSYNC_TEST_CERTS}};
    }
};

// `mailsync oauth2 authorize` running in the background; killed if the test leaves it running.
class Authorizing {
public:
    Authorizing(const Checkout& checkout, std::vector<std::string> args) : m_dir(checkout.dir) {
        args.insert(args.begin(), {"oauth2", "authorize"});
        m_process = start_mailsync_to_files(args, m_dir.file("authorize.out"),
                                            m_dir.file("authorize.err"), checkout.options);
    }
    ~Authorizing() {
        if (m_exit_code < 0) {
            kill(m_process.pid, SIGKILL);
            m_process.wait();
        }
    }
    Authorizing(const Authorizing&) = delete;
    Authorizing& operator=(const Authorizing&) = delete;

    // The authorization URL, once printed.
    std::string url() {
        std::regex line(R"(\n  (https://\S+)\n)");
        for (int i = 0; i < 1000; ++i) {
            std::smatch found;
            std::string out = read_file(m_dir.file("authorize.out"));
            if (std::regex_search(out, found, line))
                return found[1];
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        FAIL("no URL printed: " << read_file(m_dir.file("authorize.err")));
        return {};
    }
    // Waits for the end: the exit code, stdout and stderr.
    ProcessResult finish() {
        m_exit_code = m_process.wait();
        return {m_exit_code, read_file(m_dir.file("authorize.out")),
                read_file(m_dir.file("authorize.err"))};
    }

private:
    const TempDir& m_dir;
    Background m_process;
    int m_exit_code = -1;
};

std::size_t collect(char* data, std::size_t size, std::size_t count, void* out) {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
}

// What the browser saw of one page.
struct Visit {
    long status = 0;
    std::string body;
    std::string location; // of a redirect not followed
    std::string final_url;
};

// The browser: a GET with the tests' CA, following redirects (to the loopback listener) or not.
Visit browse(const std::string& url, bool follow = true, const std::string& post = "") {
    mailsync::curl::Easy easy;
    Visit visit;
    easy.set(CURLOPT_URL, url);
    easy.set(CURLOPT_CAINFO, ca_file);
    easy.set(CURLOPT_FOLLOWLOCATION, follow ? 1L : 0L);
    easy.set(CURLOPT_TIMEOUT_MS, 30000L);
    if (!post.empty())
        easy.set(CURLOPT_POSTFIELDS, post);
    easy.set_callback(CURLOPT_WRITEFUNCTION, collect);
    easy.set(CURLOPT_WRITEDATA, static_cast<void*>(&visit.body));
    CURLcode result = easy.perform();
    INFO(url << ": " << easy.error_text(result));
    REQUIRE(result == CURLE_OK);
    visit.status = easy.response_code();
    char* location = nullptr;
    curl_easy_getinfo(easy.handle(), CURLINFO_REDIRECT_URL, &location);
    visit.location = location != nullptr ? location : "";
    char* final_url = nullptr;
    curl_easy_getinfo(easy.handle(), CURLINFO_EFFECTIVE_URL, &final_url);
    visit.final_url = final_url != nullptr ? final_url : "";
    return visit;
}

// The value of a query parameter of `url` as written (not decoded).
std::string parameter(const std::string& url, const std::string& name) {
    std::smatch found;
    std::regex pattern("[?&]" + name + "=([^&]*)");
    return std::regex_search(url, found, pattern) ? std::string(found[1]) : std::string();
}

mode_t mode_of(const std::string& path) {
    struct stat info {};
    ::stat(path.c_str(), &info);
    return info.st_mode & 07777;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("oauth2 authorize writes the refresh token to a file of mode 0600 that ${file:} reads",
          "[cli][oauth2]") {
    Checkout checkout;
    // Before: the account's token file does not exist, which does not keep authorize from running.
    CHECK(run_mailsync({"validate", "."}, checkout.options).exit_code == 1);
    Authorizing authorizing(checkout, {"OAuth2Client/google", ".", "--out", "secrets/alice.token"});
    std::string url = authorizing.url();
    CHECK(url.starts_with(
        checkout.server.url("/authorize?response_type=code&client_id=google-"
                            "test.apps.example&redirect_uri=http%3A%2F%2F127.0.0.1%3A")));
    CHECK(parameter(url, "code_challenge_method") == "S256");
    CHECK(parameter(url, "code_challenge").size() == 43);
    CHECK(parameter(url, "state").size() == 22);
    CHECK(parameter(url, "access_type") == "offline");
    CHECK(parameter(url, "scope") == "https%3A%2F%2Fmail.google.com%2F");

    Visit consent = browse(url, false);
    REQUIRE(consent.status == 302);
    std::string code = parameter(consent.location, "code");
    REQUIRE(!code.empty());
    Visit back = browse(consent.location);
    CHECK(back.status == 200);
    CHECK(contains(back.body, "mailsync has the refresh token"));
    CHECK(contains(back.body, "You can close this tab"));
    CHECK_FALSE(contains(back.body, code));

    ProcessResult done = authorizing.finish();
    INFO(done.out << done.err);
    CHECK(done.exit_code == 0);
    std::string token = read_file(checkout.dir.file("secrets/alice.token"));
    CHECK(std::regex_match(token, std::regex("rt-alice-[A-Za-z0-9_-]+\n")));
    CHECK(mode_of(checkout.dir.file("secrets/alice.token")) == 0600);
    CHECK(contains(done.out, "Wrote the refresh token to secrets/alice.token (mode 0600); it is "
                             "not shown here.\n"));
    CHECK(contains(done.out,
                   "(the path is relative to ./clients.yaml, which declares "
                   "OAuth2Client/google):\n\n  refreshToken: ${file:secrets/alice.token}\n"));
    token.pop_back();
    for (const std::string& secret : {token, code, std::string("google-client-secret")}) {
        CHECK_FALSE(contains(done.out, secret));
        CHECK_FALSE(contains(done.err, secret));
    }
    // The account's `${file:...}` now reads it.
    ProcessResult validated = run_mailsync({"validate", "."}, checkout.options);
    INFO(validated.err);
    CHECK(validated.exit_code == 0);
    // The fixture gave the token for the code and nothing else.
    CHECK(checkout.server.token_log() == "authorization_code google-test.apps.example \n");
}

TEST_CASE("oauth2 authorize ends with the reason when the account refuses consent",
          "[cli][oauth2]") {
    Checkout checkout;
    Authorizing authorizing(checkout, {"OAuth2Client/m365", "--out", "secrets/m365.token"});
    Visit back = browse(authorizing.url() + "&fixture_user=deny");
    CHECK(back.status == 400);
    CHECK(contains(back.body, "mailsync got no refresh token"));
    CHECK(contains(back.body, "You can close this tab"));
    ProcessResult done = authorizing.finish();
    CHECK(done.exit_code == 1);
    CHECK(last_line(done.err) ==
          "error: the sign-in was refused (access_denied: AADSTS65004: User declined "
          "to consent to access the app.): the account did not allow mailsync "
          "access, or the consent was cancelled\n");
    CHECK_FALSE(fs::exists(checkout.dir.file("secrets/m365.token")));
    CHECK(checkout.server.token_log().empty());
}

TEST_CASE("oauth2 authorize refuses a redirect with another state, never redeems its code, "
          "and goes on waiting for its own",
          "[cli][oauth2]") {
    Checkout checkout;
    Authorizing authorizing(checkout, {"OAuth2Client/google", "--out", "secrets/alice.token"});
    Visit consent = browse(authorizing.url(), false);
    REQUIRE(consent.status == 302);
    std::string forged =
        std::regex_replace(consent.location, std::regex("state=[^&]*"), "state=made-up-elsewhere");
    Visit back = browse(forged);
    CHECK(back.status == 400);
    CHECK(contains(back.body, "does not match the one mailsync sent"));
    CHECK(checkout.server.token_log().empty()); // the forged code was never redeemed
    // A stray redirect cannot cut the sign-in short: the real one still completes it.
    Visit real = browse(consent.location);
    CHECK(real.status == 200);
    ProcessResult done = authorizing.finish();
    INFO(done.out << done.err);
    CHECK(done.exit_code == 0);
    CHECK(fs::exists(checkout.dir.file("secrets/alice.token")));
}

TEST_CASE("oauth2 authorize warns when the YAML replaces Google's own sign-in page",
          "[cli][oauth2]") {
    Checkout checkout; // its clients sign in at the tests' endpoint
    Authorizing authorizing(
        checkout, {"OAuth2Client/google", "--out", "secrets/alice.token", "--timeout", "1s"});
    ProcessResult done = authorizing.finish();
    CHECK(done.exit_code == 1);
    CHECK(contains(done.err, "warning: OAuth2Client 'google' sends the browser to " +
                                 checkout.server.url("/authorize") +
                                 ", not Google's own sign-in page"));
}

TEST_CASE("oauth2 authorize reports a code already redeemed in the endpoint's first sentence",
          "[cli][oauth2]") {
    Checkout checkout;
    Authorizing authorizing(checkout, {"OAuth2Client/m365", "--out", "secrets/m365.token"});
    Visit consent = browse(authorizing.url(), false);
    REQUIRE(consent.status == 302);
    std::string code = parameter(consent.location, "code");
    // Someone else redeems the code first, without the verifier: the endpoint refuses as real
    // ones do, and the code is spent.
    Visit stolen =
        browse(checkout.server.microsoft_url("token"), false,
               "grant_type=authorization_code&client_id=m365-test-app&client_secret=m365-client-"
               "secret&code=" +
                   code + "&code_verifier=not-the-verifier&redirect_uri=" +
                   parameter(authorizing.url(), "redirect_uri"));
    CHECK(stolen.status == 400);
    CHECK(contains(stolen.body, "\"error\":\"invalid_grant\""));
    CHECK(contains(stolen.body, "AADSTS501481: The Code_Verifier does not match"));

    Visit back = browse(consent.location);
    CHECK(back.status == 400);
    ProcessResult done = authorizing.finish();
    CHECK(done.exit_code == 1);
    CHECK(last_line(done.err) ==
          "error: the token endpoint " + checkout.server.microsoft_url("token") +
              " refused the code: invalid_grant: AADSTS54005: OAuth2 Authorization "
              "code was already redeemed, please retry with a new valid code or use "
              "an existing refresh token.\n");
    CHECK_FALSE(contains(done.err + done.out, code));
    CHECK_FALSE(fs::exists(checkout.dir.file("secrets/m365.token")));
}

TEST_CASE("oauth2 authorize gives up when no browser comes back within --timeout",
          "[cli][oauth2]") {
    Checkout checkout;
    ProcessResult done = run_mailsync({"oauth2", "authorize", "OAuth2Client/google", "--out",
                                       "secrets/alice.token", "--timeout", "1s"},
                                      checkout.options);
    CHECK(done.exit_code == 1);
    CHECK(contains(done.out, "Waiting up to 1s for the browser...\n"));
    CHECK(last_line(done.err) ==
          "error: no answer from the browser within 1s: the sign-in at the URL above "
          "was not finished (run the command again; --timeout gives more time)\n");
    CHECK_FALSE(fs::exists(checkout.dir.file("secrets/alice.token")));
}

TEST_CASE(
    "oauth2 authorize refuses an existing --out file before the sign-in, and --force replaces it",
    "[cli][oauth2]") {
    Checkout checkout;
    write_file(checkout.dir.file("secrets/alice.token"), "an older token\n");
    ProcessResult refused =
        run_mailsync({"oauth2", "authorize", "OAuth2Client/google", "--out", "secrets/alice.token"},
                     checkout.options);
    CHECK(refused.exit_code == 1);
    CHECK(refused.err == "error: secrets/alice.token exists already; give --force to replace it\n");
    CHECK(refused.out.empty());
    CHECK(read_file(checkout.dir.file("secrets/alice.token")) == "an older token\n");

    fs::create_symlink("alice.token", checkout.dir.file("secrets/link.token"));
    ProcessResult link = run_mailsync(
        {"oauth2", "authorize", "OAuth2Client/google", "--out", "secrets/link.token", "--force"},
        checkout.options);
    CHECK(link.exit_code == 1);
    CHECK(link.err == "error: secrets/link.token is a symbolic link, and mailsync does not write "
                      "through links\n");

    Authorizing authorizing(checkout,
                            {"OAuth2Client/google", "--out", "secrets/alice.token", "--force"});
    CHECK(browse(authorizing.url()).status == 200);
    CHECK(authorizing.finish().exit_code == 0);
    CHECK(read_file(checkout.dir.file("secrets/alice.token")).starts_with("rt-alice-"));
    CHECK(mode_of(checkout.dir.file("secrets/alice.token")) == 0600);
}

TEST_CASE("oauth2 authorize sends the client secret to no token endpoint the trust model refuses",
          "[cli][oauth2]") {
    Checkout checkout;
    checkout.options.env.erase("MAILSYNC_ALLOWED_HOSTS");
    checkout.options.unset_env.push_back("MAILSYNC_ALLOWED_HOSTS");
    ProcessResult refused =
        run_mailsync({"oauth2", "authorize", "OAuth2Client/google", "--out", "secrets/alice.token"},
                     checkout.options);
    CHECK(refused.exit_code == 1);
    CHECK(contains(refused.err, "error: OAuth2Client 'google': refusing to send "
                                "spec.clientSecret (${env:GOOGLE_CLIENT_SECRET}) to https://"
                                "localhost:"));
    CHECK(refused.out.empty());
    CHECK(checkout.server.token_log().empty());
}

TEST_CASE("oauth2 authorize names what it needs: a client of the configuration", "[cli][oauth2]") {
    Checkout checkout;
    ProcessResult account = run_mailsync(
        {"oauth2", "authorize", "MailAccount/alice", "--out", "secrets/x"}, checkout.options);
    CHECK(account.exit_code == 1);
    CHECK(account.err == "error: 'MailAccount/alice' is not OAuth2Client/NAME, such as "
                         "OAuth2Client/google-workspace\n");
    ProcessResult unknown = run_mailsync(
        {"oauth2", "authorize", "OAuth2Client/gogle", "--out", "secrets/x"}, checkout.options);
    CHECK(unknown.exit_code == 1);
    CHECK(unknown.err ==
          "error: no OAuth2Client 'gogle' in the configuration; did you mean 'google'?\n");
    ProcessResult missing =
        run_mailsync({"oauth2", "authorize", "OAuth2Client/google"}, checkout.options);
    CHECK(missing.exit_code == 1);
    CHECK(contains(missing.err, "--out is required"));
}

TEST_CASE("completion offers oauth2's subcommand and its flags", "[cli][oauth2]") {
    ProcessResult commands = run_mailsync({"__complete", "commands", "oauth2"});
    CHECK(commands.out.starts_with("authorize\tGet a refresh token through the browser"));
    ProcessResult flags = run_mailsync({"__complete", "flags", "oauth2", "authorize"});
    CHECK(contains(flags.out, "--out\t"));
    CHECK(contains(flags.out, "--timeout\t"));
    CHECK(contains(flags.out, "--force\t"));
}
