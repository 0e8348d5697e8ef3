#include "target/sqlite_target.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include <fmt/format.h>

#include "util/crypto.hpp"

namespace mailsync {

namespace {

constexpr const char* schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS objects (
  collection TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  name TEXT NOT NULL,
  body TEXT NOT NULL,
  secrets TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (collection, id),
  UNIQUE (collection, name)
);
)sql";

TargetError failed(std::string message) {
    return {TargetError::Code::failed, std::move(message)};
}

// `sqlite:PATH?a=1&b=2` → PATH and its options.
std::pair<std::string, std::map<std::string, std::string>> split_spec(const std::string& spec) {
    std::string rest = spec.substr(std::string_view("sqlite:").size());
    std::map<std::string, std::string> options;
    std::size_t question = rest.find('?');
    if (question != std::string::npos) {
        std::string query = rest.substr(question + 1);
        rest.resize(question);
        std::size_t start = 0;
        while (start <= query.size()) {
            std::size_t end = query.find('&', start);
            std::string item = query.substr(start, end - start);
            std::size_t equals = item.find('=');
            if (!item.empty())
                options[item.substr(0, equals)] =
                    equals == std::string::npos ? "" : item.substr(equals + 1);
            if (end == std::string::npos)
                break;
            start = end + 1;
        }
    }
    return {rest, options};
}

nlohmann::json digest_secrets(const std::string& key, nlohmann::json secrets,
                              const WriteRequest& request) {
    for (const auto& [field, value] : request.fields.items()) {
        if (value.is_null())
            secrets.erase(field); // a cleared secret
    }
    for (const auto& [field, value] : request.secrets)
        secrets[field] = hmac_sha256_hex(key, value.reveal());
    return secrets;
}

std::vector<std::string> keys_of(const nlohmann::json& secrets) {
    std::vector<std::string> out;
    for (const auto& [field, value] : secrets.items())
        out.push_back(field);
    return out;
}

} // namespace

Result<std::unique_ptr<SqliteTarget>> SqliteTarget::open(const std::string& spec) {
    auto [path, options] = split_spec(spec);
    if (path.empty())
        return fail(fmt::format("target '{}' names no file; write sqlite:PATH", spec));
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    std::error_code error;
    if (!parent.empty())
        std::filesystem::create_directories(parent, error);
    Result<sql::Database> db = sql::Database::open(path, sql::Links::refuse);
    if (!db)
        return fail(fmt::format("target {}: {}", spec, db.error().message));
    if (auto ok = db->exec(schema_sql); !ok)
        return fail(fmt::format("target {}: {}", spec, ok.error().message));
    // The key for the secrets' digests is made once per target file.
    if (auto ok = db->exec(fmt::format("INSERT OR IGNORE INTO meta VALUES ('secret_key', '{}')",
                                       to_hex(random_bytes(32))));
        !ok)
        return fail(ok.error().message);
    std::string key;
    {
        auto select = db->prepare("SELECT value FROM meta WHERE key = 'secret_key'");
        if (!select || !select->step().value_or(false))
            return fail(fmt::format("target {}: cannot read its key", spec));
        key = select->text(0);
    }
    std::string description = "sqlite:" + path;
    std::unique_ptr<SqliteTarget> target(new SqliteTarget(std::move(*db), description, key));
    for (const auto& [name, value] : options) {
        long number = std::strtol(value.c_str(), nullptr, 10);
        if (name == "fail-write")
            target->m_fail_write = number;
        else if (name == "write-delay-ms")
            target->m_write_delay_ms = number;
        else
            return fail(fmt::format("target {}: unknown option '{}' (fail-write, write-delay-ms)",
                                    spec, name));
    }
    return target;
}

std::optional<TargetError> SqliteTarget::before_write() {
    long write = ++m_writes;
    if (m_write_delay_ms > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(m_write_delay_ms));
    if (m_fail_write > 0 && write == m_fail_write)
        return failed(fmt::format("injected failure on write {}", write));
    return std::nullopt;
}

TargetResult<std::vector<TargetObject>> SqliteTarget::list(const std::string& collection) {
    std::lock_guard lock(m_mutex);
    auto select =
        m_db.prepare("SELECT id, version, body, secrets FROM objects WHERE collection = ? "
                     "ORDER BY name");
    if (!select)
        return std::unexpected(failed(select.error().message));
    select->bind(1, collection);
    std::vector<TargetObject> out;
    bool broken = false;
    Result<void> read = select->each([&] {
        TargetObject object{select->text(0),
                            std::to_string(select->integer(1)),
                            nlohmann::json::parse(select->text(2), nullptr, false),
                            {}};
        nlohmann::json secrets = nlohmann::json::parse(select->text(3), nullptr, false);
        broken = broken || object.fields.is_discarded() || !secrets.is_object();
        if (!broken)
            object.secrets_set = keys_of(secrets);
        out.push_back(std::move(object));
    });
    if (!read)
        return std::unexpected(failed(read.error().message));
    if (broken)
        return std::unexpected(
            failed(fmt::format("{} holds an object with a broken body", collection)));
    return out;
}

