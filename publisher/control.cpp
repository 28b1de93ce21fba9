// Parsing of control verbs' arguments.
#include "control.hpp"

#include "wire.hpp"

namespace om::publisher {

std::pair<Path, json> parse_assignment(const std::string& arg) {
    bool quoted = false;
    std::size_t eq = std::string::npos;
    for (std::size_t i = 0; i < arg.size(); ++i) {
        if (arg[i] == '\'') quoted = !quoted;
        if (arg[i] == '=' && !quoted) {
            eq = i;
            break;
        }
    }
    if (eq == std::string::npos) throw ControlError("'" + arg + "': expected PATH=VALUE");
    try {
        auto path = parse_dotted(arg.substr(0, eq));
        if (path.empty()) throw ControlError("'" + arg + "': the path must not be empty");
        return {std::move(path), wire::parse_user_value(arg.substr(eq + 1))};
    } catch (const PathError& e) {
        throw ControlError(e.what());
    }
}

json parse_emit(const std::vector<std::string>& args) {
    if (args.empty() || args[0].empty()) throw ControlError("emit: expected an event ID");
    const auto& id = args[0];
    for (char c : id)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
            throw ControlError("emit: event ID '" + id +
                               "' may hold letters, digits, '_', '-' and '.' only");
    json data{{"id", id}};
    for (std::size_t i = 1; i < args.size(); ++i) {
        const auto eq = args[i].find('=');
        if (eq == std::string::npos || eq == 0)
            throw ControlError("emit: '" + args[i] + "': expected KEY=VALUE");
        const auto key = args[i].substr(0, eq);
        if (key == "id") throw ControlError("emit: 'id' is the event ID, not a KEY");
        data[key] = wire::parse_user_value(args[i].substr(eq + 1));
    }
    return data;
}

} // namespace om::publisher
