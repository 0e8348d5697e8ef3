#include "serve/pages.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include <fmt/format.h>

#include "util/crypto.hpp"
#include "util/text.hpp"

namespace mailsync {

namespace {

// Dark text on white and white on a dark blue: contrast above 7:1; focus always outlined.
constexpr std::string_view style =
    "body{font-family:system-ui,sans-serif;margin:0;padding:1em;"
    "line-height:1.5;color:#1b1b1b;background:#fff;font-size:1.05em}"
    "main{max-width:44em;margin:0 auto}main.wide{max-width:96em}"
    "h1{font-size:1.4em;margin-top:.5em}dl{display:grid;grid-template-columns:max-content 1fr;"
    "gap:.25em 1em}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}"
    "label{display:block;font-weight:600;margin-top:1em}"
    "input,select{font:inherit;padding:.5em;border:2px solid #555;border-radius:4px;"
    "max-width:100%;box-sizing:border-box}input[type=password]{width:100%}"
    "button{font:inherit;margin-top:1em;padding:.6em 1.2em;border:0;border-radius:4px;"
    "background:#0b4f8a;color:#fff;cursor:pointer}button.quiet{background:#4a4a4a}"
    ":focus-visible{outline:3px solid #b35c00;outline-offset:2px}"
    ".alert{border-left:6px solid #a4161a;background:#fde8e8;padding:.75em 1em}"
    ".note{color:#3d3d3d}progress{width:100%;height:1.5em}"
    "table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4em;"
    "border-bottom:1px solid #ccc;vertical-align:top}td.num{text-align:right}"
    ".s-COMPLETED{color:#1e6b2e;font-weight:600}.s-ERROR{color:#a4161a;font-weight:600}"
    ".s-PENDING{color:#0b4f8a;font-weight:600}form.inline{display:inline}"
    ".table{overflow-x:auto}";

std::string e(std::string_view text) {
    return html_escape(text);
}

std::string layout(std::string_view title, std::string_view body, bool refresh = false,
                   bool wide = false) {
    return fmt::format(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n{}"
        "<title>{} - mailsync</title>\n<style>{}</style>\n</head>\n<body>\n<main{}>\n{}"
        "</main>\n</body>\n</html>\n",
        refresh ? "<meta http-equiv=\"refresh\" content=\"3\">\n" : "", e(title), style,
        wide ? " class=\"wide\"" : "", body);
}

std::string facts(const MigrationView& view) {
    std::string out = "<dl>\n";
    out += fmt::format("<dt>From</dt><dd>{}</dd>\n", e(view.source));
    out += fmt::format("<dt>To</dt><dd>{}</dd>\n", e(view.destination));
    if (!view.description.empty())
        out += fmt::format("<dt>About</dt><dd>{}</dd>\n", e(view.description));
    return out + "</dl>\n";
}

std::string progress_text(const MigrationView& view) {
    if (view.messages_total == 0)
        return view.status == "COMPLETED" ? "Every message is copied." : "Counting the messages.";
    return fmt::format("{} of {} messages copied ({}%).", view.messages_done, view.messages_total,
                       percent_done(view));
}

// What the owner is told of each status.
std::string status_words(const MigrationView& view) {
    if (view.status == "COMPLETED")
        return "Your mailbox has been copied. You can close this page.";
    if (view.status == "ERROR")
        return "The copy stopped. Your administrator sees why and can start it again; you need "
               "do nothing unless they ask you to.";
    if (view.status == "PENDING")
        return "Your mailbox is being copied. You can close this page: the copy goes on, and "
               "the link's page shows how far it is when you come back in this browser.";
    return "mailsync is waiting for your password to start.";
}

std::string hidden(std::string_view name, std::string_view value) {
    return fmt::format("<input type=\"hidden\" name=\"{}\" value=\"{}\">\n", name, e(value));
}

} // namespace

int percent_done(const MigrationView& view) {
    if (view.status == "COMPLETED")
        return 100;
    if (view.messages_total == 0)
        return 0;
    return static_cast<int>(
        std::min<std::uint64_t>(99, view.messages_done * 100 / view.messages_total));
}

std::string page_security_policy() {
    return fmt::format("default-src 'none'; style-src 'sha256-{}'; form-action 'self'; "
                       "base-uri 'none'; frame-ancestors 'none'",
                       base64_encode(sha256_bytes(style)));
}

Page link_page(const MigrationView& view, const std::string& token, const std::string& expires) {
    std::string body = fmt::format(
        "<h1>Your mailbox is moving</h1>\n<p>Your administrator asked mailsync to copy your "
        "mailbox. This link works once, until {}.</p>\n{}"
        "<form method=\"post\" action=\"/m\">\n{}"
        "<button type=\"submit\" id=\"continue\">Continue</button>\n</form>\n",
        e(expires), facts(view), hidden("token", token));
    return {200, layout("Your mailbox is moving", body)};
}

Page owner_page(const OwnerPage& page) {
    const MigrationView& view = page.view;
    std::string body = "<h1>Copy of your mailbox</h1>\n" + facts(view);
    if (!page.error.empty())
        body +=
            fmt::format("<p id=\"error\" class=\"alert\" role=\"alert\">{}</p>\n", e(page.error));
    if (!page.ask) {
        body += fmt::format(
            "<div aria-live=\"polite\">\n<p id=\"status\" data-status=\"{}\" class=\"s-{}\">"
            "{}</p>\n<label for=\"progress\">Progress</label>\n"
            "<progress id=\"progress\" max=\"100\" value=\"{}\">{}%</progress>\n"
            "<p>{}</p>\n</div>\n",
            e(view.status), e(view.status), e(status_words(view)), percent_done(view),
            percent_done(view), e(progress_text(view)));
        bool finished = view.status == "COMPLETED" || view.status == "ERROR";
        if (!finished)
            body += "<p class=\"note\">This page updates itself every few seconds.</p>\n";
        return {200, layout("Copy of your mailbox", body, !finished)};
    }
    if (!page.blocked.empty()) {
        body += fmt::format("<p id=\"status\" data-status=\"{}\" class=\"alert\" "
                            "role=\"alert\">{}</p>\n",
                            e(view.status), e(page.blocked));
        return {200, layout("Copy of your mailbox", body)};
    }
    if (view.status == "ERROR" && page.error.empty())
        body += "<p class=\"alert\" role=\"alert\">The last copy stopped. You can give your "
                "password again to retry, or wait for your administrator.</p>\n";
    body += fmt::format(
        "<p id=\"status\" data-status=\"{}\">To start, sign in to your current mailbox. mailsync "
        "checks the password with your mail server at once, keeps it encrypted only until the "
        "copy is done, and never shows it to anyone.</p>\n"
        "<form method=\"post\" action=\"/owner/credentials\" id=\"credentials\">\n{}"
        "<label for=\"username\">User name</label>\n"
        "<input id=\"username\" type=\"text\" value=\"{}\" readonly autocomplete=\"username\">\n"
        "<label for=\"password\">Password of your current mailbox</label>\n"
        "<input id=\"password\" name=\"password\" type=\"password\" required "
        "autocomplete=\"current-password\" aria-describedby=\"password-note\">\n"
        "<p id=\"password-note\" class=\"note\">Some providers want an app password here.</p>\n"
        "<button type=\"submit\" id=\"start\">Start the copy</button>\n</form>\n",
        e(view.status), hidden("csrf", page.csrf), e(page.username));
    if (!page.sign_in_with.empty())
        body += fmt::format("<form method=\"post\" action=\"/owner/oauth2\">\n{}"
                            "<button type=\"submit\" id=\"sign-in-with\" class=\"quiet\">Sign in "
                            "with {} instead</button>\n</form>\n",
                            hidden("csrf", page.csrf), e(page.sign_in_with));
    return {page.error.empty() ? 200 : 422, layout("Copy of your mailbox", body)};
}

Page message_page(int status, const std::string& title, const std::string& text) {
    return {status, layout(title, fmt::format("<h1>{}</h1>\n<p role=\"alert\">{}</p>\n", e(title),
                                              e(text)))};
}

Page admin_sign_in_page(const std::string& error) {
    std::string body = "<h1>Mailbox migrations</h1>\n";
    if (!error.empty())
        body += fmt::format("<p id=\"error\" class=\"alert\" role=\"alert\">{}</p>\n", e(error));
    body += "<form method=\"post\" action=\"/admin/login\">\n"
            "<label for=\"admin-token\">Administrator token</label>\n"
            "<input id=\"admin-token\" name=\"token\" type=\"password\" required "
            "autocomplete=\"off\">\n"
            "<button type=\"submit\" id=\"sign-in\">Sign in</button>\n</form>\n";
    return {error.empty() ? 200 : 401, layout("Sign in", body)};
}

Page admin_page(const std::vector<MigrationView>& views, const std::string& filter,
                const std::string& csrf) {
    constexpr std::array<std::string_view, 5> statuses = {"NEW", "INVITED", "PENDING", "COMPLETED",
                                                          "ERROR"};
    std::string options =
        fmt::format("<option value=\"\"{}>All</option>", filter.empty() ? " selected" : "");
    for (std::string_view status : statuses)
        options += fmt::format("<option value=\"{}\"{}>{}</option>", status,
                               filter == status ? " selected" : "", status);
    std::string rows;
    std::size_t shown = 0;
    for (const MigrationView& view : views) {
        if (!filter.empty() && view.status != filter)
            continue;
        ++shown;
        std::string retry;
        if (view.status == "ERROR" && view.credentials_held)
            retry = fmt::format("<form method=\"post\" action=\"/admin/retry\" class=\"inline\">"
                                "{}{}<button type=\"submit\">Retry</button></form>",
                                hidden("csrf", csrf), hidden("name", view.name));
        rows += fmt::format(
            "<tr data-name=\"{}\" data-status=\"{}\"><td>{}</td><td class=\"s-{}\">{}</td>"
            "<td class=\"num\">{}%</td><td class=\"num\">{} / {}</td><td>{}</td><td>{}</td>"
            "<td>{}</td><td>{}{}</td></tr>\n",
            e(view.name), e(view.status), e(view.name), e(view.status), e(view.status),
            percent_done(view), view.messages_done, view.messages_total,
            e(view.owner.empty() ? (view.self_service ? "not invited" : "administrator")
                                 : view.owner),
            e(view.source), e(view.updated_at), e(view.message), retry);
    }
    std::string body = fmt::format(
        "<h1>Mailbox migrations</h1>\n<form method=\"get\" action=\"/admin\">\n"
        "<label for=\"filter\">Show</label>\n<select id=\"filter\" name=\"status\">{}</select>\n"
        "<button type=\"submit\" id=\"apply-filter\">Filter</button>\n</form>\n"
        "<p>{} of {} migrations. <a id=\"csv\" href=\"/admin/migrations.csv\">Download all as "
        "CSV</a></p>\n<div class=\"table\"><table id=\"migrations\">\n<caption class=\"note\">"
        "Status of every migration</caption>\n<thead><tr><th scope=\"col\">Name</th>"
        "<th scope=\"col\">Status</th><th scope=\"col\">Done</th><th scope=\"col\">Messages</th>"
        "<th scope=\"col\">Owner</th><th scope=\"col\">Source</th><th scope=\"col\">Updated</th>"
        "<th scope=\"col\">Reason</th></tr></thead>\n<tbody>\n{}</tbody>\n</table></div>\n"
        "<form method=\"post\" action=\"/admin/logout\">{}<button type=\"submit\" class=\"quiet\" "
        "id=\"sign-out\">Sign out</button></form>\n",
        options, shown, views.size(), rows, hidden("csrf", csrf));
    return {200, layout("Mailbox migrations", body, false, true)};
}

std::string admin_csv(const std::vector<MigrationView>& views) {
    auto cell = [](std::string text) {
        if (!text.empty() && std::string_view("=+-@\t\r").find(text[0]) != std::string_view::npos)
            text.insert(0, "'");
        std::string out = "\"";
        for (char c : text)
            out += c == '"' ? std::string("\"\"") : std::string(1, c);
        return out + "\"";
    };
    std::string out = "name,status,percent,messages_done,messages_total,bytes_done,bytes_total,"
                      "owner,source,destination,updated_at,message\r\n";
    for (const MigrationView& view : views)
        out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{}\r\n", cell(view.name),
                           cell(view.status), percent_done(view), view.messages_done,
                           view.messages_total, view.bytes_done, view.bytes_total, cell(view.owner),
                           cell(view.source), cell(view.destination), cell(view.updated_at),
                           cell(view.message));
    return out;
}

} // namespace mailsync
