// `mailsync invite`'s work: for each self-service migration, a new link sealed with the invite
// key, the message from the template, sent through the chosen SmtpConnection, and the sending
// journalled as a run of the state; or, for a dry run, the message with the link masked.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/resources.hpp"
#include "state/state.hpp"
#include "util/error.hpp"

namespace mailsync {

// The link's base: https://..., or http:// to this machine only; no user, query or fragment.
// Returned without a trailing '/'.
Result<std::string> check_invite_base_url(const std::string& url);

// The SmtpConnection named (NAME or SmtpConnection/NAME), else the only one declared; an error
// when none is declared, the name is unknown, or several are and none is named.
Result<const SmtpConnection*> choose_smtp(const Config& config,
                                          const std::optional<std::string>& name);

struct InviteRequest {
    std::vector<const MailboxMigration*> migrations; // self-service ones only
    const SmtpConnection* smtp = nullptr;
    std::string base_url; // checked
    std::string key;      // the invite key
    std::string template_text;
    bool dry_run = false;
    // Send to an owner's address other than the last invitation's (--new-owner).
    bool new_owner = false;
};

// One migration's invitation: sent (or, dry, what would be) or why not.
struct InviteOutcome {
    std::string name;
    std::string email;
    std::string expires; // the link's end, as the message says it
    bool ok = false;
    std::string error;
    std::string preview; // dry run: the message, its link masked
};

// The link shown wherever the token must not be: BASE/m/ and a mask.
std::string masked_link(const std::string& base_url);

// Sends (or previews) every invitation of `request`. A sent one replaces the migration's
// previous invitation in `state` (revoking its link) and marks it INVITED; each sending is a
// journal entry of the run `run_id` ("invite"). The token goes into the message only. A dry
// run needs no state (null): it sends and records nothing.
std::vector<InviteOutcome> send_invitations(const InviteRequest& request, StateStore* state,
                                            const std::string& run_id);

} // namespace mailsync
