// `mailsync serve` under test: a checkout with self-service migrations between the fixture's two
// Dovecot servers (destinations logged in with the magic password, so that no owner's password
// is in serve's environment), invitations sent through the fixture's submission service, and a
// serve process on a free port, spoken to over HTTP as a browser would.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <httplib.h>

#include "migrate/mailboxes.hpp"

namespace mailsync::test {

// A response as the tests read it.
struct Answer {
    int status = 0;
    std::string body;
    std::string location;
    std::string cookie; // the Set-Cookie's name=value, if any
};

// A self-service migration of mailbox n: its name is "m<n>", its owner "owner<n>-<tag>@...".
struct OwnedBox {
    int n = 0;
    std::string extra_source = {}; // more source lines, each "    key: value\n"
    std::string client = {};       // selfService.oauth2Client
    std::string source_user = {};  // default user(n)
};

class Served {
public:
    explicit Served(const std::vector<OwnedBox>& boxes, const std::string& extra_yaml = "");
    ~Served();
    Served(const Served&) = delete;
    Served& operator=(const Served&) = delete;

    // Invites every owner; the token of each migration's newest link by name.
    std::map<std::string, std::string> invite();
    void start();
    // SIGKILL: nothing is cleaned up.
    void kill();
    void stop(); // SIGTERM, and waits

    Answer get(const std::string& path, const std::string& cookie = "");
    Answer post(const std::string& path, const std::string& form, const std::string& cookie = "",
                const std::string& origin = "");
    // Uses a link: GET shows it, POST /m opens a session; the session cookie ("name=value").
    std::string open_link(const std::string& token);
    // The CSRF token of the form on the owner's page.
    std::string csrf(const std::string& cookie);
    // Polls the owner's page until its status is `status` (up to 60 s); the last page.
    std::string wait_for(const std::string& cookie, const std::string& status);

    std::string owner(int n) const;
    std::string file(const std::string& name) const { return dir.file(name); }
    std::string output() const; // serve's stdout and stderr so far

    TempDir dir;
    RunOptions options;
    std::string state;
    int port = 0;
    int pid = -1;

private:
    std::string m_tag;
    int m_starts = 0;
};

// "a=b" of "a=b; Path=/; ...".
std::string cookie_pair(const std::string& set_cookie);

} // namespace mailsync::test
