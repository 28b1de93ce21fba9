// Loading of hook definitions.
#include "hooks_config.hpp"

#include "config.hpp"
#include "filter.hpp"
#include "toml_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fmt/format.h>

namespace om {

std::vector<std::string> split_command(const std::string& line) {
    std::vector<std::string> words;
    std::string cur;
    bool in_word = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (c == '\'' || c == '"') {
            const auto close = line.find(c, i + 1);
            if (close == std::string::npos)
                throw ConfigError(std::string("unterminated ") + c + " quote");
            cur.append(line, i + 1, close - i - 1);
            i = close;
            in_word = true;
        } else if (c == '\\' && i + 1 < line.size()) {
            cur.push_back(line[++i]);
            in_word = true;
        } else if (c == ' ' || c == '\t' || c == '\n') {
            if (in_word) words.push_back(std::move(cur));
            cur.clear();
            in_word = false;
        } else {
            cur.push_back(c);
            in_word = true;
        }
    }
    if (in_word) words.push_back(std::move(cur));
    return words;
}

std::string default_cursor_path() {
    if (const char* s = std::getenv("XDG_STATE_HOME"); s && *s)
        return std::string(s) + "/ombus/hooks.cursor";
    const char* home = std::getenv("HOME");
    return std::string(home && *home ? home : "/tmp") + "/.local/state/ombus/hooks.cursor";
}

namespace {
// split_command, its errors named `at` (file:line: 'hook.N.key').
std::vector<std::string> split_at(const std::string& at, const std::string& line) {
    try {
        return split_command(line);
    } catch (const ConfigError& e) {
        throw ConfigError(at + ": " + e.what());
    }
}

// Reads `key` of a hook table as a command line (split like a shell's words) or a list of
// words.
std::vector<std::string> words(TomlTable& t, const std::string& key, const toml::value& v) {
    if (v.is_string()) return split_at(t.where(v) + t.key_name(key), v.as_string().str);
    std::vector<std::string> out;
    t.strings(key, out, true);
    return out;
}

// events = "all", a list of ids, or ids separated by spaces or commas.
void read_events(TomlTable& t, HookConfig& h) {
    const auto* v = t.get("events");
    if (!v) return;
    const auto at = t.where(*v) + t.key_name("events");
    if (!v->is_string() && !v->is_array())
        throw ConfigError(at + " must be \"all\", a list of event ids, or ids separated by "
                               "spaces or commas");
    std::vector<std::string> ids;
    if (v->is_string()) {
        std::string s = v->as_string().str;
        std::replace(s.begin(), s.end(), ',', ' ');
        ids = split_at(at, s);
    } else {
        ids = words(t, "events", *v);
    }
    if (ids.empty()) throw ConfigError(at + " must not be empty");
    h.all_events = ids.size() == 1 && ids[0] == "all";
    if (!h.all_events) h.events = ids;
}

// rate_limit = "COUNT/PERIOD".
void read_rate_limit(TomlTable& t, HookConfig& h) {
    const auto* v = t.get("rate_limit");
    if (!v) return;
    const auto bad =
        t.where(*v) + t.key_name("rate_limit") + " must be \"COUNT/PERIOD\" such as \"10/1s\"";
    if (!v->is_string()) throw ConfigError(bad);
    const std::string s = v->as_string().str;
    const auto slash = s.find('/');
    std::size_t count = 0;
    const auto r = std::from_chars(s.data(), s.data() + std::min(slash, s.size()), count);
    if (slash == std::string::npos || r.ec != std::errc() || r.ptr != s.data() + slash ||
        count == 0 || count > 100000)
        throw ConfigError(bad + " (COUNT from 1 to 100000)");
    try {
        h.rate_period = parse_duration(std::string_view(s).substr(slash + 1));
    } catch (const DurationError& e) {
        throw ConfigError(t.where(*v) + t.key_name("rate_limit") + ": " + e.what());
    }
    if (h.rate_period.count() == 0) throw ConfigError(bad + " (PERIOD more than 0)");
    h.rate_count = count;
}

// serialize_by = "PATH" and coalesce = "DURATION", which needs it.
void read_serialization(TomlTable& t, HookConfig& h) {
    t.str("serialize_by", h.serialize_by);
    if (const auto* v = t.get("serialize_by")) {
        try {
            h.serialize_path = parse_dotted(h.serialize_by);
        } catch (const PathError& e) {
            throw ConfigError(t.where(*v) + t.key_name("serialize_by") + ": " + e.what());
        }
        if (h.serialize_path.empty())
            throw ConfigError(t.where(*v) + t.key_name("serialize_by") +
                              " must be a path of the event message, such as \"data.svcname\"");
    }
    t.duration("coalesce", h.coalesce);
    if (const auto* v = t.get("coalesce"); v && h.serialize_by.empty())
        throw ConfigError(t.where(*v) + t.key_name("coalesce") +
                          " needs serialize_by: it merges the events of one key");
}

// Reads one [hook.N] table; throws ConfigError naming file:line on a bad entry. Its
// unknown keys are warnings, as everywhere (toml_reader.hpp).
HookConfig read_hook(const std::string& file, const std::string& key, const toml::value& v,
                     std::vector<std::string>& warnings) {
    HookConfig h;
    h.name = "hook." + key;
    h.where = fmt::format("{}:{}", file, v.location().line());
    auto t = TomlTable::of(v, h.name, file);
    read_events(t, h);
    if (const auto* c = t.get("command")) {
        h.command = words(t, "command", *c);
        if (h.command.empty())
            throw ConfigError(t.where(*c) + t.key_name("command") + " must not be empty");
    }
    t.duration("timeout", h.timeout);
    t.count("retries", h.retries, 0, 100);
    t.duration("retry_delay", h.retry_delay);
    read_rate_limit(t, h);
    t.str("filter", h.filter);
    if (const auto* f = t.get("filter")) {
        try {
            (void)Filter::parse(h.filter);
        } catch (const FilterError& e) {
            throw ConfigError(t.where(*f) + t.key_name("filter") + ": " + e.what());
        }
    }
    read_serialization(t, h);
    t.warn_unknown(warnings);
    if (h.command.empty()) throw ConfigError(h.where + ": [" + h.name + "] has no command");
    if (!h.all_events && h.events.empty())
        throw ConfigError(h.where + ": [" + h.name + "] has no events");
    return h;
}
} // namespace

HooksConfig load_hooks_config(const std::string& path, std::vector<std::string>& errors) {
    HooksConfig c;
    const auto root = read_toml(path);
    toml_guarded(path, [&] {
        TomlTable hooks(root, "hooks", path);
        hooks.count("concurrency", c.concurrency, 1);
        hooks.count("queue", c.queue, 1);
        hooks.str("log", c.log);
        hooks.str("cursor", c.cursor);
        hooks.warn_unknown(errors);
        if (!root.contains("hook")) return;
        const auto& t = root.at("hook");
        if (!t.is_table()) throw ConfigError(hooks.where(t) + "[hook] must hold [hook.N] tables");
        // In name order, so that logs and behaviour do not depend on the TOML table's hashing.
        std::vector<std::string> names;
        for (const auto& [k, v] : t.as_table())
            names.push_back(k);
        std::sort(names.begin(), names.end());
        for (const auto& k : names) {
            try {
                c.hooks.push_back(read_hook(path, k, t.as_table().at(k), errors));
            } catch (const ConfigError& e) {
                errors.push_back(std::string(e.what()) + " (hook skipped)");
            }
        }
    });
    return c;
}

} // namespace om
