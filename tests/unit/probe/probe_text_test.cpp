// The pure parts of the live tests: redaction, IMAP mailbox names, the post-login dialog, token
// requests and answers, hints.
#include <catch2/catch.hpp>

#include "probe/dialog.hpp"
#include "probe/hints.hpp"
#include "probe/token.hpp"
#include "probe/trace.hpp"

using namespace mailsync;

TEST_CASE("client lines lose their credentials, commands stay readable") {
    bool sasl = false;
    CHECK(redact_client_line(Protocol::imap, "A001 LOGIN alice secret", sasl) ==
          "A001 LOGIN alice (sensitive)");
    CHECK(redact_client_line(Protocol::imap, "A002 CAPABILITY", sasl) == "A002 CAPABILITY");
    CHECK(redact_client_line(Protocol::imap, "A003 AUTHENTICATE PLAIN AGFsaWNlAHM=", sasl) ==
          "A003 AUTHENTICATE PLAIN (sensitive)");
    CHECK(sasl);
    CHECK(redact_client_line(Protocol::imap, "dXNlcj1hbGljZQFhdXRo", sasl) == "(sensitive)");
    sasl = false;
    CHECK(redact_client_line(Protocol::pop3, "USER alice", sasl) == "USER alice");
    CHECK(redact_client_line(Protocol::pop3, "PASS secret", sasl) == "PASS (sensitive)");
    CHECK(redact_client_line(Protocol::smtp, "AUTH LOGIN", sasl) == "AUTH LOGIN");
    CHECK(sasl);
    CHECK(redact_client_line(Protocol::smtp, "YWxpY2U=", sasl) == "(sensitive)");
}

TEST_CASE("a protocol trace ends the SASL exchange at the server's verdict") {
    Redactor redactor;
    redactor.add("hunter22");
    ProtocolTrace trace(Protocol::smtp, false, redactor);
    trace.on_curl(CURLINFO_TEXT, "Connected to localhost (127.0.0.1) port 587 (#0)\n");
    CHECK(trace.phase() == Phase::greeting);
    trace.on_curl(CURLINFO_HEADER_IN, "220 ready\r\n");
    trace.on_curl(CURLINFO_HEADER_OUT, "AUTH PLAIN\r\n");
    CHECK(trace.phase() == Phase::auth);
    CHECK(trace.mechanism() == "PLAIN");
    trace.on_curl(CURLINFO_HEADER_IN, "334 \r\n");
    trace.on_curl(CURLINFO_HEADER_OUT, "AGFsaWNlAGh1bnRlcjIy\r\n");
    trace.on_curl(CURLINFO_HEADER_IN, "535 5.7.8 hunter22 is wrong\r\n");
    trace.on_curl(CURLINFO_HEADER_OUT, "QUIT\r\n");
    std::vector<std::string> expected{"* Connected to localhost (127.0.0.1) port 587 (#0)",
                                      "< 220 ready",
                                      "> AUTH PLAIN",
                                      "< 334 ",
                                      "> (sensitive)",
                                      "< 535 5.7.8 (sensitive) is wrong",
                                      "> QUIT"};
    CHECK(trace.lines() == expected);
    CHECK(trace.last_server_line() == "535 5.7.8 (sensitive) is wrong");
}

TEST_CASE("a failed XOAUTH2 exchange keeps the server's decoded JSON") {
    Redactor redactor;
    ProtocolTrace trace(Protocol::imap, true, redactor);
    trace.on_curl(CURLINFO_HEADER_OUT, "A001 AUTHENTICATE XOAUTH2 dXNlcj1h\r\n");
    // base64 of {"status":"401","schemes":"bearer"}
    trace.on_curl(CURLINFO_HEADER_IN, "+ eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIn0=\r\n");
    trace.on_curl(CURLINFO_HEADER_OUT, "\r\n");
    trace.on_curl(CURLINFO_HEADER_IN, "A001 NO [AUTHENTICATIONFAILED] Invalid credentials\r\n");
    CHECK(trace.sasl_error() == R"({"status":"401","schemes":"bearer"})");
    CHECK(trace.lines()[0] == "> A001 AUTHENTICATE XOAUTH2 (sensitive)");
}

