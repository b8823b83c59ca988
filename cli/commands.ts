// The distribution commands' table and usage text (WSL's verbs; cli/distro.ts carries them
// out). Apart from cli/distro.ts so that every start of the CLI can check for a command without
// loading the distribution code and the Node modules it needs (issue #11, start-up).

/** Management commands: each takes the whole command line. */
export const COMMANDS: Record<string, number> = {
  '--import': 3, '--export': 2, '--list': 0, '-l': 0, '--set-default': 1, '-s': 1, '--unregister': 1,
  '--terminate': 1, '-t': 1, '--shutdown': 0,
};

export const DISTRO_USAGE = `
distributions (WSL's commands; the registry is in $WASL_HOME, default ~/.config/wasl):
  --import NAME INSTALL_DIR ROOTFS.tar[.gz|.xz|.zst]   make a distribution from a rootfs
                       tarball ("-": stdin); INSTALL_DIR must be missing or empty
  --export NAME FILE.tar[.gz]   write a distribution back as a tarball ("-": stdout)
  -l, --list [-v, --verbose]    the registered distributions (* the default; state)
  -s, --set-default NAME        the distribution -d uses when given none
  --unregister NAME    terminate it, forget it and delete its install directory
  -t, --terminate NAME stop a running distribution (SIGTERM to its processes, SIGKILL after 3 s)
  --shutdown           terminate every running distribution
  -d, --distribution NAME [-u, --user USER] [--cd DIR] [-- COMMAND ARGS...]
                       run COMMAND (default: USER's login shell) in distribution NAME (default:
                       the default one), found in the distribution's filesystem along its PATH
`;

/** Whether argv starts with a management command (cli/wasl.ts hands such a line over whole). */
export function isManagementCommand(argv: string[]): boolean {
  return argv.length > 0 && argv[0] in COMMANDS;
}

