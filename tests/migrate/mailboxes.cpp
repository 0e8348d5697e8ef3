#include "migrate/mailboxes.hpp"

#include <algorithm>
#include <thread>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "migrate/folders.hpp"
#include "util/crypto.hpp"

namespace mailsync::test {

imap::Connection open_box(const MailFixture& fixture, const std::string& user,
                          const std::string& password) {
    imap::Endpoint endpoint;
    endpoint.host = "localhost";
    endpoint.port = fixture.port("IMAPS");
    endpoint.tls.ca_file = fixture.ca_file();
    auto connection = imap::Connection::open(endpoint);
    if (!connection)
        FAIL("connect: " << imap::describe(connection.error()));
    imap::Credentials credentials;
    credentials.user = credentials.login = user;
    credentials.secret = password;
    if (auto ok = connection->login(credentials); !ok)
        FAIL("log in: " << imap::describe(ok.error()));
    return std::move(*connection);
}

std::string user(int n) {
    return fmt::format("m{}@example.test", n);
}
std::string password(int n) {
    return fmt::format("m{}-password", n);
}

void fill(const MailFixture& fixture, const std::string& login, const std::string& secret,
          const std::vector<Fill>& messages) {
    imap::Connection box = open_box(fixture, login, secret);
    for (const Fill& message : messages) {
        std::string name = message.folder == "INBOX" ? "INBOX" : imap::name_of(message.folder, '/');
        (void)box.run(fmt::format("CREATE {}", *imap::quoted(name)), "create");
        std::string command = fmt::format("APPEND {}", *imap::quoted(name));
        if (!message.flags.empty())
            command += " (" + message.flags + ")";
        if (!message.date.empty())
            command += " \"" + message.date + "\"";
        auto tag = box.send_literal(command, message.body);
        REQUIRE(tag);
        for (;;) {
            auto response = box.next();
            REQUIRE(response);
            if (response->tag == *tag) {
                REQUIRE(response->ok());
                break;
            }
        }
    }
    box.close();
}

std::vector<Stored> read_all(const MailFixture& fixture, const std::string& login,
                             const std::string& secret) {
    imap::Connection box = open_box(fixture, login, secret);
    std::vector<imap::Response> listed;
    REQUIRE(box.run("LIST \"\" \"*\"", "list", &listed));
    std::vector<Stored> out;
    for (const imap::Response& entry : listed) {
        if (entry.kind != "LIST")
            continue;
        bool selectable =
            std::none_of(entry.data[0].items.begin(), entry.data[0].items.end(),
                         [](const imap::Item& flag) { return flag.is_atom("\\Noselect"); });
        if (!selectable)
            continue;
        char delimiter = entry.data[1].text.empty() ? 0 : entry.data[1].text[0];
        std::string path = imap::path_of(entry.data[2].text, delimiter).value();
        std::vector<imap::Response> selected;
        REQUIRE(box.run(fmt::format("EXAMINE {}", *imap::quoted(entry.data[2].text)), "examine",
                        &selected));
        std::vector<imap::Response> fetched;
        bool empty = std::any_of(selected.begin(), selected.end(), [](const imap::Response& r) {
            return r.kind == "EXISTS" && r.number == 0;
        });
        if (empty)
            continue;
        auto done = box.run("FETCH 1:* (FLAGS INTERNALDATE BODY.PEEK[])", "fetch", &fetched);
        INFO((done ? std::string() : imap::describe(done.error())));
        REQUIRE(done);
        for (const imap::Response& response : fetched) {
            if (response.kind != "FETCH")
                continue;
            const imap::Item& item = response.data[0];
            std::vector<std::string> flags;
            for (const imap::Item& flag : item.after("FLAGS")->items)
                if (!flag.is_atom("\\Recent"))
                    flags.push_back(flag.text);
            std::sort(flags.begin(), flags.end());
            Stored stored;
            stored.folder = path;
            for (const std::string& flag : flags)
                stored.flags += flag + " ";
            stored.date = imap::parse_internal_date(item.after("INTERNALDATE")->text).value();
            stored.digest = sha256_hex(item.after("BODY[]")->text);
            stored.size = item.after("BODY[]")->text.size();
            out.push_back(std::move(stored));
        }
    }
    box.close();
    std::sort(out.begin(), out.end());
    return out;
}

std::string text_message(const std::string& id, const std::string& subject,
                         const std::string& body) {
    std::string out = "From: Sender <sender@example.org>\r\nTo: someone@example.test\r\n";
    if (!id.empty())
        out += "Message-ID: <" + id + ">\r\n";
    return out + "Subject: " + subject + "\r\nDate: Mon, 7 Feb 1994 21:52:25 -0800\r\n\r\n" + body +
           "\r\n";
}

std::string with_attachment(const std::string& id, std::size_t size) {
    std::string data;
    for (std::size_t i = 0; i < size; ++i)
        data += static_cast<char>('A' + i % 26);
    std::string encoded = base64_encode(data);
    std::string lines;
    for (std::size_t i = 0; i < encoded.size(); i += 76)
        lines += encoded.substr(i, 76) + "\r\n";
    return "From: Sender <sender@example.org>\r\nMessage-ID: <" + id +
           ">\r\nSubject: attachment\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
           "boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nSee the file.\r\n"
           "--b1\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\n"
           "Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; "
           "filename=\"data.bin\"\r\n\r\n" +
           lines + "--b1--\r\n";
}

std::string migration_yaml(const std::string& name, const Side& source, const Side& destination,
                           const std::string& extra) {
    auto side = [](const char* key, const Side& s) {
        return fmt::format("  {}:\n{}    host: localhost\n    port: {}\n    username: {}\n    "
                           "auth: {}\n    tls: {{ caFile: {} }}\n",
                           key, s.type.empty() ? "" : "    type: " + s.type + "\n",
                           s.port != 0 ? s.port : s.fixture->port("IMAPS"), s.user, s.auth,
                           s.fixture->ca_file());
    };
    return fmt::format("---\napiVersion: mailsync/v1\nkind: MailboxMigration\nmetadata:\n  "
                       "name: {}\nspec:\n{}{}{}",
                       name, side("source", source), side("destination", destination), extra);
}

Side password_side(const MailFixture& fixture, int n) {
    return {&fixture, user(n), fmt::format("{{ password: \"${{env:M{}_PASSWORD}}\" }}", n)};
}

std::uint32_t wait_for_messages(const MailFixture& fixture, int n, std::uint32_t count) {
    imap::Connection watch = open_box(fixture, user(n), password(n));
    std::uint32_t seen = wait_for_messages(watch, count);
    watch.close();
    return seen;
}

std::uint32_t wait_for_messages(imap::Connection& watch, std::uint32_t count) {
    std::uint32_t seen = 0;
    for (int i = 0; i < 2000; ++i) {
        std::vector<imap::Response> status;
        if (watch.run("STATUS INBOX (MESSAGES)", "status", &status))
            for (const imap::Response& r : status)
                if (r.kind == "STATUS")
                    seen = static_cast<std::uint32_t>(std::stoul(r.data[1].items[1].text));
        if (seen >= count)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return seen;
}

void wait_until_settled(const MailFixture& fixture, int n) {
    std::uint32_t last = wait_for_messages(fixture, n, 0);
    for (int i = 0; i < 16; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        std::uint32_t now = wait_for_messages(fixture, n, 0);
        if (now == last)
            return;
        last = now;
    }
}

RunOptions migrate_options(const TempDir& dir) {
    RunOptions options;
    options.cwd = dir.path();
    for (int n = 1; n <= 100; ++n)
        options.env[fmt::format("M{}_PASSWORD", n)] = password(n);
    options.env["ADMIN_PASSWORD"] = "admin-password";
    options.env["MAGIC_PASSWORD"] = "magic-password";
    options.env["MAILSYNC_ALLOWED_HOSTS"] = "127.0.0.1,localhost";
    options.env["MAILSYNC_ALLOWED_PATHS"] = fixture_secrets().at("MAILSYNC_ALLOWED_PATHS");
    return options;
}

} // namespace mailsync::test
