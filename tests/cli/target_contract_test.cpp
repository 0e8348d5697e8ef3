// What mailsync sends over the https target keeps schemas/target-api.yaml, and what the
// contract lets a server add does not upset it.
#include <catch2/catch.hpp>

#include "support/target_under_test.hpp"

using namespace mailsync::test;

TEST_CASE("plan refuses a --target-page-size above the contract's most", "[cli][https][contract]") {
    TempDir dir;
    write_config(dir.path(), {1, 1, 1});
    TargetUnderTest target("https");
    ProcessResult refused =
        run_mailsync({"plan", "--target-page-size", "501", "."}, target.in(dir));
    CHECK(refused.exit_code != 0);
    CHECK(refused.err.find("'501' is not a page size from 1 to 500: the target API gives at most "
                           "500 objects per page (pageSize in schemas/target-api.yaml)") !=
          std::string::npos);
    CHECK(target.server().stats()["apiRequests"] == 0);
    CHECK(run_mailsync({"plan", "--target-page-size", "500", "."}, target.in(dir)).exit_code == 0);
}
