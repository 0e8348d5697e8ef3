#include "selfservice/submission.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "probe/transfers.hpp"

namespace mailsync {

namespace {

struct Upload {
    std::string_view data;
    std::size_t at = 0;
};

size_t read_upload(char* buffer, size_t size, size_t count, void* user) {
    auto* upload = static_cast<Upload*>(user);
    std::size_t n = std::min(size * count, upload->data.size() - upload->at);
    std::memcpy(buffer, upload->data.data() + upload->at, n);
    upload->at += n;
    return n;
}

struct RecipientList {
    curl_slist* list = nullptr;
    RecipientList() = default;
    RecipientList(const RecipientList&) = delete;
    RecipientList& operator=(const RecipientList&) = delete;
    ~RecipientList() { curl_slist_free_all(list); }
};

} // namespace

Result<void> submit_mail(const SmtpConnection& smtp, const OutgoingMail& mail,
                         const Redactor& redactor) {
    std::string subject = fmt::format("SmtpConnection '{}'", smtp.meta.name);
    if (smtp.auth && smtp.auth->oauth2)
        return fail(fmt::format("{}: sending through an OAuth2 login is not supported yet; use "
                                "an SmtpConnection that logs in with a password",
                                subject));
    if (smtp.encryption == Encryption::none && smtp.auth && !smtp.allow_plaintext_auth)
        return fail(fmt::format("{}: refusing to log in over encryption none", subject));
    ProtocolTrace trace(Protocol::smtp, smtp.encryption == Encryption::ssl, redactor);
    std::unique_ptr<curl::Easy> easy = mail_transfer(smtp, smtp.timeout, trace, true);
    easy->set(CURLOPT_CONNECT_ONLY, 0L);
    easy->set(CURLOPT_MAIL_FROM, fmt::format("<{}>", mail.from));
    RecipientList recipients;
    recipients.list = curl_slist_append(nullptr, fmt::format("<{}>", mail.to).c_str());
    easy->set(CURLOPT_MAIL_RCPT, static_cast<void*>(recipients.list));
    Upload upload{mail.data, 0};
    easy->set(CURLOPT_UPLOAD, 1L);
    easy->set(CURLOPT_INFILESIZE_LARGE, static_cast<long>(mail.data.size()));
    easy->set_callback(CURLOPT_READFUNCTION, read_upload);
    easy->set(CURLOPT_READDATA, static_cast<void*>(&upload));
    CURLcode code = easy->perform();
    if (code == CURLE_OK)
        return {};
    std::string words = trace.last_server_line();
    return fail(fmt::format("{}: sending to {} failed: {}{}", subject, mail.to,
                            redactor.apply(easy->error_text(code)),
                            words.empty() ? "" : fmt::format(" (the server said: {})", words)));
}

} // namespace mailsync
