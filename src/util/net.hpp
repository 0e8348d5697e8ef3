// Host names and addresses as URLs and YAML give them: what counts as this machine.
#pragma once

#include <string_view>

namespace mailsync {

// Whether `host` is this machine: an address that parses as 127.0.0.0/8 or ::1 (brackets
// allowed), or the name `localhost`. A name that merely starts with "127." is not.
bool is_loopback_host(std::string_view host);

} // namespace mailsync
