# Install rules (GNUInstallDirs): the four programs into bin, and, through
# cmake/install_files.cmake at install time, the configs into <sysconf>/om, the systemd
# units, the man pages and the docs and examples. The paths that depend on the prefix
# (/etc and /lib/systemd/system for /usr) are computed when installing, so that
# `cmake --install build --prefix /usr` is right whatever prefix the build was configured with.
include(GNUInstallDirs)

set(OMBUS_STATE_DIR "/var/lib/om" CACHE STRING
    "State of the installed daemons (systemd StateDirectory=om): broker journal, hooks cursor")
set(OMBUS_RUNTIME_DIR "/run/om" CACHE STRING
    "Runtime files of the installed daemons (systemd RuntimeDirectory=om): om-pub's control socket")
set(OMBUS_SYSTEMD_UNITDIR "" CACHE STRING
    "Where the systemd units go; empty: /lib/systemd/system for prefix /usr (Debian 12), else <prefix>/lib/systemd/system")

install(TARGETS om-broker om-pub om-sub om-relay RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(CODE "
  set(OMBUS_SOURCE_DIR \"${PROJECT_SOURCE_DIR}\")
  set(OMBUS_BINARY_DIR \"${PROJECT_BINARY_DIR}\")
  set(OMBUS_INSTALL_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
  set(OMBUS_INSTALL_MANDIR \"${CMAKE_INSTALL_MANDIR}\")
  set(OMBUS_INSTALL_DOCDIR \"${CMAKE_INSTALL_DATAROOTDIR}/doc/ombus\")
  set(OMBUS_STATE_DIR \"${OMBUS_STATE_DIR}\")
  set(OMBUS_RUNTIME_DIR \"${OMBUS_RUNTIME_DIR}\")
  set(OMBUS_SYSTEMD_UNITDIR \"${OMBUS_SYSTEMD_UNITDIR}\")")
install(SCRIPT cmake/install_files.cmake)
