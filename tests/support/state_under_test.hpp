// The state tests run against either backend: a SQLite file, or a namespace of its own in the
// PostgreSQL cluster that the CTest fixture `postgres` starts (tests/fixtures/postgres). Both
// must behave exactly alike.
#pragma once

#include <string>

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"

namespace mailsync::test {

// The fixture's URL: MAILSYNC_TEST_POSTGRES, or the url file in MAILSYNC_POSTGRES_FIXTURE's
// folder; the test fails when neither is there (run it through ctest, which starts the fixture).
std::string postgres_test_url();

// The URL with a namespace added (mailsync_namespace=NAME).
std::string with_namespace(const std::string& url, const std::string& name);

class StateUnderTest {
public:
    // "sqlite" or "postgres"; a PostgreSQL state takes a namespace no other test uses.
    explicit StateUnderTest(std::string kind);

    bool postgres() const { return m_kind == "postgres"; }
    const std::string& kind() const { return m_kind; }

    // The --state of a state called `name`: a file in `dir`, or a namespace in the database.
    std::string location(const TempDir& dir, const std::string& name = "state.db") const;
    // How mailsync names that state in its messages (the password hidden).
    std::string describe(const TempDir& dir, const std::string& name = "state.db") const;

private:
    std::string m_kind;
    std::string m_prefix; // of this test's namespaces
};

// Each state test runs once per backend; tag it [postgres] so that ctest gives it the fixture.
#define FOR_EACH_STATE(name)                                                                       \
    std::string state_kind = GENERATE(as<std::string>{}, "sqlite", "postgres");                    \
    INFO("state " << state_kind);                                                                  \
    ::mailsync::test::StateUnderTest name(state_kind)

} // namespace mailsync::test
