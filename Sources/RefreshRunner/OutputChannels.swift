import CSystemShims
import SystemInterface

/// How a child's stdout and stderr are connected, decided once per run from
/// where our own go, so that a script writes as it would as a direct child
/// of the reference's shell:
/// - when our stdout and stderr are one file, pipe, socket or terminal (the
///   journal under os-collect-config, `> log 2>&1`, a terminal), the child
///   gets one channel for both, so what it writes keeps the order written;
/// - where ours is a terminal, the child gets a pseudo-terminal (raw, with
///   our window size), so `[ -t 1 ]`, colours and progress behave as by hand.
/// Otherwise each stream has its own pipe.
public struct OutputChannels: Sendable, Equatable {
  /// One channel for stdout and stderr.
  public let combined: Bool
  /// A pseudo-terminal for stdout (for both when combined).
  public let stdoutTerminal: Bool
  /// A pseudo-terminal for stderr (when not combined).
  public let stderrTerminal: Bool

  /// Separate pipes: what a child gets when we know nothing of our outputs.
  public static let pipes = OutputChannels(combined: false, stdoutTerminal: false, stderrTerminal: false)

  public init(combined: Bool, stdoutTerminal: Bool, stderrTerminal: Bool) {
    self.combined = combined
    self.stdoutTerminal = stdoutTerminal
    self.stderrTerminal = stderrTerminal && !combined
  }

  /// The channels for a run whose output goes to `stdout` and `stderr`.
  ///
  /// Both going to one device that keeps nothing (`/dev/null`: cron's
  /// `>/dev/null 2>&1`) leaves them separate: nobody can see an order there,
  /// and the history keeps stdout and stderr apart.
  public static func matching(stdout: Int32, stderr: Int32) -> OutputChannels {
    let terminal = (stdout: isatty(stdout) == 1, stderr: isatty(stderr) == 1)
    let sameFile = stdout == stderr || orc_same_file(stdout, stderr) == 1
    return OutputChannels(
      combined: sameFile && (terminal.stdout || !isOtherDevice(stdout)),
      stdoutTerminal: terminal.stdout, stderrTerminal: terminal.stderr)
  }

  /// A character or block device that is not a terminal (`/dev/null`).
  private static func isOtherDevice(_ descriptor: Int32) -> Bool {
    var info = stat()
    guard fstat(descriptor, &info) == 0 else { return false }
    let type = info.st_mode & S_IFMT
    return type == S_IFCHR || type == S_IFBLK
  }

  /// Whether the child gets a pseudo-terminal on its stdout or its stderr.
  public var anyTerminal: Bool { stdoutTerminal || stderrTerminal }

  /// One channel: our end (non-blocking) and the child's.
  struct Channel {
    let ours: FileDescriptor
    let theirs: FileDescriptor
    let isTerminal: Bool
  }

  /// The channels for one child: stdout's, then stderr's unless combined.
  /// `sizeFrom` is the terminal whose window size pseudo-terminals get.
  func open(sizeFrom: (stdout: Int32, stderr: Int32)) throws(SystemError) -> [Channel] {
    let stdout = try Self.channel(terminal: stdoutTerminal, sizeFrom: sizeFrom.stdout)
    if combined { return [stdout] }
    do {
      return [stdout, try Self.channel(terminal: stderrTerminal, sizeFrom: sizeFrom.stderr)]
    } catch {
      stdout.ours.close()
      stdout.theirs.close()
      throw error
    }
  }

  /// The child's ends of `opened` as its stdout and stderr (the one channel
  /// on both when combined).
  static func redirections(_ opened: [Channel]) -> [ProcessSpawner.Redirection] {
    [
      .init(source: opened[0].theirs.rawValue, target: STDOUT_FILENO),
      .init(source: opened[opened.count - 1].theirs.rawValue, target: STDERR_FILENO),
    ]
  }

  private static func channel(terminal: Bool, sizeFrom: Int32) throws(SystemError) -> Channel {
    guard terminal else {
      let pipe = try ScriptLauncher.outputPipe()
      return Channel(ours: pipe.readEnd, theirs: pipe.writeEnd, isTerminal: false)
    }
    var controller: Int32 = -1
    var child: Int32 = -1
    _ = try systemCall("posix_openpt") { orc_open_terminal(sizeFrom, &controller, &child) }
    let ours = FileDescriptor(owning: controller)
    ours.setNonBlocking()
    return Channel(ours: ours, theirs: FileDescriptor(owning: child), isTerminal: true)
  }
}
