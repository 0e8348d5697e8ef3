// The target: where the Cloud configuration lives. One interface for every kind of target.
#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/secret.hpp"
#include "util/error.hpp"

namespace mailsync {

// An object as the target holds it, in its own form (the mapping's API keys). Write-only
// secret fields are never part of it.
struct TargetObject {
    std::string id;
    std::string version; // changes on every write
    nlohmann::json fields = nlohmann::json::object();
    std::vector<std::string> secrets_set; // the write-only fields that hold a value

    // The name; one that is not a string (a broken target) as its JSON text.
    std::string name() const {
        auto found = fields.find("name");
        if (found == fields.end())
            return "";
        return found->is_string() ? found->get<std::string>() : found->dump();
    }
};

// What a create or update sends: the fields, and the secrets to (re)write.
struct WriteRequest {
    nlohmann::json fields = nlohmann::json::object();
    std::vector<std::pair<std::string, SecretValue>> secrets; // API key → value
};

struct TargetError {
    enum class Code { failed, conflict, not_found };
    Code code = Code::failed;
    std::string message;
};

template <typename T> using TargetResult = std::expected<T, TargetError>;

class Target {
public:
    virtual ~Target() = default;

    // How to name the target in output, without credentials: "sqlite:.mailsync/target.db".
    virtual std::string describe() const = 0;

    // Every object of a collection ("mail-accounts"), read in pages where the target pages.
    virtual TargetResult<std::vector<TargetObject>> list(const std::string& collection) = 0;

    virtual TargetResult<TargetObject> create(const std::string& collection,
                                              const WriteRequest& request) = 0;

    // Replaces the object's fields if it still has `version`; secrets not sent are kept.
    virtual TargetResult<TargetObject> update(const std::string& collection, const std::string& id,
                                              const std::string& version,
                                              const WriteRequest& request) = 0;

    virtual TargetResult<void> remove(const std::string& collection, const std::string& id,
                                      const std::string& version) = 0;

    // Lines worth telling after a run (retries, slowdowns); empty when there is nothing to say.
    virtual std::vector<std::string> report() const { return {}; }
};

// The most objects the API gives in one listing page (pageSize's maximum in
// schemas/target-api.yaml); --target-page-size may not ask more.
inline constexpr std::size_t max_page_size = 500;

// How to reach a remote target. The sqlite: target ignores all of it.
struct TargetOptions {
    std::optional<SecretValue> token; // the bearer token (MAILSYNC_TARGET_TOKEN)
    std::string ca_file;              // replaces the system's CA store when set
    std::size_t page_size = max_page_size;
    int max_tries = 6; // per request, the first one included
    std::chrono::milliseconds timeout{30'000};
    std::chrono::milliseconds backoff{200}; // the first retry's delay before jitter
    std::size_t max_concurrency = 64;
    std::function<void(const std::string&)> warn; // warnings, such as plain HTTP on loopback
};

// Opens `sqlite:PATH` or `https://HOST[:PORT]/BASE` (`http://` only on loopback).
Result<std::unique_ptr<Target>> open_target(const std::string& spec,
                                            const TargetOptions& options = {});

// The default target: the embedded stand-in for a Cloud instance.
inline constexpr const char* default_target = "sqlite:.mailsync/target.db";

} // namespace mailsync