TEST_CASE("HTTP token exchanges lose form secrets, tokens and Authorization") {
    CHECK(redact_http("grant_type=refresh_token&client_id=abc&client_secret=s3cr3t&"
                      "refresh_token=1//0abc") ==
          "grant_type=refresh_token&client_id=abc&client_secret=(sensitive)&"
          "refresh_token=(sensitive)");
    CHECK(redact_http(R"j({"access_token": "ya29.abc", "expires_in": 3599})j") ==
          R"j({"access_token": "(sensitive)", "expires_in": 3599})j");
    CHECK(redact_http("Authorization: Basic YWJjOmRlZg==\r\n") == "Authorization: (sensitive)\r\n");
}

TEST_CASE("the redactor masks every known value wherever it appears") {
    Redactor redactor;
    redactor.add("abc"); // too short to mask safely
    redactor.add("s3cr3t-value");
    CHECK(redactor.apply("x s3cr3t-value y s3cr3t-value") == "x (sensitive) y (sensitive)");
    CHECK(redactor.apply("abc") == "abc");
}

TEST_CASE("IMAP mailbox names are modified UTF-7 and quoted") {
    CHECK(imap_utf7_encode("INBOX") == "INBOX");
    CHECK(imap_utf7_encode("Bestätigt & Erledigt") == "Best&AOQ-tigt &- Erledigt");
    CHECK(imap_utf7_encode("台北") == "&U,BTFw-");
    CHECK(imap_utf7_encode("😀") == "&2D3eAA-");
    CHECK(imap_mailbox_argument(R"(a"b\c)") == R"("a\"b\\c")");
}

TEST_CASE("the IMAP dialog examines the folder, then logs out") {
    Dialog dialog(Protocol::imap, "Archive");
    CHECK(dialog.start() == "MS1 EXAMINE \"Archive\"\r\n");
    CHECK(dialog.on_line("* 12 EXISTS").send.empty());
    Dialog::Step step = dialog.on_line("MS1 OK [READ-ONLY] Examine completed");
    CHECK(step.send == "MS2 LOGOUT\r\n");
    CHECK(dialog.checked());
    CHECK_FALSE(dialog.failure());
    CHECK(dialog.summary() == "Archive: 12 messages (read-only)");
    CHECK(dialog.on_line("* BYE Logging out").finished);

    Dialog missing(Protocol::imap, "Nope");
    missing.start();
    missing.on_line("MS1 NO [NONEXISTENT] Mailbox doesn't exist: Nope");
    REQUIRE(missing.failure());
    CHECK(*missing.failure() == "MS1 NO [NONEXISTENT] Mailbox doesn't exist: Nope");
}

TEST_CASE("the POP3 dialog counts the maildrop; SMTP only quits") {
    Dialog pop3(Protocol::pop3, "");
    CHECK(pop3.start() == "STAT\r\n");
    CHECK(pop3.on_line("+OK 3 4521").send == "QUIT\r\n");
    CHECK(pop3.summary() == "maildrop: 3 messages");
    CHECK(pop3.on_line("+OK Logging out.").finished);

    Dialog smtp(Protocol::smtp, "");
    CHECK(smtp.start() == "QUIT\r\n");
    CHECK(smtp.checked());
    CHECK(smtp.on_line("221 2.0.0 Bye").finished);
}

TEST_CASE("token answers: a token, an OAuth2 error, or something else") {
    TokenResponse ok = parse_token_response(200, R"({"access_token":"t0k3n","expires_in":3600})");
    CHECK(ok.ok);
    CHECK(ok.access_token == "t0k3n");

    TokenResponse revoked = parse_token_response(
        400,
        R"({"error":"invalid_grant","error_description":"Token has been expired or revoked."})");
    CHECK_FALSE(revoked.ok);
    CHECK(revoked.error == "invalid_grant");
    CHECK(revoked.description == "Token has been expired or revoked.");

    TokenResponse html = parse_token_response(502, "<html>Bad Gateway</html>");
    CHECK(html.error == "HTTP 502");
    CHECK(html.description == "not a JSON token response: <html>Bad Gateway</html>");

    TokenResponse empty = parse_token_response(200, R"({"token_type":"Bearer"})");
    CHECK_FALSE(empty.ok);
    CHECK(empty.description == "the answer has no access_token");
}

TEST_CASE("token requests carry the grant's fields; one key per client, grant and credential") {
    OAuth2Client client;
    client.meta.name = "m365";
    client.provider = Provider::microsoft;
    client.client_id = "app id";
    client.tenant_id = "t1";
    client.client_secret = Secret{};
    client.client_secret->value = SecretValue("sec&ret");

    OAuth2Auth credentials;
    credentials.client = "m365";
    credentials.grant = Grant::client_credentials;
    TokenRequest cc = token_request(client, credentials, "shared@example.com");
    CHECK(cc.url == "https://login.microsoftonline.com/t1/oauth2/v2.0/token");
    CHECK(cc.body == "client_id=app%20id&client_secret=sec%26ret&grant_type=client_credentials&"
                     "scope=https%3A%2F%2Foutlook.office365.com%2F.default");
    CHECK(token_request(client, credentials, "other@example.com").key == cc.key);

    OAuth2Auth refresh;
    refresh.client = "m365";
    refresh.refresh_token = Secret{};
    refresh.refresh_token->value = SecretValue("rt-1");
    TokenRequest first = token_request(client, refresh, "a@example.com");
    CHECK_THAT(first.body, Catch::Contains("grant_type=refresh_token&refresh_token=rt-1&scope="));
    refresh.refresh_token->value = SecretValue("rt-2");
    CHECK(token_request(client, refresh, "a@example.com").key != first.key);
    CHECK(first.key.find("rt-1") == std::string::npos);

    TokenRequest check = client_check_request(client);
    CHECK(check.grant == Grant::client_credentials);
    client.provider = Provider::google;
    CHECK_THAT(client_check_request(client).body,
               Catch::Contains("refresh_token=mailsync-connection-test"));
}

TEST_CASE("hints for the known cases") {
    FailureFacts gmail;
    gmail.phase = Phase::auth;
    gmail.protocol = Protocol::imap;
    gmail.host = "imap.gmail.com";
    gmail.password_auth = true;
    gmail.server_words = "A002 NO [ALERT] Application-specific password required";
    CHECK_THAT(hint_for(gmail), Catch::StartsWith("Gmail: turn on IMAP access"));
    CHECK_THAT(hint_for(gmail), Catch::Contains("or an app password"));

    FailureFacts m365;
    m365.phase = Phase::auth;
    m365.protocol = Protocol::smtp;
    m365.host = "smtp.office365.com";
    m365.server_words = "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is "
                        "disabled for the Tenant.";
    CHECK_THAT(hint_for(m365), Catch::StartsWith("Microsoft 365: SMTP AUTH is turned off"));

    FailureFacts token;
    token.phase = Phase::token;
    token.oauth_error = "invalid_grant";
    token.grant = Grant::refresh_token;
    CHECK_THAT(hint_for(token), Catch::StartsWith("the refresh token has expired or been revoked"));

    FailureFacts name;
    name.phase = Phase::tls;
    name.host = "10.0.0.5";
    name.curl_error = "SSL: no alternative certificate subject name matches target host name "
                      "'10.0.0.5'";
    CHECK_THAT(hint_for(name), Catch::StartsWith("the certificate is for another host name"));

    FailureFacts starttls;
    starttls.phase = Phase::tls;
    starttls.protocol = Protocol::imap;
    starttls.port = 143;
    starttls.starttls_missing = true;
    CHECK(hint_for(starttls) == "the server does not offer STARTTLS on port 143; use encryption: "
                                "ssl on its implicit-TLS port (993) if it has one");
}
