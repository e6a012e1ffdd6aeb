import Foundation
import Testing

/// One command line run by ours and by the reference, each on its own copy
/// of the same base directory.
public struct SideBySide {
  public let ours: CommandResult
  public let reference: CommandResult
  /// Ours' stdout with its base directory's path replaced by `BASE`.
  public let oursStdout: String
  /// The reference's stdout, likewise.
  public let referenceStdout: String

  /// Builds a base directory twice with `build`, runs ours and the reference
  /// on them (`OS_REFRESH_CONFIG_BASE_DIR`, a lock file of their own), and
  /// returns both results. Fails the test when the reference is not installed.
  /// - Parameters:
  ///   - combinedOutput: stderr goes to stdout's file (`> log 2>&1`).
  ///   - signals: started with these signals ignored (`HUP`), as nohup does.
  ///   - prelude: bash commands run before the command is exec'd (to set
  ///     what a dictionary cannot hold, such as values that are not UTF-8).
  ///   - terminal: run under util-linux `script`, on a pseudo-terminal of
  ///     120 columns and 33 rows for stdin, stdout and stderr (all output
  ///     then arrives as stdout, with the terminal's CR LF line ends).
  public static func run(
    _ arguments: [String] = [],
    environment: [String: String] = [:],
    seconds: Double = 60,
    holdingTheLock: Bool = false,
    combinedOutput: Bool = false,
    terminal: Bool = false,
    resize: (after: String, rows: Int, columns: Int)? = nil,
    ignoring signals: [String] = [],
    prelude: String = "",
    sourceLocation: SourceLocation = #_sourceLocation,
    build: (TemporaryDirectory) -> Void
  ) throws -> SideBySide {
    try #require(
      Binaries.referenceIsInstalled,
      "the reference is not installed at \(Binaries.reference): run scripts/install-reference",
      sourceLocation: sourceLocation)
    func one(_ executable: String) -> (CommandResult, String) {
      let base = TemporaryDirectory("orc-base")
      build(base)
      let lock = TemporaryDirectory("orc-lock")
      var variables = environment.mapValues { $0.replacingOccurrences(of: "$BASE", with: base.path) }
      variables["OS_REFRESH_CONFIG_BASE_DIR"] = base.path
      var holder: RunningCommand?
      if holdingTheLock {
        holder = RunningCommand(
          "/usr/bin/flock", ["-o", lock.url("lock"), "sh", "-c", "touch \(lock.url("held")); sleep 60"],
          environment: ["PATH": "/usr/bin:/bin"])
        #expect(waitUntil(seconds: 10) { lock.exists("held") }, sourceLocation: sourceLocation)
      }
      defer {
        holder?.signal(SIGKILL)
        _ = holder?.wait(atMost: 10)
      }
      var command = (executable: executable, arguments: ["--lockfile", lock.url("lock")] + arguments)
      if terminal {
        let line = ([executable] + command.arguments).map { "'" + $0 + "'" }.joined(separator: " ")
        // With `resize`, a background shell shrinks the terminal (SIGWINCH to
        // the foreground group) once the file `after` appears in the base.
        let resizing = resize.map { resize in
          let mark = base.url(resize.after)
          return "(i=0; until [ -e '\(mark)' ] || [ $i -ge 200 ]; do sleep 0.05; i=$((i+1)); done; "
            + "stty cols \(resize.columns) rows \(resize.rows) </dev/tty) & "
        }
        command = (
          "/usr/bin/script", ["-qefc", "stty cols 120 rows 33; \(resizing ?? "")exec \(line)", "/dev/null"]
        )
      }
      if !signals.isEmpty || !prelude.isEmpty {
        // Started as nohup starts a command: these signals ignored.
        let ignore = signals.isEmpty ? "" : "trap '' \(signals.joined(separator: " ")); "
        command = (
          "/bin/bash",
          ["-c", prelude + "\n" + ignore + "exec \"$@\"", "bash", command.executable]
            + command.arguments
        )
      }
      let result = runCommand(
        command.executable, command.arguments,
        environment: Binaries.environment(database: lock.url("history.sqlite"), variables),
        seconds: seconds, combinedOutput: combinedOutput, sourceLocation: sourceLocation)
      return (result, result.stdoutText.replacingOccurrences(of: base.path, with: "BASE"))
    }
    let (ours, oursStdout) = one(Binaries.ours)
    let (reference, referenceStdout) = one(Binaries.reference)
    return SideBySide(ours: ours, reference: reference, oursStdout: oursStdout, referenceStdout: referenceStdout)
  }

  /// Expects identical stdout and exit status, and that they are `stdout` and `status`.
  public func expectBoth(stdout: String, status: Int32, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(oursStdout == stdout, "ours' stdout; stderr: \(ours.stderr)", sourceLocation: sourceLocation)
    #expect(ours.status == status, "ours' status; stderr: \(ours.stderr)", sourceLocation: sourceLocation)
    #expect(referenceStdout == stdout, "reference's stdout", sourceLocation: sourceLocation)
    #expect(
      reference.status == status, "reference's status; stderr: \(reference.stderr)", sourceLocation: sourceLocation)
  }
}
