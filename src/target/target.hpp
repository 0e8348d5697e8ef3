// The target: where the Cloud configuration lives. One interface for every kind of target.
#pragma once

#include <expected>
#include <memory>
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

    std::string name() const { return fields.value("name", std::string()); }
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
};

// Opens `sqlite:PATH`; later kinds of target are added here.
Result<std::unique_ptr<Target>> open_target(const std::string& spec);

// The default target: the embedded stand-in for a Cloud instance.
inline constexpr const char* default_target = "sqlite:.mailsync/target.db";

} // namespace mailsync
