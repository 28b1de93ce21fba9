// Loading of hook definitions.
#include "hooks_config.hpp"

#include "config.hpp"
#include "filter.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <toml.hpp>

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
std::string where(const std::string& file, const toml::value& v) {
    return file + ":" + std::to_string(v.location().line());
}

// A duration key's value; throws ConfigError naming `at` (file:line: key).
Millis duration_value(const toml::value& v, const std::string& at) {
    if (!v.is_string()) throw ConfigError(at + " must be a duration such as \"30s\"");
    try {
        return parse_duration(v.as_string().str);
    } catch (const DurationError& e) {
        throw ConfigError(at + ": " + e.what());
    }
}

// Reads one [hook.N] table; throws ConfigError naming file:line on a bad entry.
HookConfig read_hook(const std::string& file, const std::string& key, const toml::value& t) {
    HookConfig h;
    h.name = "hook." + key;
    h.where = where(file, t);
    if (!t.is_table()) throw ConfigError(h.where + ": [" + h.name + "] must be a table");
    for (const auto& [k, v] : t.as_table()) {
        const auto at = where(file, v) + ": " + h.name + "." + k;
        // split_command's errors, named with the file:line of the key.
        const auto split_at = [&at](const std::string& line) {
            try {
                return split_command(line);
            } catch (const ConfigError& e) {
                throw ConfigError(at + ": " + e.what());
            }
        };
        if (k == "events") {
            std::vector<std::string> ids;
            if (v.is_string()) {
                std::string s = v.as_string().str;
                for (auto& c : s)
                    if (c == ',') c = ' ';
                ids = split_at(s);
            } else if (v.is_array()) {
                for (const auto& e : v.as_array()) {
                    if (!e.is_string()) throw ConfigError(at + " must hold strings only");
                    ids.push_back(e.as_string().str);
                }
            } else {
                throw ConfigError(
                    at +
                    " must be \"all\", a list of event ids, or ids separated by spaces or commas");
            }
            if (ids.empty()) throw ConfigError(at + " must not be empty");
            h.all_events = ids.size() == 1 && ids[0] == "all";
            if (!h.all_events) h.events = ids;
        } else if (k == "command") {
            if (v.is_string()) {
                h.command = split_at(v.as_string().str);
            } else if (v.is_array()) {
                for (const auto& e : v.as_array()) {
                    if (!e.is_string()) throw ConfigError(at + " must hold strings only");
                    h.command.push_back(e.as_string().str);
                }
            } else {
                throw ConfigError(at + " must be a string or a list of strings");
            }
            if (h.command.empty()) throw ConfigError(at + " must not be empty");
        } else if (k == "timeout") {
            h.timeout = duration_value(v, at);
        } else if (k == "retries") {
            if (!v.is_integer() || v.as_integer() < 0 || v.as_integer() > 100)
                throw ConfigError(at + " must be an integer from 0 to 100");
            h.retries = static_cast<int>(v.as_integer());
        } else if (k == "retry_delay") {
            h.retry_delay = duration_value(v, at);
        } else if (k == "rate_limit") {
            const auto bad = at + " must be \"COUNT/PERIOD\" such as \"10/1s\"";
            if (!v.is_string()) throw ConfigError(bad);
            const std::string s = v.as_string().str;
            const auto slash = s.find('/');
            std::size_t count = 0;
            const auto r = std::from_chars(s.data(), s.data() + std::min(slash, s.size()), count);
            if (slash == std::string::npos || r.ec != std::errc() || r.ptr != s.data() + slash ||
                count == 0 || count > 100000)
                throw ConfigError(bad + " (COUNT from 1 to 100000)");
            try {
                h.rate_period = parse_duration(std::string_view(s).substr(slash + 1));
            } catch (const DurationError& e) {
                throw ConfigError(at + ": " + e.what());
            }
            if (h.rate_period.count() == 0) throw ConfigError(bad + " (PERIOD more than 0)");
            h.rate_count = count;
        } else if (k == "filter") {
            if (!v.is_string()) throw ConfigError(at + " must be a string");
            h.filter = v.as_string().str;
            try {
                (void)Filter::parse(h.filter);
            } catch (const FilterError& e) {
                throw ConfigError(at + ": " + e.what());
            }
        } else {
            throw ConfigError(at + ": unknown key");
        }
    }
    if (h.command.empty()) throw ConfigError(h.where + ": [" + h.name + "] has no command");
    if (!h.all_events && h.events.empty())
        throw ConfigError(h.where + ": [" + h.name + "] has no events");
    return h;
}
} // namespace

HooksConfig load_hooks_config(const std::string& path, std::vector<std::string>& errors) {
    HooksConfig c;
    toml::value root;
    {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw ConfigError(path + ":0: cannot open the file");
        try {
            root = toml::parse(in, path);
        } catch (const toml::syntax_error& e) {
            std::string what = e.what();
            what = what.substr(0, what.find('\n'));
            if (what.starts_with("[error] ")) what = what.substr(8);
            throw ConfigError(path + ":" + std::to_string(e.location().line()) + ": " + what);
        }
    }
    if (root.contains("hooks")) {
        const auto& t = root.at("hooks");
        if (!t.is_table()) throw ConfigError(where(path, t) + ": [hooks] must be a table");
        for (const auto& [k, v] : t.as_table()) {
            const auto at = where(path, v) + ": hooks." + k;
            if ((k == "concurrency" || k == "queue") && v.is_integer() && v.as_integer() >= 1)
                (k == "concurrency" ? c.concurrency : c.queue) =
                    static_cast<std::size_t>(v.as_integer());
            else if ((k == "log" || k == "cursor") && v.is_string())
                (k == "log" ? c.log : c.cursor) = v.as_string().str;
            else if (k == "concurrency" || k == "queue")
                throw ConfigError(at + " must be an integer >= 1");
            else if (k == "log" || k == "cursor")
                throw ConfigError(at + " must be a string");
            else
                errors.push_back(at + ": unknown key, ignored");
        }
    }
    if (root.contains("hook")) {
        const auto& t = root.at("hook");
        if (!t.is_table()) throw ConfigError(where(path, t) + ": [hook] must hold [hook.N] tables");
        // In name order, so that logs and behaviour do not depend on the TOML table's hashing.
        std::vector<std::string> names;
        for (const auto& [k, v] : t.as_table())
            names.push_back(k);
        std::sort(names.begin(), names.end());
        for (const auto& k : names) {
            const auto& v = t.as_table().at(k);
            try {
                c.hooks.push_back(read_hook(path, k, v));
            } catch (const ConfigError& e) {
                errors.push_back(std::string(e.what()) + " (hook skipped)");
            }
        }
    }
    return c;
}

} // namespace om
