// Which folders a migration copies, what they are called at the destination, and dates.
#include <catch2/catch.hpp>

#include "migrate/connection.hpp"
#include "migrate/folders.hpp"

using namespace mailsync;
using namespace mailsync::imap;

TEST_CASE("folder patterns: '*' crosses levels, '%' does not, INBOX in any case",
          "[migrate][folders]") {
    CHECK(folder_matches("*", "Archive/2026/Q1"));
    CHECK(folder_matches("Archive/*", "Archive/2026/Q1"));
    CHECK(folder_matches("Archive/%", "Archive/2026"));
    CHECK_FALSE(folder_matches("Archive/%", "Archive/2026/Q1"));
    CHECK(folder_matches("inbox", "INBOX"));
    CHECK(folder_matches("INBOX/*", "Inbox/Sub"));
    CHECK_FALSE(folder_matches("Sent", "Sent Items"));
    CHECK(folder_matches("Sent*", "Sent Items"));
    CHECK(folder_matches("[Gmail]/*", "[Gmail]/All Mail"));
}

TEST_CASE("include and exclude: an excluded folder takes its sub-folders with it",
          "[migrate][folders]") {
    std::vector<std::string> none;
    CHECK(folder_selected("Anything", none, none));
    CHECK_FALSE(folder_selected("Trash", none, {"Trash"}));
    CHECK_FALSE(folder_selected("Trash/Old", none, {"Trash"}));
    CHECK(folder_selected("Trashy", none, {"Trash"}));
    CHECK_FALSE(folder_selected("[Gmail]/All Mail", none, {"[Gmail]/All Mail", "[Gmail]/Spam"}));
    CHECK(folder_selected("Work/A", {"Work/*", "INBOX"}, none));
    CHECK(folder_selected("inbox", {"Work/*", "INBOX"}, none));
    CHECK_FALSE(folder_selected("Private", {"Work/*", "INBOX"}, none));
    CHECK_FALSE(folder_selected("Work/Old", {"Work/*"}, {"Work/Old"}));
}

TEST_CASE("Gmail's views: All Mail, Important and Starred by attribute or English name; Spam "
          "and Trash are folders",
          "[migrate][folders]") {
    std::vector<std::string> plain = {"\\HasNoChildren"};
    CHECK(is_gmail_view("[Gmail]/All Mail", plain));
    CHECK(is_gmail_view("[Gmail]/Important", plain));
    CHECK(is_gmail_view("[Gmail]/Starred", plain));
    CHECK(is_gmail_view("[Google Mail]/All Mail", plain));
    CHECK_FALSE(is_gmail_view("[Gmail]/Spam", plain));
    CHECK_FALSE(is_gmail_view("[Gmail]/Trash", plain));
    CHECK_FALSE(is_gmail_view("[Gmail]/Sent Mail", plain));
    CHECK_FALSE(is_gmail_view("Work/All Mail", plain));
    // A French account: the names differ, the special-use attributes do not.
    CHECK(is_gmail_view("[Gmail]/Tous les messages", {"\\HasNoChildren", "\\All"}));
    CHECK(is_gmail_view("[Gmail]/Suivis", {"\\flagged"}));
    CHECK(is_gmail_view("[Gmail]/Important", {"\\Important"}));
    CHECK_FALSE(is_gmail_view("[Gmail]/Corbeille", {"\\HasNoChildren", "\\Trash"}));
    CHECK_FALSE(is_gmail_view("[Gmail]/Spam", {"\\Junk"}));
}

TEST_CASE("Gmail's views are left out unless an include pattern matches them",
          "[migrate][folders]") {
    std::vector<std::string> none;
    CHECK(gmail_view_left_out("[Gmail]/All Mail", none, none));
    CHECK(gmail_view_left_out("[Gmail]/Starred", none, {"INBOX", "Work/*"}));
    CHECK_FALSE(gmail_view_left_out("[Gmail]/Starred", none, {"INBOX", "[Gmail]/Starred"}));
    CHECK_FALSE(gmail_view_left_out("[Gmail]/All Mail", none, {"*"}));
    CHECK_FALSE(gmail_view_left_out("[Gmail]/Important", none, {"[Gmail]/%"}));
    CHECK_FALSE(gmail_view_left_out("[Gmail]/Spam", none, none));
    CHECK_FALSE(gmail_view_left_out("INBOX", none, none));
}

TEST_CASE("renames: the longest matching folder wins and sub-folders follow",
          "[migrate][folders]") {
    std::vector<FolderRename> renames = {
        {"[Gmail]/Sent Mail", "Sent", {}}, {"[Gmail]", "Gmail", {}}, {"Old", "INBOX/Old", {}}};
    CHECK(renamed("[Gmail]/Sent Mail", renames) == "Sent");
    CHECK(renamed("[Gmail]/Sent Mail/2020", renames) == "Sent/2020");
    CHECK(renamed("[Gmail]/Drafts", renames) == "Gmail/Drafts");
    CHECK(renamed("Old/x", renames) == "INBOX/Old/x");
    CHECK(renamed("Oldies", renames) == "Oldies");
    CHECK(renamed("inbox", renames) == "INBOX");
}

TEST_CASE("server names and paths: delimiters and modified UTF-7 both ways", "[migrate][folders]") {
    CHECK(path_of("Entw&APw-rfe", '/') == "Entwürfe");
    CHECK(path_of("Archiv.&AMQ-rger", '.') == "Archiv/Ärger");
    CHECK(path_of("a/b.c", '.') == "a_b/c"); // a '/' inside a level is not a level
    CHECK(path_of("inbox", '/') == "INBOX");
    CHECK_FALSE(path_of("bad&", '/'));
    bool changed = false;
    CHECK(name_of("Archiv/Ärger", '.', &changed) == "Archiv.&AMQ-rger");
    CHECK_FALSE(changed);
    CHECK(name_of("v1.2/x", '.', &changed) == "v1_2.x");
    CHECK(changed);
    CHECK(name_of("a & b", '/') == "a &- b");
}

TEST_CASE("INTERNALDATE as seconds since 1970, with its zone", "[migrate][imap]") {
    CHECK(parse_internal_date("17-Jul-1996 02:44:25 -0700") == 837596665);
    CHECK(parse_internal_date(" 1-Jan-1970 00:00:00 +0000") == 0);
    CHECK(parse_internal_date("01-Jan-1970 01:00:00 +0100") == 0);
    CHECK(parse_internal_date("29-Feb-2024 23:59:59 +0000") == 1709251199);
    CHECK_FALSE(parse_internal_date("32-Foo-2024 00:00:00 +0000"));
    CHECK_FALSE(parse_internal_date("yesterday"));
}
