#include <catch2/catch.hpp>

#include "selfservice/invitations.hpp"
#include "selfservice/message.hpp"

using namespace mailsync;

namespace {

InviteFields fields() {
    return {"alice",
            "alice@example.com",
            "alice@imap.old.example",
            "alice@imap.new.example",
            "https://migrate.example.com/m/TOKEN",
            "2026-12-12 10:00 UTC"};
}

} // namespace

TEST_CASE("the default template names the mailboxes, the link and its end", "[selfservice]") {
    Result<InviteText> text = render_invite(default_invite_template, fields());
    REQUIRE(text);
    CHECK(text->subject ==
          "Your mailbox is moving: please confirm the migration of alice@imap.old.example");
    CHECK(text->body.find("\nhttps://migrate.example.com/m/TOKEN\n") != std::string::npos);
    CHECK(text->body.find("until 2026-12-12 10:00 UTC") != std::string::npos);
}

TEST_CASE("a template's mistakes are named with their line", "[selfservice]") {
    CHECK(render_invite("Hello {link}", fields()).error().message ==
          "invitation template, line 1: the template starts with a 'Subject: ...' line, then a "
          "blank line, then the body");
    CHECK(
        render_invite("Subject: hi\n\nGo to {link}\nYour {password}\n", fields()).error().message ==
        "invitation template, line 4: unknown placeholder {password}; the template knows "
        "{name}, {email}, {source}, {destination}, {link} and {expires}");
    CHECK(render_invite("Subject: hi\n\nno way in\n", fields()).error().message ==
          "invitation template: it has no {link}, so the owner would get no way to hand over "
          "the credentials");
}

TEST_CASE("the message ends its lines in CRLF and refuses header injection", "[selfservice]") {
    InviteText text{"Move of {x}", "line one\n.dot line\r\nlast"};
    Result<std::string> message = compose_message("it@example.com", "alice@example.com", text,
                                                  "Sat, 05 Dec 2026 "
                                                  "10:00:00 +0000",
                                                  "<1@mailsync>");
    REQUIRE(message);
    CHECK(message->find("\r\n\r\nline one\r\n.dot line\r\nlast\r\n") != std::string::npos);
    CHECK(message->starts_with("From: it@example.com\r\nTo: alice@example.com\r\nSubject: Move "
                               "of {x}\r\n"));
    CHECK(!compose_message("it@example.com", "a@example.com\r\nBcc: x@evil.example", text, "d",
                           "<1@m>"));
    CHECK(!compose_message("it@example.com", "Alice <a@example.com>", text, "d", "<1@m>"));
    InviteText injected{"hi\r\nBcc: x@evil.example", "body"};
    CHECK(compose_message("it@example.com", "a@example.com", injected, "d", "<1@m>")
              .error()
              .message == "refusing a subject with a line break: it would add headers");
    InviteText accented{"Déménagement", "body"};
    CHECK(compose_message("it@example.com", "a@example.com", accented, "d", "<1@m>")
              ->find("Subject: =?UTF-8?B?RMOpbcOpbmFnZW1lbnQ=?=\r\n") != std::string::npos);
}

TEST_CASE("the base URL of the links is https, or http on this machine", "[selfservice]") {
    CHECK(check_invite_base_url("https://migrate.example.com/").value() ==
          "https://migrate.example.com");
    CHECK(check_invite_base_url("http://127.0.0.1:8080").value() == "http://127.0.0.1:8080");
    CHECK(check_invite_base_url("http://localhost:8080/x").value() == "http://localhost:8080/x");
    CHECK(check_invite_base_url("http://migrate.example.com").error().message ==
          "the base URL 'http://migrate.example.com' is plain http://: the link would travel "
          "unencrypted; use https:// (http:// only to this machine: localhost, 127.0.0.1, ::1)");
    CHECK(!check_invite_base_url("ftp://migrate.example.com"));
    CHECK(!check_invite_base_url("https://user:pw@migrate.example.com"));
    CHECK(!check_invite_base_url("https://migrate.example.com/?q=1"));
    CHECK(masked_link("https://m.example.com") == "https://m.example.com/m/********");
}
