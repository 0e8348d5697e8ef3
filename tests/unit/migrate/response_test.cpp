#include <catch2/catch.hpp>

#include <cstring>

#include "migrate/response.hpp"

using namespace mailsync::imap;

namespace {

// Feeds `bytes` in pieces of `chunk` and collects every response.
std::vector<Response> read_all(const std::string& bytes, std::size_t chunk) {
    ResponseReader reader;
    std::vector<Response> out;
    for (std::size_t at = 0; at < bytes.size(); at += chunk) {
        std::size_t count = std::min(chunk, bytes.size() - at);
        std::memcpy(reader.room(count), bytes.data() + at, count);
        reader.received(count);
        while (true) {
            auto next = reader.next();
            REQUIRE(next.has_value());
            if (!next->has_value())
                break;
            out.push_back(std::move(**next));
        }
    }
    CHECK(reader.pending() == 0);
    return out;
}

} // namespace

TEST_CASE("IMAP responses: status, data, literals, however the bytes arrive", "[migrate][imap]") {
    std::string message = "From: a@example.com\r\nSubject: {5}\r\n\r\nbody \"x\"\r\n";
    std::string bytes = "* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS] Dovecot ready.\r\n"
                        "* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent Items\"\r\n"
                        "* LIST () \".\" {10}\r\nwith\r\nCRLF\r\n"
                        "* 12 EXISTS\r\n"
                        "* 3 FETCH (UID 17 FLAGS (\\Seen $Forwarded) INTERNALDATE "
                        "\"01-Jan-2024 10:00:00 +0100\" RFC822.SIZE " +
                        std::to_string(message.size()) +
                        " BODY[HEADER.FIELDS (MESSAGE-ID)] NIL BODY[] {" +
                        std::to_string(message.size()) + "}\r\n" + message +
                        ")\r\n"
                        "+ go ahead\r\n"
                        "a7 NO [OVERQUOTA] Quota exceeded (mailbox for user is full)\r\n";
    for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{64}, bytes.size()}) {
        INFO("chunk " << chunk);
        std::vector<Response> responses = read_all(bytes, chunk);
        REQUIRE(responses.size() == 7);
        CHECK(responses[0].tag == "*");
        CHECK(responses[0].kind == "OK");
        CHECK(responses[0].code == "CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS");
        CHECK(responses[0].text == "Dovecot ready.");

        CHECK(responses[1].kind == "LIST");
        REQUIRE(responses[1].data.size() == 3);
        CHECK(responses[1].data[0].items.size() == 2);
        CHECK(responses[1].data[0].items[1].is_atom("\\sent"));
        CHECK(responses[1].data[2].text == "Sent Items");
        CHECK(responses[2].data[2].text == "with\r\nCRLF");

        CHECK(responses[3].number == 12);
        CHECK(responses[3].kind == "EXISTS");

        const Response& fetch = responses[4];
        CHECK(fetch.number == 3);
        CHECK(fetch.kind == "FETCH");
        REQUIRE(fetch.data.size() == 1);
        const Item& pairs = fetch.data[0];
        CHECK(pairs.after("UID")->text == "17");
        CHECK(pairs.after("FLAGS")->items.size() == 2);
        CHECK(pairs.after("INTERNALDATE")->text == "01-Jan-2024 10:00:00 +0100");
        CHECK(pairs.after("BODY[HEADER.FIELDS (MESSAGE-ID)]")->type == Item::Type::nil);
        CHECK(pairs.after("BODY[]")->text == message);

        CHECK(responses[5].tag == "+");
        CHECK(responses[5].text == "go ahead");
        CHECK(responses[6].tag == "a7");
        CHECK(responses[6].tagged());
        CHECK(responses[6].kind == "NO");
        CHECK(responses[6].code == "OVERQUOTA");
        CHECK(responses[6].text == "Quota exceeded (mailbox for user is full)");
    }
}

TEST_CASE("IMAP responses that cannot be parsed are errors, not crashes", "[migrate][imap]") {
    for (std::string bad :
         {"* LIST (\\Noselect \"/\" x\r\n", "* OK [ALERT no close\r\n",
          "* 1 FETCH (BODY[] \"unterminated)\r\n", "\r\n", "* 1 FETCH (X {999}\r\nshort)\r\n"}) {
        INFO(bad);
        CHECK_FALSE(parse_response(bad).has_value());
    }
    ResponseReader reader;
    std::string huge(2 * 1024 * 1024, 'x');
    std::memcpy(reader.room(huge.size()), huge.data(), huge.size());
    reader.received(huge.size());
    CHECK_FALSE(reader.next().has_value());
}

TEST_CASE("quoted strings for commands", "[migrate][imap]") {
    CHECK(quoted("Sent Items") == "\"Sent Items\"");
    CHECK(quoted("a\"b\\c") == "\"a\\\"b\\\\c\"");
    CHECK_FALSE(quoted("a\r\nb").has_value());
}

TEST_CASE("only atoms are flags: a source's quoted strings and literals in FLAGS never reach a "
          "command",
          "[migrate][imap]") {
    auto parsed = parse_response("* 1 FETCH (UID 5 FLAGS (\\Seen $Label1 \"x y\" {20}\r\n"
                                 "x)\r\nA1 DELETE INBOX  NIL))\r\n");
    REQUIRE(parsed.has_value());
    REQUIRE(parsed->data.size() == 1);
    const Item* flags = parsed->data[0].after("FLAGS");
    REQUIRE(flags != nullptr);
    std::vector<std::string> kept;
    for (const Item& flag : flags->items)
        if (flag.is_flag())
            kept.push_back(flag.text);
    CHECK(kept == std::vector<std::string>{"\\Seen", "$Label1"});
}
