// libFuzzer's entry point for one harness, chosen by MAILSYNC_FUZZ_ENTRY (fuzz/CMakeLists.txt).
#include "harnesses.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return mailsync::fuzz::MAILSYNC_FUZZ_ENTRY(data, size);
}
