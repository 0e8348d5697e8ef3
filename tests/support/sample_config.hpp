// Configurations made up for tests: any number of resources of each kind, all valid.
#pragma once

#include <map>
#include <string>

namespace mailsync::test {

struct ConfigShape {
    int clients = 3;
    int accounts = 18;
    int smtp = 9;
};

// Writes `config.yaml` into `dir`: clients `client-N` (every second one Microsoft), accounts
// `box-N` (every third with a password, the others with OAuth2 via client N % clients), SMTP
// connections `out-N` with a password. Secrets come from the variables of test_secrets().
void write_config(const std::string& dir, const ConfigShape& shape);

// The environment the written configurations need.
std::map<std::string, std::string> test_secrets();

// Every variable a written .env.example lists, given a made-up value "filled-NAME".
std::map<std::string, std::string> fill_env_example(const std::string& path);

} // namespace mailsync::test
