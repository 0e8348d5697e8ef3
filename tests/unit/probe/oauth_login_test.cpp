// The pure parts of OAuth2 in connection tests: the SASL login mailsync sends itself, the
// server's words in one row, and the hints of token endpoints and unanswered logins.
#include <catch2/catch.hpp>

#include "probe/dialog.hpp"
#include "probe/hints.hpp"
#include "probe/sasl.hpp"
#include "probe/server_text.hpp"
#include "probe/trace.hpp"
#include "util/crypto.hpp"

using namespace mailsync;

namespace {

OAuth2Login bob(TokenMechanism mechanism) {
    return {mechanism, "bob@example.com", "ya29.token", "imap.example.com", 993};
}

} // namespace

TEST_CASE("OAuth2 SASL responses: XOAUTH2's user and bearer, OAUTHBEARER's GS2 header, host "
          "and port") {
    CHECK(oauth2_client_response(bob(TokenMechanism::xoauth2)) == "user=bob@example.com\x01"
                                                                  "auth=Bearer ya29.token\x01\x01");
    CHECK(oauth2_client_response(bob(TokenMechanism::oauthbearer)) ==
          "n,a=bob@example.com,\x01host=imap.example.com\x01port=993\x01"
          "auth=Bearer ya29.token\x01\x01");
    OAuth2Login odd = bob(TokenMechanism::oauthbearer);
    odd.user = "a,b=c";
    CHECK_THAT(oauth2_client_response(odd), Catch::StartsWith("n,a=a=2Cb=3Dc,\x01"));
}

TEST_CASE("a refused XOAUTH2 login answers the error challenge with an empty line and keeps the "
          "final reply") {
    std::string response = base64_encode(oauth2_client_response(bob(TokenMechanism::xoauth2)));
    std::string challenge = "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIn0=";

    OAuth2Exchange imap(Protocol::imap, bob(TokenMechanism::xoauth2));
    CHECK(imap.start() == "MS0 AUTHENTICATE XOAUTH2\r\n");
    CHECK(imap.on_line("+ ").send == response + "\r\n");
    OAuth2Exchange::Step step = imap.on_line("+ " + challenge);
    CHECK(step.send == "\r\n");
    CHECK_FALSE(step.done);
    CHECK(imap.on_line("* CAPABILITY IMAP4rev1").send.empty());
    step = imap.on_line("MS0 NO [AUTHENTICATIONFAILED] Authentication failed.");
    CHECK(step.done);
    CHECK_FALSE(imap.accepted());
    CHECK(imap.verdict() == "MS0 NO [AUTHENTICATIONFAILED] Authentication failed.");

    OAuth2Exchange pop3(Protocol::pop3, bob(TokenMechanism::xoauth2));
    CHECK(pop3.start() == "AUTH XOAUTH2\r\n");
    CHECK(pop3.on_line("+").send == response + "\r\n");
    CHECK(pop3.on_line("+ " + challenge).send == "\r\n");
    CHECK(pop3.on_line("-ERR [AUTH] Authentication failed.").done);
    CHECK(pop3.verdict() == "-ERR [AUTH] Authentication failed.");

    OAuth2Exchange smtp(Protocol::smtp, bob(TokenMechanism::xoauth2));
    CHECK(smtp.start() == "AUTH XOAUTH2\r\n");
    CHECK(smtp.on_line("334 ").send == response + "\r\n");
    CHECK(smtp.on_line("334 " + challenge).send == "\r\n");
    CHECK(smtp.on_line("535 5.7.8 Authentication failed").done);
    CHECK_FALSE(smtp.accepted());
}

TEST_CASE("OAUTHBEARER answers the error challenge with %x01; an accepted login is done at once") {
    OAuth2Exchange refused(Protocol::imap, bob(TokenMechanism::oauthbearer));
    CHECK(refused.start() == "MS0 AUTHENTICATE OAUTHBEARER\r\n");
    refused.on_line("+");
    CHECK(refused.on_line("+ eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=").send == "AQ==\r\n");
    // A server that challenges again is cancelled; its reply is the verdict.
    CHECK(refused.on_line("+ ").send == "*\r\n");
    CHECK(refused.on_line("MS0 BAD Authentication cancelled").done);
    CHECK_FALSE(refused.accepted());

    OAuth2Exchange accepted(Protocol::smtp, bob(TokenMechanism::xoauth2));
    accepted.on_line("334 ");
    CHECK(accepted.on_line("235-2.7.0 more to say").send.empty());
    OAuth2Exchange::Step step = accepted.on_line("235 2.7.0 Authentication successful");
    CHECK(step.done);
    CHECK(step.send.empty());
    CHECK(accepted.accepted());
}

