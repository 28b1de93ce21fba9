// Rendering the cluster view.
#include "cluster_view.hpp"

#include "human_format.hpp"
#include "json_fields.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <set>

namespace om::sub {

using nlohmann::json;

namespace {

// SGR colours, used only when the view is coloured.
constexpr const char* kRed = "\x1b[31m";
constexpr const char* kGreen = "\x1b[32m";
constexpr const char* kYellow = "\x1b[33m";
constexpr const char* kBlue = "\x1b[34m";
constexpr const char* kBold = "\x1b[1m";
constexpr const char* kReset = "\x1b[0m";

const json& at(const json& j, std::initializer_list<const char*> path) {
    static const json none;
    const json* cur = &j;
    for (const char* k : path) {
        if (!cur->is_object()) return none;
        const auto it = cur->find(k);
        if (it == cur->end()) return none;
        cur = &*it;
    }
    return *cur;
}

bool is_frozen(const json& v) {
    if (v.is_number()) return v.get<double>() > 0;
    if (v.is_boolean()) return v.get<bool>();
    if (v.is_string()) return v.get_ref<const std::string&>() == "frozen";
    return false;
}

// A text padded to `width` visible characters (escapes take no room), then a space.
struct Line {
    std::string text;
    std::size_t visible = 0;
    bool colour;
    void add(const std::string& s, std::size_t width = 0, const char* sgr = nullptr) {
        if (colour && sgr) text += sgr;
        text += s;
        if (colour && sgr) text += kReset;
        visible += s.size();
        for (std::size_t i = s.size(); i < width; ++i, ++visible)
            text += ' ';
    }
};

const char* avail_colour(const std::string& a) {
    if (a == "up") return kGreen;
    if (a == "down") return kRed;
    if (a == "warn") return kYellow;
    return nullptr;
}

std::string header(const ViewOptions& o, const json& doc) {
    const auto cluster = doc.is_object() ? string_or(at(doc, {"cluster"}), "name", "?") : "?";
    return fmt::format("ombus cluster {}  broker epoch {}  {}", cluster, o.epoch,
                       format_time(o.now).substr(0, 19));
}

// The nodes, in cluster.nodes order, then any other node of monitor.nodes or heartbeats.
std::vector<std::string> node_names(const json& doc) {
    std::vector<std::string> names;
    std::set<std::string> seen;
    const auto add = [&](const std::string& n) {
        if (seen.insert(n).second) names.push_back(n);
    };
    if (const auto& l = at(doc, {"cluster", "nodes"}); l.is_array())
        for (const auto& n : l)
            if (n.is_string()) add(n.get<std::string>());
    for (const auto* section : {"monitor", "heartbeats"}) {
        const auto& m = section == std::string("monitor") ? at(doc, {"monitor", "nodes"})
                                                          : at(doc, {"heartbeats"});
        if (m.is_object())
            for (auto it = m.begin(); it != m.end(); ++it)
                add(it.key());
    }
    return names;
}

// Fits the lines to the terminal: cut to its width and height, the last line saying so.
void fit(std::vector<std::string>& lines, std::size_t needed_width, const ViewOptions& o) {
    const bool narrow = o.width > 0 && needed_width > o.width;
    const bool short_ = o.height > 0 && lines.size() > o.height;
    if (!narrow && !short_) return;
    const auto msg = fmt::format("terminal too small for the view: {}x{} needed, {}x{} here",
                                 needed_width, lines.size(), o.width, o.height);
    if (short_) lines.resize(o.height);
    if (narrow)
        for (auto& l : lines)
            if (l.find('\x1b') == std::string::npos && l.size() > o.width) l.resize(o.width);
    // Coloured lines cut by width lose their colour: plain is safer than a broken escape.
    if (narrow && o.colour)
        for (auto& l : lines)
            if (l.find('\x1b') != std::string::npos) {
                std::string plain;
                for (std::size_t i = 0; i < l.size(); ++i) {
                    if (l[i] == '\x1b') {
                        while (i < l.size() && l[i] != 'm')
                            ++i;
                        continue;
                    }
                    plain += l[i];
                }
                l = plain.substr(0, o.width);
            }
    if (lines.empty()) lines.emplace_back();
    lines.back() = msg.substr(0, o.width > 0 ? o.width : msg.size());
}

} // namespace

std::string instance_glyph(const json& inst) {
    const auto avail = string_or(inst, "avail");
    std::string g = avail == "up"     ? "O"
                    : avail == "down" ? "X"
                    : avail == "warn" ? "!"
                    : avail == "n/a"  ? "/"
                                      : "?";
    if (string_or(at(inst, {"monitor"}), "placement") == "leader") g += "^";
    if (inst.is_object() && inst.contains("frozen") && is_frozen(inst["frozen"])) g += "*";
    return g;
}

bool selects_service(const Filter& f, const json& doc, const std::string& name) {
    bool holds = false;
    f.for_each_match(doc, [&](const Path& p, const json& v) {
        if (holds) return;
        const auto key = [&](std::size_t i) -> const std::string* {
            return i < p.size() ? std::get_if<std::string>(&p[i]) : nullptr;
        };
        const auto is = [&](std::size_t i, const char* k) {
            const auto* s = key(i);
            return s && *s == k;
        };
        const bool under = (is(0, "monitor") && is(1, "services") && key(2) && *key(2) == name) ||
                           (is(0, "monitor") && is(1, "nodes") && is(3, "services") &&
                            is(4, "status") && key(5) && *key(5) == name);
        if (under && (f.op() == FilterOp::Truthy ? truthy(v) : f.test_value(v))) holds = true;
    });
    return f.negated() ? !holds : holds;
}

std::vector<std::string> render_waiting(const ViewOptions& o, const std::string& why) {
    std::vector<std::string> lines{header(o, json()), "", why};
    fit(lines, 0, o);
    return lines;
}

std::vector<std::string> render_view(const json& doc, const ViewOptions& o) {
    const auto nodes = node_names(doc);
    const auto& services = at(doc, {"monitor", "services"});
    std::vector<std::string> svc_names;
    if (services.is_object())
        for (auto it = services.begin(); it != services.end(); ++it)
            if (!o.filter || selects_service(*o.filter, doc, it.key()))
                svc_names.push_back(it.key());

    // Column widths: the left part holds the row titles, or a service and its aggregate.
    std::size_t name_w = 8;
    for (const auto& s : svc_names)
        name_w = std::max(name_w, s.size());
    // service, avail, overall, placement, frozen
    const std::size_t left_w = name_w + 1 + 6 + 8 + 12 + 7;
    std::size_t cell_w = 8;
    for (const auto& n : nodes)
        cell_w = std::max(cell_w, n.size() + 1);

    std::vector<std::string> lines{header(o, doc)};
    if (!o.notice.empty())
        lines.push_back((o.colour ? std::string(kYellow) : "") + "! " + o.notice +
                        (o.colour ? kReset : ""));
    lines.emplace_back();
    // A section's title row: its name (and the services' column titles), then the nodes.
    const auto titles = [&](const char* section, bool service_columns) {
        Line l{"", 0, o.colour};
        if (service_columns) {
            l.add(section, name_w + 1, kBold);
            for (const auto& [t, w] :
                 {std::pair{"avail", 6}, {"overall", 8}, {"placement", 12}, {"frozen", 7}})
                l.add(t, static_cast<std::size_t>(w));
        } else {
            l.add(section, left_w, kBold);
        }
        l.add("  ");
        for (const auto& n : nodes)
            l.add(n, cell_w, kBold);
        lines.push_back(l.text);
    };
    // One row of the nodes section: `cell(node)` gives the text and its colour.
    const auto node_row = [&](const char* title, auto cell) {
        Line l{"", 0, o.colour};
        l.add(std::string(" ") + title, left_w);
        l.add("| ");
        for (const auto& n : nodes) {
            const auto [text, sgr] = cell(n);
            l.add(text, cell_w, sgr);
        }
        lines.push_back(l.text);
    };
    titles("Nodes", false);
    node_row("heartbeat", [&](const std::string& n) -> std::pair<std::string, const char*> {
        const auto& hb = at(doc, {"heartbeats"});
        const auto& b = hb.is_object() && hb.contains(n) ? hb[n] : json();
        if (!b.is_object()) return {"-", nullptr};
        const bool beating = b.value("beating", false);
        return {beating ? "beating" : "stale", beating ? kGreen : kRed};
    });
    node_row("last seen", [&](const std::string& n) -> std::pair<std::string, const char*> {
        const auto& hb = at(doc, {"heartbeats"});
        const auto last = hb.is_object() && hb.contains(n) ? number_or(hb[n], "last") : 0.0;
        if (last <= 0) return {"never", nullptr};
        return {format_age(std::max(0.0, o.now - last)), nullptr};
    });
    const auto node_of = [&](const std::string& n) -> const json& {
        const auto& m = at(doc, {"monitor", "nodes"});
        static const json none;
        return m.is_object() && m.contains(n) ? m[n] : none;
    };
    node_row("frozen", [&](const std::string& n) -> std::pair<std::string, const char*> {
        const auto& d = node_of(n);
        if (!d.is_object()) return {"-", nullptr};
        const bool f = d.contains("frozen") && is_frozen(d["frozen"]);
        return {f ? "frozen" : "-", f ? kBlue : nullptr};
    });
    node_row("load 15m", [&](const std::string& n) -> std::pair<std::string, const char*> {
        const auto& s = at(node_of(n), {"stats"});
        if (!s.is_object() || !s.contains("load_15m")) return {"-", nullptr};
        return {fmt::format("{:.2f}", number_or(s, "load_15m")), nullptr};
    });
    node_row("mem avail", [&](const std::string& n) -> std::pair<std::string, const char*> {
        const auto& s = at(node_of(n), {"stats"});
        if (!s.is_object() || !s.contains("mem_avail_pct")) return {"-", nullptr};
        const auto pct = number_or(s, "mem_avail_pct");
        return {fmt::format("{:.0f}%", pct), pct < 10 ? kRed : nullptr};
    });

    lines.emplace_back();
    titles("Services", true);
    for (const auto& svc : svc_names) {
        const auto& agg = services[svc];
        Line l{"", 0, o.colour};
        const auto avail = string_or(agg, "avail", "?"), overall = string_or(agg, "overall", "?");
        const auto frozen = string_or(agg, "frozen", "?");
        l.add(" " + svc, name_w + 1);
        l.add(avail, 6, avail_colour(avail));
        l.add(overall, 8, avail_colour(overall));
        l.add(string_or(agg, "placement", "?"), 12,
              string_or(agg, "placement") == "non-optimal" ? kYellow : nullptr);
        l.add(frozen == "thawed" ? "" : frozen, left_w - l.visible,
              frozen == "thawed" ? nullptr : kBlue);
        l.add("| ");
        for (const auto& n : nodes) {
            const auto& inst = at(node_of(n), {"services", "status"});
            if (!inst.is_object() || !inst.contains(svc)) {
                l.add("", cell_w);
                continue;
            }
            l.add(instance_glyph(inst[svc]), cell_w, avail_colour(string_or(inst[svc], "avail")));
        }
        lines.push_back(l.text);
    }
    if (svc_names.empty()) lines.push_back(o.filter ? " (no service selected)" : " (no service)");
    lines.emplace_back();
    lines.push_back("O up  X down  ! warn  / n/a  ^ placement leader  * frozen");
    fit(lines, left_w + 2 + nodes.size() * cell_w, o);
    return lines;
}

} // namespace om::sub
