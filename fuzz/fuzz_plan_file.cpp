// `mailsync apply PLANFILE`: any bytes as a saved plan. A plan that reads must render, and must
// write back to the same JSON it reads as.
#include "harnesses.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "plan/plan_file.hpp"
#include "plan/render.hpp"

using namespace mailsync;

int mailsync::fuzz::plan_file(const std::uint8_t* data, std::size_t size) {
    Result<Plan> plan = read_plan_text(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!plan)
        return 0;
    (void)render_text(*plan, true);
    (void)render_markdown(*plan, true, 2'000);
    nlohmann::ordered_json written = plan_to_json(*plan);
    Result<Plan> again = plan_from_json(nlohmann::json::parse(written.dump()));
    if (!again || plan_to_json(*again) != written) {
        std::fprintf(stderr, "a plan read does not read back the same once written: %s\n",
                     again ? written.dump().c_str() : again.error().message.c_str());
        std::abort();
    }
    return 0;
}