TEST_CASE("a dialog with an OAuth2 login logs in first; a refused login logs out at once") {
    Dialog dialog(Protocol::imap, "INBOX", bob(TokenMechanism::xoauth2));
    CHECK(dialog.start() == "MS0 AUTHENTICATE XOAUTH2\r\n");
    CHECK(dialog.logging_in());
    dialog.on_line("+ ");
    Dialog::Step step = dialog.on_line("MS0 OK [CAPABILITY IMAP4rev1] Logged in");
    CHECK(step.send == "MS1 EXAMINE \"INBOX\"\r\n");
    CHECK_FALSE(dialog.logging_in());
    CHECK_FALSE(dialog.checked());
    CHECK(dialog.on_line("MS1 OK [READ-ONLY] done").send == "MS2 LOGOUT\r\n");
    CHECK(dialog.checked());

    Dialog refused(Protocol::pop3, "", bob(TokenMechanism::xoauth2));
    refused.start();
    refused.on_line("+ ");
    refused.on_line("+ eyJzdGF0dXMiOiI0MDEifQ==");
    CHECK(refused.on_line("-ERR [AUTH] Authentication failed.").send == "QUIT\r\n");
    REQUIRE(refused.login_refusal());
    CHECK(*refused.login_refusal() == "-ERR [AUTH] Authentication failed.");
    CHECK_FALSE(refused.checked());
    CHECK(refused.on_line("+OK Logging out").finished);
}

TEST_CASE("the trace knows whether the server answered the login") {
    Redactor redactor;
    ProtocolTrace xoauth2(Protocol::imap, true, redactor);
    xoauth2.on_sent("MS0 AUTHENTICATE XOAUTH2");
    xoauth2.on_received("+ ");
    xoauth2.on_sent("dXNlcj1ib2I=");
    CHECK_FALSE(xoauth2.login_answered());
    xoauth2.on_received("+ eyJzdGF0dXMiOiI0MDEifQ==");
    CHECK(xoauth2.login_answered()); // its error, as a challenge
    xoauth2.on_sent("");
    CHECK(xoauth2.login_answered());
    CHECK(xoauth2.lines().back() == "> ");

    ProtocolTrace pop3(Protocol::pop3, true, redactor);
    pop3.on_sent("USER bob");
    pop3.on_received("+OK");
    CHECK(pop3.login_answered());
    pop3.on_sent("PASS secret");
    CHECK_FALSE(pop3.login_answered());
}

TEST_CASE("server words fit one row: no control characters, Microsoft's description cut to its "
          "AADSTS code and first sentence") {
    CHECK(one_line("a\r\nb\tc \x1b[31m d  ") == "a b c [31m d");
    CHECK(one_line("\r\n") == "");
    std::string microsoft =
        "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the "
        "request is the client secret value.\r\nTrace ID: 6b7a1e2c-0000-4000-8000-000000000000\r\n"
        "Correlation ID: 9c1d0f3e-0000-4000-8000-000000000000\r\nTimestamp: 2025-01-02 "
        "03:04:05Z";
    CHECK(first_sentence(microsoft) == "AADSTS7000215: Invalid client secret provided.");
    CHECK(first_sentence("AADSTS90002: Tenant 'x' not found\r\nTrace ID: 1") ==
          "AADSTS90002: Tenant 'x' not found");
    CHECK(first_sentence("Sign-in failed. See AADSTS50126 for more.") ==
          "AADSTS50126: Sign-in failed.");
    CHECK(first_sentence("Token has been expired or revoked.") ==
          "Token has been expired or revoked.");
    CHECK(first_sentence("\r\n  Unauthorized") == "Unauthorized");
}

TEST_CASE("a token endpoint's certificate gets the certificate hints of a mail server's") {
    FailureFacts facts;
    facts.phase = Phase::token;
    facts.client = "m365";
    facts.host = "login.example.com";
    facts.curl_error = "SSL certificate problem: unable to get local issuer certificate";
    CHECK(hint_for(facts) == "the token endpoint's certificate is not signed by a CA this machine "
                             "trusts; give the CA certificate in spec.tls.caFile of OAuth2Client "
                             "'m365'");
    facts.curl_error = "SSL: no alternative certificate subject name matches target host name "
                       "'login.example.com'";
    CHECK(hint_for(facts) == "the token endpoint's certificate is for another host name than "
                             "'login.example.com'; use the name the certificate was issued for "
                             "in spec.tokenUrl of OAuth2Client 'm365', not an IP address or an "
                             "alias");
    facts.curl_error = "SSL certificate problem: certificate has expired";
    CHECK(hint_for(facts) == "the token endpoint's certificate has expired");
    facts.curl_error = "Could not resolve host: login.example.com";
    CHECK_THAT(hint_for(facts), Catch::StartsWith("the token endpoint cannot be reached"));

    facts.phase = Phase::tls;
    facts.curl_error = "SSL certificate problem: certificate has expired";
    CHECK(hint_for(facts) == "the server's certificate has expired");
}

TEST_CASE("a login without an answer is not a refusal") {
    FailureFacts facts;
    facts.phase = Phase::auth;
    facts.protocol = Protocol::imap;
    facts.host = "imap.example.com";
    facts.timeout = std::chrono::milliseconds(5000);
    facts.timed_out = true;
    facts.login_unanswered = true;
    CHECK(hint_for(facts) == "the server accepted the connection but did not answer the login "
                             "within 5000 ms");
    facts.timed_out = false;
    CHECK(hint_for(facts) == "the server closed the connection without answering the login");
    facts.login_unanswered = false;
    facts.server_words = "MS0 NO [AUTHENTICATIONFAILED] Authentication failed.";
    CHECK_THAT(hint_for(facts), Catch::StartsWith("the server refused the access token"));
}
