// Dependency graphs: nodes that depend on others, their order and the levels that can run at once.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "model/resources.hpp"
#include "util/error.hpp"

namespace mailsync {

// A directed graph over node indexes; an edge a → b means a depends on b (b goes first).
class Graph {
public:
    explicit Graph(std::size_t nodes = 0) : m_dependencies(nodes), m_dependents(nodes) {}

    std::size_t add_node();
    void add_edge(std::size_t dependent, std::size_t dependency);
    std::size_t size() const { return m_dependencies.size(); }
    const std::set<std::size_t>& dependencies(std::size_t node) const {
        return m_dependencies[node];
    }
    const std::set<std::size_t>& dependents(std::size_t node) const { return m_dependents[node]; }

    // Level 0 holds the nodes without dependencies, level n those whose dependencies are all in
    // earlier levels. Within a level, nodes keep index order. A cycle is an error naming a node.
    Result<std::vector<std::vector<std::size_t>>> levels() const;

    // Every node `node` depends on, directly or not, and itself.
    std::set<std::size_t> closure(std::size_t node) const;

private:
    std::vector<std::set<std::size_t>> m_dependencies;
    std::vector<std::set<std::size_t>> m_dependents;
};

// A resource of the configuration, by kind and name.
struct ResourceId {
    Kind kind = Kind::oauth2_client;
    std::string name;
    auto operator<=>(const ResourceId&) const = default;
};

// "MailAccount/support-inbox", the form `--select` takes.
std::string to_string(const ResourceId& id);

// The resources of a configuration and their references (a connection → its OAuth2 client),
// with nodes in the order of `ids`. Mailbox migrations are nodes without edges: what they copy
// depends on no object of the target, so selecting one selects nothing else.
struct ConfigGraph {
    std::vector<ResourceId> ids;
    Graph graph;
    // The node of a resource, or size() when it is not there.
    std::size_t find(const ResourceId& id) const;
};
ConfigGraph build_config_graph(const Config& config);

} // namespace mailsync