TargetResult<TargetObject> SqliteTarget::create(const std::string& collection,
                                                const WriteRequest& request) {
    if (auto fault = before_write())
        return std::unexpected(*fault);
    std::lock_guard lock(m_mutex);
    std::string id = to_hex(random_bytes(8));
    std::string name = request.fields.value("name", std::string());
    auto secrets = digest_secrets(m_secret_key, nlohmann::json::object(), request);
    auto insert = m_db.prepare("INSERT INTO objects (collection, id, version, name, body, secrets) "
                               "VALUES (?, ?, 1, ?, ?, ?)");
    if (!insert)
        return std::unexpected(failed(insert.error().message));
    insert->bind(1, collection).bind(2, id).bind(3, name).bind(4, request.fields.dump());
    insert->bind(5, secrets.dump());
    if (auto ok = insert->run(); !ok) {
        if (ok.error().message.find("UNIQUE") != std::string::npos)
            return std::unexpected(TargetError{
                TargetError::Code::conflict,
                fmt::format("an object named '{}' already exists in {}", name, collection)});
        return std::unexpected(failed(ok.error().message));
    }
    return TargetObject{id, "1", request.fields, keys_of(secrets)};
}

TargetResult<TargetObject> SqliteTarget::update(const std::string& collection,
                                                const std::string& id, const std::string& version,
                                                const WriteRequest& request) {
    if (auto fault = before_write())
        return std::unexpected(*fault);
    std::lock_guard lock(m_mutex);
    auto transaction = sql::Transaction::begin(m_db);
    if (!transaction)
        return std::unexpected(failed(transaction.error().message));
    nlohmann::json secrets;
    {
        auto select =
            m_db.prepare("SELECT version, secrets FROM objects WHERE collection = ? AND id = ?");
        if (!select)
            return std::unexpected(failed(select.error().message));
        select->bind(1, collection).bind(2, id);
        Result<bool> row = select->step();
        if (!row || !*row)
            return std::unexpected(TargetError{TargetError::Code::not_found,
                                               fmt::format("no object {} in {}", id, collection)});
        std::string current = std::to_string(select->integer(0));
        if (current != version)
            return std::unexpected(TargetError{
                TargetError::Code::conflict, fmt::format("object {} in {} is at version {}, not {}",
                                                         id, collection, current, version)});
        secrets = digest_secrets(m_secret_key, nlohmann::json::parse(select->text(1)), request);
    }
    auto write = m_db.prepare(
        "UPDATE objects SET version = version + 1, name = ?, body = ?, secrets = ?, "
        "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE collection = ? AND id = ?");
    if (!write)
        return std::unexpected(failed(write.error().message));
    write->bind(1, request.fields.value("name", std::string())).bind(2, request.fields.dump());
    write->bind(3, secrets.dump()).bind(4, collection).bind(5, id);
    if (auto ok = write->run(); !ok)
        return std::unexpected(failed(ok.error().message));
    if (auto ok = transaction->commit(); !ok)
        return std::unexpected(failed(ok.error().message));
    return TargetObject{id, std::to_string(std::stol(version) + 1), request.fields,
                        keys_of(secrets)};
}

TargetResult<void> SqliteTarget::remove(const std::string& collection, const std::string& id,
                                        const std::string& version) {
    if (auto fault = before_write())
        return std::unexpected(*fault);
    std::lock_guard lock(m_mutex);
    auto remove =
        m_db.prepare("DELETE FROM objects WHERE collection = ? AND id = ? AND version = ?");
    if (!remove)
        return std::unexpected(failed(remove.error().message));
    remove->bind(1, collection).bind(2, id).bind(3, std::stol(version));
    if (auto ok = remove->run(); !ok)
        return std::unexpected(failed(ok.error().message));
    if (m_db.changes() == 0)
        return std::unexpected(
            TargetError{TargetError::Code::conflict,
                        fmt::format("object {} in {} is gone or no longer at version {}", id,
                                    collection, version)});
    return {};
}

TargetResult<nlohmann::json> SqliteTarget::secret_digests(const std::string& collection,
                                                          const std::string& id) {
    std::lock_guard lock(m_mutex);
    auto select = m_db.prepare("SELECT secrets FROM objects WHERE collection = ? AND id = ?");
    if (!select)
        return std::unexpected(failed(select.error().message));
    select->bind(1, collection).bind(2, id);
    Result<bool> row = select->step();
    if (!row || !*row)
        return std::unexpected(TargetError{TargetError::Code::not_found, "no such object"});
    return nlohmann::json::parse(select->text(0));
}

} // namespace mailsync
