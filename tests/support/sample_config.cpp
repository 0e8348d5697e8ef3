#include "support/sample_config.hpp"

#include <regex>

#include <fmt/format.h>

#include "support/process.hpp"

namespace mailsync::test {

std::map<std::string, std::string> test_secrets() {
    return {{"TEST_CLIENT_SECRET", "test-client-secret-0b1c"},
            {"TEST_PASSWORD", "test-password-2d3e"},
            {"TEST_REFRESH_TOKEN", "test-refresh-token-4f5a"}};
}

void write_config(const std::string& dir, const ConfigShape& shape) {
    std::string text;
    auto document = [&](const std::string& kind, const std::string& name, const std::string& spec) {
        if (!text.empty())
            text += "---\n";
        text += fmt::format("apiVersion: mailsync/v1\nkind: {}\nmetadata:\n  name: {}\nspec:\n{}",
                            kind, name, spec);
    };
    for (int i = 0; i < shape.clients; ++i)
        document("OAuth2Client", fmt::format("client-{}", i),
                 i % 2 ? fmt::format("  provider: microsoft\n  clientId: id-{}\n  tenantId: t{}\n"
                                     "  clientSecret: ${{env:TEST_CLIENT_SECRET}}\n",
                                     i, i)
                       : fmt::format("  provider: google\n  clientId: id-{}\n"
                                     "  clientSecret: ${{env:TEST_CLIENT_SECRET}}\n",
                                     i));
    for (int i = 0; i < shape.accounts; ++i) {
        std::string auth = i % 3 == 0 || shape.clients == 0
                               ? "  auth:\n    password: ${env:TEST_PASSWORD}\n"
                               : fmt::format("  auth:\n    oauth2:\n      client: client-{}\n"
                                             "      refreshToken: ${{env:TEST_REFRESH_TOKEN}}\n",
                                             i % shape.clients);
        document(
            "MailAccount", fmt::format("box-{}", i),
            fmt::format("  description: Mailbox {}\n  protocol: imap\n  host: imap{}.example.com\n"
                        "  username: box-{}@example.com\n{}",
                        i, i % 4, i, auth));
    }
    for (int i = 0; i < shape.smtp; ++i)
        document("SmtpConnection", fmt::format("out-{}", i),
                 fmt::format("  fromAddress: out-{}@example.com\n  host: smtp.example.com\n"
                             "  username: out-{}\n  auth:\n    password: ${{env:TEST_PASSWORD}}\n",
                             i, i));
    write_file(dir + "/config.yaml", text);
}

std::map<std::string, std::string> fill_env_example(const std::string& path) {
    std::map<std::string, std::string> out;
    std::string text = read_file(path);
    static const std::regex line("^([A-Z0-9_]+)=$");
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        std::string item = text.substr(start, end - start);
        std::smatch match;
        if (std::regex_match(item, match, line))
            out[match[1]] = "filled-" + match[1].str();
        if (end == std::string::npos)
            break;
        start = end + 1;
    }
    return out;
}

} // namespace mailsync::test
