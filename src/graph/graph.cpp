#include "graph/graph.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <map>

namespace mailsync {

std::size_t Graph::add_node() {
    m_dependencies.emplace_back();
    m_dependents.emplace_back();
    return m_dependencies.size() - 1;
}

void Graph::add_edge(std::size_t dependent, std::size_t dependency) {
    m_dependencies[dependent].insert(dependency);
    m_dependents[dependency].insert(dependent);
}

Result<std::vector<std::vector<std::size_t>>> Graph::levels() const {
    std::vector<std::size_t> waiting(size());
    std::vector<std::size_t> current;
    for (std::size_t node = 0; node < size(); ++node) {
        waiting[node] = m_dependencies[node].size();
        if (waiting[node] == 0)
            current.push_back(node);
    }
    std::vector<std::vector<std::size_t>> out;
    std::size_t placed = 0;
    while (!current.empty()) {
        std::vector<std::size_t> next;
        for (std::size_t node : current) {
            for (std::size_t dependent : m_dependents[node]) {
                if (--waiting[dependent] == 0)
                    next.push_back(dependent);
            }
        }
        placed += current.size();
        std::sort(next.begin(), next.end());
        out.push_back(std::move(current));
        current = std::move(next);
    }
    if (placed != size()) {
        for (std::size_t node = 0; node < size(); ++node) {
            if (waiting[node] > 0)
                return fail(fmt::format("dependency cycle through node {}", node));
        }
    }
    return out;
}

std::set<std::size_t> Graph::closure(std::size_t node) const {
    std::set<std::size_t> seen{node};
    std::vector<std::size_t> todo{node};
    while (!todo.empty()) {
        std::size_t current = todo.back();
        todo.pop_back();
        for (std::size_t dependency : m_dependencies[current]) {
            if (seen.insert(dependency).second)
                todo.push_back(dependency);
        }
    }
    return seen;
}

std::string to_string(const ResourceId& id) {
    return fmt::format("{}/{}", kind_name(id.kind), id.name);
}

std::size_t ConfigGraph::find(const ResourceId& id) const {
    auto found = std::find(ids.begin(), ids.end(), id);
    return static_cast<std::size_t>(found - ids.begin());
}

ConfigGraph build_config_graph(const Config& config) {
    ConfigGraph out;
    for (const OAuth2Client& client : config.clients)
        out.ids.push_back({Kind::oauth2_client, client.meta.name});
    for (const MailAccount& account : config.accounts)
        out.ids.push_back({Kind::mail_account, account.meta.name});
    for (const SmtpConnection& connection : config.smtp_connections)
        out.ids.push_back({Kind::smtp_connection, connection.meta.name});
    // Copied by mailsync itself, a migration needs no object of the target: no edges.
    for (const MailboxMigration& migration : config.migrations)
        out.ids.push_back({Kind::mailbox_migration, migration.meta.name});
    out.graph = Graph(out.ids.size());
    std::map<std::string, std::size_t> clients;
    for (std::size_t i = 0; i < config.clients.size(); ++i)
        clients.emplace(config.clients[i].meta.name, i);
    auto link = [&](std::size_t node, const Connection& connection) {
        if (!connection.auth || !connection.auth->oauth2)
            return;
        auto found = clients.find(connection.auth->oauth2->client);
        if (found != clients.end())
            out.graph.add_edge(node, found->second);
    };
    std::size_t node = config.clients.size();
    for (const MailAccount& account : config.accounts)
        link(node++, account);
    for (const SmtpConnection& connection : config.smtp_connections)
        link(node++, connection);
    return out;
}

} // namespace mailsync
