// om-sub status: prints the cluster status, or the values at a path.
#include "filter.hpp"
#include "json_fields.hpp"
#include "verbs.hpp"

#include <iostream>

namespace om::sub {

CLI::App* add_status(CLI::App& app, StatusOptions& o) {
    auto* c = app.add_subcommand(
        "status", "Print the cluster status document, or the value at --filter PATH");
    add_common_options(*c, o.common);
    c->add_option("--filter", o.filter,
                  "A path (monitor.nodes.n1.frozen), wildcards allowed (monitor.nodes.*.frozen); "
                  "with an operator, only matching values");
    c->add_option("--format", o.format,
                  "human (default): bare values, indented JSON; json: JSON only")
        ->check(CLI::IsMember({"human", "json"}));
    c->add_flag("--watch", o.watch,
                "The live cluster view, as om-sub mon: --filter then selects the services");
    return c;
}

namespace {
std::string render(const json& v, bool json_only) {
    if (!json_only && !v.is_object() && !v.is_array()) return scalar_text(v);
    return v.dump(json_only && !v.is_object() && !v.is_array() ? -1 : 4);
}
} // namespace

int run_status(const StatusOptions& o) {
    if (o.watch) return run_watch(o);
    std::optional<Filter> filter;
    ConnectionOptions copts;
    try {
        if (!o.filter.empty()) filter = Filter::parse(o.filter);
        copts = connection_options(o.common);
    } catch (const std::exception& e) {
        std::cerr << "om-sub status: " << e.what() << "\n";
        return kUsage;
    }
    copts.state = true;
    copts.topics = {};
    Connection conn(copts);
    if (!conn.start()) {
        std::cerr << unreachable_message(copts) << "\n";
        return kUnreachable;
    }
    const json& doc = conn.replica().doc();
    const bool json_only = o.format == "json";
    if (!filter) {
        std::cout << doc.dump(4) << "\n";
        return 0;
    }
    if (filter->is_simple_path() && filter->op() == FilterOp::Truthy) {
        const json* v = find(doc, filter->simple_path());
        if (!v || filter->negated()) {
            std::cerr << "om-sub status: no value at " << o.filter << "\n";
            return 1;
        }
        std::cout << render(*v, json_only) << "\n";
        return 0;
    }
    json matches = json::object();
    filter->for_each_match(doc, [&](const Path& p, const json& v) {
        if (filter->op() == FilterOp::Truthy || filter->test_value(v)) matches[to_dotted(p)] = v;
    });
    if (matches.empty()) {
        std::cerr << "om-sub status: no value matches " << o.filter << "\n";
        return 1;
    }
    if (json_only) {
        std::cout << matches.dump(4) << "\n";
    } else {
        for (auto it = matches.begin(); it != matches.end(); ++it)
            std::cout << it.key() << " = " << render(it.value(), false) << "\n";
    }
    return 0;
}

} // namespace om::sub
