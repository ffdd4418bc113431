/**
 * Where a subcommand writes and what environment it reads: the process's own in the installed
 * command, strings in tests.
 *
 * @internal
 */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}
