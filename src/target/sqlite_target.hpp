// `sqlite:PATH`: a local stand-in for a Cloud instance, for rehearsing a migration and for tests.
#pragma once

#include <atomic>
#include <mutex>

#include "target/target.hpp"
#include "util/sqlite.hpp"

namespace mailsync {

// Objects are stored in their Cloud form, one row each, with an id and a version that changes
// on every write; names are unique within a collection, as on Cloud. Secrets are write-only:
// the row keeps a keyed digest of each (to see that it was set or changed), never the value.
//
// For tests, the target URL takes options: `sqlite:PATH?fail-write=K` makes the K-th write of
// this process fail, and `write-delay-ms=N` makes every write take N ms longer.
class SqliteTarget : public Target {
public:
    static Result<std::unique_ptr<SqliteTarget>> open(const std::string& spec);

    std::string describe() const override { return m_description; }
    TargetResult<std::vector<TargetObject>> list(const std::string& collection) override;
    TargetResult<TargetObject> create(const std::string& collection,
                                      const WriteRequest& request) override;
    TargetResult<TargetObject> update(const std::string& collection, const std::string& id,
                                      const std::string& version,
                                      const WriteRequest& request) override;
    TargetResult<void> remove(const std::string& collection, const std::string& id,
                              const std::string& version) override;

    // The digests of the secrets set on an object, for tests: API key → digest.
    TargetResult<nlohmann::json> secret_digests(const std::string& collection,
                                                const std::string& id);

private:
    SqliteTarget(sql::Database db, std::string description, std::string secret_key)
        : m_db(std::move(db)), m_description(std::move(description)),
          m_secret_key(std::move(secret_key)) {}
    std::optional<TargetError> before_write();

    sql::Database m_db;
    std::string m_description;
    std::string m_secret_key;
    std::mutex m_mutex;
    long m_fail_write = 0; // 0: never
    long m_write_delay_ms = 0;
    std::atomic<long> m_writes{0};
};

} // namespace mailsync
