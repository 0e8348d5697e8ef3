#include "support/state_under_test.hpp"

#include <cctype>
#include <cstdlib>

#include "state/state_location.hpp"
#include "support/process.hpp"
#include "util/crypto.hpp"

namespace mailsync::test {

std::string postgres_test_url() {
    if (const char* url = std::getenv("MAILSYNC_TEST_POSTGRES"); url != nullptr && *url != '\0')
        return url;
    const char* dir = std::getenv("MAILSYNC_POSTGRES_FIXTURE");
    std::string url = dir != nullptr ? read_file(std::string(dir) + "/url") : "";
    while (!url.empty() && (url.back() == '\n' || url.back() == ' '))
        url.pop_back();
    if (url.empty())
        FAIL("no PostgreSQL for the tests: run them through ctest (fixture.postgres.start), or "
             "set MAILSYNC_TEST_POSTGRES=postgres://...");
    return url;
}

std::string with_namespace(const std::string& url, const std::string& name) {
    return url + (url.find('?') == std::string::npos ? "?" : "&") + "mailsync_namespace=" + name;
}

StateUnderTest::StateUnderTest(std::string kind)
    : m_kind(std::move(kind)), m_prefix("t" + to_hex(random_bytes(5))) {}

std::string StateUnderTest::location(const TempDir& dir, const std::string& name) const {
    if (!postgres())
        return dir.file(name);
    std::string suffix;
    for (char c : name)
        suffix += std::isalnum(static_cast<unsigned char>(c))
                      ? static_cast<char>(std::tolower(static_cast<unsigned char>(c)))
                      : '_';
    return with_namespace(postgres_test_url(), m_prefix + "_" + suffix);
}

std::string StateUnderTest::describe(const TempDir& dir, const std::string& name) const {
    return postgres() ? redact_state_url(location(dir, name)) : dir.file(name);
}

} // namespace mailsync::test
