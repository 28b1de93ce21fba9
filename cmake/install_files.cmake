# Run by `cmake --install` (see cmake/Install.cmake, which sets the OMBUS_* variables):
# installs what is not a program. Honours DESTDIR; every file lands in install_manifest.txt.
#  - conf/broker.toml, conf/node.toml and conf/relay.toml into <sysconf>/om (/etc/om for prefix /usr), with
#    the journal, the hooks cursor and the control socket under OMBUS_STATE_DIR and
#    OMBUS_RUNTIME_DIR, where the units keep them. An existing file an operator edited is
#    kept: the new one is written beside it as <file>.new.
#  - conf/systemd/*.service.in, filled in, into the systemd unit directory.
#  - docs/man/*.[1-8] into <mandir>/manN; README and docs/*.md into <docdir>, the example
#    subscribers into <docdir>/examples.

if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    set(etc "/etc")
    set(unitdir "/lib/systemd/system")
else()
    set(etc "${CMAKE_INSTALL_PREFIX}/etc")
    set(unitdir "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
endif()
if(OMBUS_SYSTEMD_UNITDIR)
    set(unitdir "${OMBUS_SYSTEMD_UNITDIR}")
endif()
set(stage "${OMBUS_BINARY_DIR}/install-stage")
file(REMOVE_RECURSE "${stage}")
file(MAKE_DIRECTORY "${stage}")

# Replaces the line `from` of a config with `to`; a line that is no longer there is an
# error, so a change of conf/*.toml cannot silently leave the installed defaults behind.
function(ombus_set_line text_var file from to)
    string(FIND "${${text_var}}" "\n${from}\n" at)
    if(at EQUAL -1)
        message(FATAL_ERROR "${file}: no line '${from}' to set for the installed config")
    endif()
    string(REPLACE "\n${from}\n" "\n${to}\n" text "${${text_var}}")
    set(${text_var} "${text}" PARENT_SCOPE)
endfunction()

set(note "# As installed: state in ${OMBUS_STATE_DIR}, the control socket in ${OMBUS_RUNTIME_DIR},\n# where the systemd units keep them (see ombus.toml(5)).\n")
file(READ "${OMBUS_SOURCE_DIR}/conf/broker.toml" broker)
ombus_set_line(broker broker.toml "journal = \"\"" "journal = \"${OMBUS_STATE_DIR}/broker.journal\"")
file(READ "${OMBUS_SOURCE_DIR}/conf/node.toml" node)
ombus_set_line(node node.toml "control = \"\"" "control = \"ipc://${OMBUS_RUNTIME_DIR}/om-pub.sock\"")
ombus_set_line(node node.toml "cursor = \"\"" "cursor = \"${OMBUS_STATE_DIR}/hooks.cursor\"")
file(READ "${OMBUS_SOURCE_DIR}/conf/relay.toml" relay)
foreach(name broker node relay)
    if(name STREQUAL "relay")
        set(text "${relay}") # no state, no socket of its own to place
    else()
        # The note goes after the file's title line.
        string(FIND "${${name}}" "\n" eol)
        math(EXPR eol "${eol} + 1")
        string(SUBSTRING "${${name}}" 0 ${eol} title)
        string(SUBSTRING "${${name}}" ${eol} -1 rest)
        set(text "${title}${note}${rest}")
    endif()
    file(WRITE "${stage}/${name}.toml" "${text}")
    set(dest "${etc}/om/${name}.toml")
    if(EXISTS "$ENV{DESTDIR}${dest}")
        file(READ "$ENV{DESTDIR}${dest}" old)
        if(NOT old STREQUAL text)
            message(STATUS "Kept: ${dest} (edited); the new default is ${dest}.new")
            file(RENAME "${stage}/${name}.toml" "${stage}/${name}.toml.new")
            file(INSTALL DESTINATION "${etc}/om" TYPE FILE FILES "${stage}/${name}.toml.new")
            continue()
        endif()
    endif()
    file(INSTALL DESTINATION "${etc}/om" TYPE FILE FILES "${stage}/${name}.toml")
endforeach()

set(OMBUS_BINDIR "${CMAKE_INSTALL_PREFIX}/${OMBUS_INSTALL_BINDIR}")
set(OMBUS_SYSCONFDIR "${etc}")
file(GLOB units "${OMBUS_SOURCE_DIR}/conf/systemd/*.service.in")
foreach(in ${units})
    get_filename_component(name "${in}" NAME_WLE)
    configure_file("${in}" "${stage}/${name}" @ONLY)
    file(INSTALL DESTINATION "${unitdir}" TYPE FILE FILES "${stage}/${name}")
endforeach()

file(GLOB pages "${OMBUS_SOURCE_DIR}/docs/man/*.[1-8]")
foreach(page ${pages})
    string(REGEX MATCH "[1-8]$" section "${page}")
    file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/${OMBUS_INSTALL_MANDIR}/man${section}"
         TYPE FILE FILES "${page}")
endforeach()

set(docdir "${CMAKE_INSTALL_PREFIX}/${OMBUS_INSTALL_DOCDIR}")
file(INSTALL DESTINATION "${docdir}" TYPE FILE FILES
     "${OMBUS_SOURCE_DIR}/README.md" "${OMBUS_SOURCE_DIR}/docs/protocol.md"
     "${OMBUS_SOURCE_DIR}/docs/deploy.md")
file(INSTALL DESTINATION "${docdir}/examples" TYPE FILE FILES
     "${OMBUS_SOURCE_DIR}/subscribers/examples/follow_state.cpp"
     "${OMBUS_SOURCE_DIR}/subscribers/examples/follow_state.py")
