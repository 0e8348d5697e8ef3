// The loopback listener of `oauth2 authorize`: spare connections, other paths, the deadline.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>

#include "oauth2/loopback.hpp"
#include "util/curl.hpp"

using namespace mailsync;

namespace {

std::size_t collect(char* data, std::size_t size, std::size_t count, void* out) {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
}

struct Got {
    long status = 0;
    std::string body;
};

Got get(const std::string& url) {
    curl::Easy easy;
    Got got;
    easy.set(CURLOPT_URL, url);
    easy.set(CURLOPT_TIMEOUT_MS, 10000L);
    easy.set_callback(CURLOPT_WRITEFUNCTION, collect);
    easy.set(CURLOPT_WRITEDATA, static_cast<void*>(&got.body));
    if (easy.perform() == CURLE_OK)
        got.status = easy.response_code();
    return got;
}

// A connection that sends nothing, as a browser's spare one.
int idle_connection(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    return fd;
}

} // namespace

TEST_CASE("a request line is read with its target cut at the query", "[oauth2]") {
    std::optional<RequestLine> line = parse_request_line("GET /callback?code=a&state=b HTTP/1.1\r\n"
                                                         "Host: 127.0.0.1\r\n\r\n");
    REQUIRE(line);
    CHECK(line->method == "GET");
    CHECK(line->path == "/callback");
    CHECK(line->query == "code=a&state=b");
    CHECK(parse_request_line("GET /favicon.ico HTTP/1.1\r\n\r\n")->query.empty());
    CHECK_FALSE(parse_request_line("GET /callback\r\n\r\n"));
    CHECK_FALSE(parse_request_line("GET / callback HTTP/1.1\r\n\r\n"));
    CHECK_FALSE(parse_request_line(" /callback HTTP/1.1\r\n\r\n"));
}

TEST_CASE("the listener answers the callback past spare connections and other paths", "[oauth2]") {
    LoopbackListener listener;
    Result<int> port = listener.listen(0);
    REQUIRE(port);
    std::string base = "http://127.0.0.1:" + std::to_string(*port);
    int idle = idle_connection(*port);
    auto browser = std::async(std::launch::async, [&] {
        Got favicon = get(base + "/favicon.ico");
        Got page = get(base + "/callback?code=c&state=s");
        return std::pair(favicon, page);
    });
    auto query = listener.wait_for_get("/callback",
                                       std::chrono::steady_clock::now() + std::chrono::seconds(10));
    REQUIRE(query);
    REQUIRE(*query);
    CHECK(**query == "code=c&state=s");
    listener.answer(200, result_page(true, "mail", ""));
    auto [favicon, page] = browser.get();
    CHECK(favicon.status == 404);
    CHECK(page.status == 200);
    CHECK(page.body.find("mailsync has the refresh token") != std::string::npos);
    ::close(idle);
}

TEST_CASE("the listener gives up at the deadline", "[oauth2]") {
    LoopbackListener listener;
    REQUIRE(listener.listen(0));
    auto query = listener.wait_for_get("/callback", std::chrono::steady_clock::now() +
                                                        std::chrono::milliseconds(50));
    REQUIRE(query);
    CHECK_FALSE(*query);
}

TEST_CASE("a port in use is an error that names it", "[oauth2]") {
    LoopbackListener first;
    Result<int> port = first.listen(0);
    REQUIRE(port);
    LoopbackListener second;
    Result<int> taken = second.listen(*port);
    REQUIRE_FALSE(taken);
    CHECK(taken.error().message ==
          "cannot listen on 127.0.0.1:" + std::to_string(*port) + ": Address already in use");
}
