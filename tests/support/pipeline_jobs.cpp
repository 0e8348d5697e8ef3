#include "support/pipeline_jobs.hpp"

#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

namespace mailsync::test {

namespace {

// The platform environment a job names: `environment: NAME` or `environment: {name: NAME}`.
std::string environment_of(const YAML::Node& job) {
    YAML::Node node = job["environment"];
    if (!node)
        return "";
    return node.IsMap() ? node["name"].as<std::string>() : node.as<std::string>();
}

std::string mailsync_env_of(const YAML::Node& file_vars, const YAML::Node& job_vars) {
    if (job_vars && job_vars["MAILSYNC_ENV"])
        return job_vars["MAILSYNC_ENV"].as<std::string>();
    return file_vars && file_vars["MAILSYNC_ENV"] ? file_vars["MAILSYNC_ENV"].as<std::string>()
                                                  : "";
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at))
        text.replace(at, from.size(), to);
    return text;
}

// A GitLab job with the keys of the templates it extends, its own winning; `variables` merged.
YAML::Node merged(const YAML::Node& root, const YAML::Node& job) {
    YAML::Node out(YAML::NodeType::Map);
    YAML::Node extends = job["extends"];
    std::vector<std::string> bases;
    if (extends && extends.IsSequence()) {
        for (const auto& base : extends)
            bases.push_back(base.as<std::string>());
    } else if (extends) {
        bases.push_back(extends.as<std::string>());
    }
    for (const std::string& base : bases) {
        YAML::Node parent = merged(root, root[base]);
        for (const auto& entry : parent)
            out[entry.first.as<std::string>()] = YAML::Clone(entry.second);
    }
    for (const auto& entry : job) {
        std::string key = entry.first.as<std::string>();
        if (key == "variables" && out["variables"]) {
            for (const auto& variable : entry.second)
                out["variables"][variable.first.as<std::string>()] = variable.second;
        } else {
            out[key] = YAML::Clone(entry.second);
        }
    }
    return out;
}

} // namespace

bool add_commands(const std::string& script, std::vector<std::string>& into) {
    std::size_t before = into.size();
    std::string joined;
    std::size_t start = 0;
    while (start < script.size()) {
        std::size_t end = script.find('\n', start);
        std::string line = script.substr(start, end == std::string::npos ? end : end - start);
        start = end == std::string::npos ? script.size() : end + 1;
        std::size_t first = line.find_first_not_of(" \t");
        line = first == std::string::npos ? "" : line.substr(first);
        if (!joined.empty() || line.starts_with("mailsync ")) {
            bool continued = line.ends_with("\\");
            joined += continued ? line.substr(0, line.size() - 1) : line;
            if (!continued) {
                into.push_back(joined);
                joined.clear();
            }
        }
    }
    return into.size() > before;
}

std::vector<Job> github_jobs(const std::string& file) {
    std::vector<Job> jobs;
    YAML::Node root = YAML::LoadFile(file);
    for (const auto& entry : root["jobs"]) {
        std::string name = entry.first.as<std::string>();
        const YAML::Node strategy = entry.second["strategy"];
        std::vector<std::string> values;
        if (strategy && strategy["matrix"] && strategy["matrix"]["environment"]) {
            for (const auto& value : strategy["matrix"]["environment"])
                values.push_back(value.as<std::string>());
        } else {
            values.push_back("");
        }
        for (const std::string& value : values) {
            auto expand = [&](const std::string& text) {
                return replace_all(text, "${{ matrix.environment }}", value);
            };
            Job job{value.empty() ? name : name + " (" + value + ")",
                    {},
                    {},
                    expand(environment_of(entry.second)),
                    expand(mailsync_env_of(root["env"], entry.second["env"]))};
            for (const auto& step : entry.second["steps"]) {
                if (!step["run"] || !add_commands(step["run"].as<std::string>(), job.commands))
                    continue;
                Script script{step["run"].as<std::string>(), Fork::any};
                std::string condition = step["if"] ? step["if"].as<std::string>() : "";
                if (condition.find("head.repo.fork") != std::string::npos)
                    script.fork =
                        condition.find('!') != std::string::npos ? Fork::never : Fork::only;
                job.scripts.push_back(std::move(script));
            }
            jobs.push_back(std::move(job));
        }
    }
    return jobs;
}

std::vector<Job> gitlab_jobs(const std::string& file) {
    std::vector<Job> jobs;
    YAML::Node root = YAML::LoadFile(file);
    for (const auto& entry : root) {
        std::string name = entry.first.as<std::string>();
        if (name.starts_with(".") || !entry.second.IsMap())
            continue;
        YAML::Node job_node = merged(root, entry.second);
        if (!job_node["script"])
            continue;
        Job job{name,
                {},
                {},
                environment_of(job_node),
                mailsync_env_of(root["variables"], job_node["variables"])};
        for (const auto& line : job_node["script"]) {
            if (add_commands(line.as<std::string>(), job.commands))
                job.scripts.push_back({line.as<std::string>(), Fork::any});
        }
        jobs.push_back(std::move(job));
    }
    return jobs;
}

const Job& job(const std::vector<Job>& jobs, const std::string& name) {
    for (const Job& candidate : jobs) {
        if (candidate.name == name)
            return candidate;
    }
    FAIL("no job " << name);
    return jobs.front();
}

} // namespace mailsync::test
