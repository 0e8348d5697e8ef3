// The pages of `mailsync serve`, as pure functions of what they show: HTML with no script and no
// outside asset, one style block allowed by its hash in the Content-Security-Policy, labels on
// every field, errors announced (role="alert"), readable on a phone; and the CSV of the
// administrator's list.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mailsync {

// A migration as the pages show it.
struct MigrationView {
    std::string name;
    std::string description;
    std::string owner;       // the address invited, if any
    std::string source;      // "alice@old.example.com on imap.old.example.com"
    std::string destination; // the same of the destination
    std::string status;      // NEW, INVITED, PENDING, COMPLETED, ERROR
    std::string message;     // the reason of an ERROR, or what happens now
    std::uint64_t messages_done = 0;
    std::uint64_t messages_total = 0;
    std::uint64_t bytes_done = 0;
    std::uint64_t bytes_total = 0;
    std::string updated_at;
    bool self_service = false;
    bool credentials_held = false; // the owner's credentials are kept (sealed) for it
};

// Percent of the messages copied, 0 to 100; 100 once COMPLETED.
int percent_done(const MigrationView& view);

struct Page {
    int status = 200;
    std::string html;
};

// The Content-Security-Policy every page is sent with.
std::string page_security_policy();

// The owner's first step after opening the link: what the link is for, and a button to go on
// (so that a mail scanner that fetches the link does not use it up).
Page link_page(const MigrationView& view, const std::string& token, const std::string& expires);

// What the owner sees: the migration, and the form for the source's password while mailsync
// has none that works (with `error` above it), or the progress; `sign_in_with` names the
// provider ("Google", "Microsoft") when the owner may sign in through it instead.
struct OwnerPage {
    MigrationView view;
    std::string csrf;
    std::string error;
    std::string username;     // the source's login, shown in the form
    std::string sign_in_with; // empty: password only
    bool ask = true;          // show the form
    // Why the copy cannot start (its servers are not allowed yet): shown instead of the form.
    std::string blocked;
};
Page owner_page(const OwnerPage& page);

// A page of words only: a refused link, an ended session, too many attempts.
Page message_page(int status, const std::string& title, const std::string& text);

// The administrator's sign-in.
Page admin_sign_in_page(const std::string& error);

// The administrator's list: every migration, or those of one status (`filter`, empty for all).
Page admin_page(const std::vector<MigrationView>& views, const std::string& filter,
                const std::string& csrf);

// The list as CSV (RFC 4180): name, status, percent, messages, bytes, owner, source,
// destination, updated, message. Cells that a spreadsheet would run as a formula are quoted
// with a leading apostrophe.
std::string admin_csv(const std::vector<MigrationView>& views);

} // namespace mailsync
