// Plans for people: text for a terminal, markdown for a pull-request comment.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "plan/plan.hpp"

namespace mailsync {

// Terraform-like: `+` create, `~` update, `-` delete, field by field with Cloud labels. Handed
// to `write` in pieces as it is made: a plan of 100,000 creates is never one string.
void render_text(const Plan& plan, bool color, const std::function<void(std::string_view)>& write);
std::string render_text(const Plan& plan, bool color);

// The line above the deletions: how many, and whether apply would refuse them.
std::string deletion_banner(const Plan& plan);

// The summary line: "Plan: 1 to create, 2 to update, 0 to delete, 5 unchanged."
std::string render_summary(const Plan& plan);

// A summary table and a collapsible section per resource. Split into parts of at most
// `max_part` characters (at resource boundaries) when `split`; otherwise one part.
std::vector<std::string> render_markdown(const Plan& plan, bool split,
                                         std::size_t max_part = 60'000);

} // namespace mailsync
