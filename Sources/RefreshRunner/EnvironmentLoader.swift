import RefreshVocabulary
import SystemInterface

/// What sourcing the environment.d files gave.
enum EnvironmentLoad {
  /// Every file was sourced; scripts get this environment and start with
  /// this state of the shell.
  case loaded(ProcessEnvironment, ShellState)
  /// Sourcing failed in `file` (nil when bash failed before the first one).
  case failed(file: String?, exit: ChildExit, channels: OutputChannels)
  /// bash could not be started.
  case notStarted(SystemError)
}

/// Sources environment.d files in bash, as dib-run-parts does (`set -eu`,
/// `pipefail`), and returns what a child of that shell would inherit.
///
/// bash reports its state to a pipe on descriptor 3 before and after
/// sourcing: its umask, physical working directory, resource limits (from
/// /proc), the signals it ignores (`trap -p`) and, through `env -0` (a child of it, so exported functions come
/// in bash's own form), its environment. The difference is applied to our
/// own, so bash's own variables (`SHLVL`, `_`) do not leak into scripts and
/// nothing is traced: unlike dib-run-parts' `set -x`, no value reaches the
/// log. The files' own output goes to our stdout and stderr through
/// channels like a script's (OutputChannels), and to `deliver`, so that a
/// failure can be recorded with what the shell said.
enum EnvironmentLoader {
  static let bash = "/bin/bash"
  /// Lists a child's environment, NUL-separated (coreutils, always present).
  static let env = "/usr/bin/env"

  static let script = """
    set -eu -o pipefail
    __orc_report() {
      builtin printf '#state\\0U' >&3
      builtin umask >&3
      builtin printf '\\0D' >&3
      builtin pwd -P >&3 || true
      builtin printf '\\0' >&3
      if [[ -r /proc/$BASHPID/limits ]]; then
        # IFS set once, not as `IFS= read` per line: a temporary assignment
        # makes bash rebuild its export list, per line, in time quadratic
        # in the exported variables (10,000 of them: seconds).
        local __orc_line IFS=
        builtin printf L >&3
        while builtin read -r __orc_line; do builtin printf '%s\\n' "$__orc_line"; done </proc/$BASHPID/limits >&3
        builtin unset __orc_line
        builtin printf '\\0' >&3
      fi
      builtin printf I >&3
      builtin trap -p >&3
      builtin printf '\\0' >&3
      builtin printf '#env\\0' >&3
      \(env) -0 >&3
      builtin printf '\\0' >&3
    }
    __orc_report
    __orc_files=("$@")
    set --
    # Inside a function, as dib-run-parts sources them: `local` works there,
    # and what `declare` makes without -g is the function's, never a script's.
    __orc_source() {
      local __orc_file
      for __orc_file in "${__orc_files[@]}"; do
        builtin printf '>%s\\0' "$__orc_file" >&3
        builtin source "$__orc_file" 3>&-
      done
    }
    # In a subshell, as dib-run-parts does: a file that fails under `set -e`
    # ends it there, without bash's complaint about leaving a function
    # context ("pop_var_context") that the reference never prints.
    (
      __orc_source
      builtin unset -f __orc_source
      builtin unset __orc_files
      __orc_report
    )
    """

  static func load(
    files: [String],
    into environment: ProcessEnvironment,
    supervisor: ChildSupervisor,
    output: (channels: OutputChannels, passThrough: (stdout: Int32, stderr: Int32)),
    deliver: @escaping (ScriptStream, UnsafeRawBufferPointer) -> Void,
    deadline: MonotonicInstant?,
    onTimeout: () -> Void
  ) -> EnvironmentLoad {
    let report: PipeEnds
    let opened: [OutputChannels.Channel]
    let pid: pid_t
    do {
      report = try ScriptLauncher.outputPipe()
      opened = try output.channels.open(sizeFrom: output.passThrough)
      defer {
        report.writeEnd.close()
        for channel in opened { channel.theirs.close() }
      }
      pid = try ProcessSpawner.spawn(
        path: bash,
        arguments: CStringArray([bash, "-c", script, "os-refresh-config"] + files),
        environment: CStringArray(bytes: environment.byteEntries),
        redirections: OutputChannels.redirections(opened) + [.init(source: report.writeEnd.rawValue, target: 3)]
      )
    } catch {
      return .notStarted(error)
    }
    var collected: [UInt8] = []
    let outputs = zip(opened, [ScriptStream.stdout, .stderr]).map { channel, stream in
      ChildStream(
        source: channel.ours, passThrough: stream == .stdout ? output.passThrough.stdout : output.passThrough.stderr,
        deliver: { deliver(stream, $0) }, isTerminal: channel.isTerminal)
    }
    let exit = supervisor.wait(
      for: pid,
      streams: outputs + [
        ChildStream(source: report.readEnd, passThrough: nil, deliver: { collected.append(contentsOf: $0) })
      ],
      deadline: deadline,
      onTimeout: onTimeout
    )
    let records = parse(collected)
    guard exit.termination.isSuccess, exit.interruptedBy == nil, let after = records.after else {
      return .failed(file: records.lastFile, exit: exit, channels: output.channels)
    }
    return .loaded(
      environment.applying(from: records.before.variables, to: after.variables),
      ShellState.change(from: records.before.state, to: after.state))
  }

  /// One report of the shell: its state and its exported variables.
  struct Report {
    var state = ShellState.Snapshot()
    var variables: [String: [UInt8]] = [:]
  }

  struct Records {
    var before = Report()
    var after: Report?
    var lastFile: String?
  }

  /// Parses `report (>file NUL)* report`, where a report is
  /// `#state NUL (Uumask NUL) (Dpath NUL) (Llimits NUL)? #env NUL (NAME=value NUL)* NUL`.
  static func parse(_ bytes: [UInt8]) -> Records {
    var records = Records()
    var reports = 0
    var current = Report()
    var section: Substring?
    // Every record ends in NUL, so the last split field is the empty remainder.
    for field in bytes.split(separator: 0, omittingEmptySubsequences: false).dropLast() {
      let text = String(decoding: field, as: UTF8.self)
      // Variables keep their bytes: a value that is not UTF-8 reaches scripts as it was.
      switch section {
      case nil where text == "#state":
        section = "state"
      case nil:
        if text.first == ">" { records.lastFile = String(text.dropFirst()) }
      case "state" where text == "#env":
        section = "env"
      case "state":
        apply(stateRecord: text, to: &current.state)
      default:
        if !field.isEmpty {
          let (name, value) = ProcessEnvironment.split(field)
          if name != "_" { current.variables[name] = value }
          continue
        }
        if reports == 0 { records.before = current } else { records.after = current }
        reports += 1
        current = Report()
        section = nil
      }
    }
    return records
  }

  private static func apply(stateRecord text: String, to state: inout ShellState.Snapshot) {
    let value = String(text.dropFirst())
    switch text.first {
    case "U": state.umask = ShellState.parseUmask(value)
    case "D": state.directory = value.hasSuffix("\n") ? String(value.dropLast()) : nil
    case "L": state.limits = ShellState.parseLimits(value)
    case "I": state.ignored = ShellState.parseIgnored(value)
    default: break
    }
  }
}
